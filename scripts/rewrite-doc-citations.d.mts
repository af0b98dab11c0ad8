// Types of scripts/rewrite-doc-citations.mjs, for test/docs/citations.test.ts.

export interface NoteSpec {
  aliases: string[];
  page: string;
  aliasNeedsSection?: boolean;
  rulesSection?: string;
  sections: Record<string, string>;
  groups: { from: string; to: string; cite: string }[];
}

export interface Mapping {
  notes: Record<string, NoteSpec>;
  questions: { page: string; ids: string[] };
  defaults: { prefix: string; note: string }[];
  exempt: string[];
}

export interface Rewrite {
  path: string;
  line: number;
  from: string;
  to: string;
}

export interface Unmapped {
  path: string;
  line: number;
  col: number;
  text: string;
  reason: string;
}

export interface SectionSign {
  line: number;
  col: number;
  /** "standard": follows a named standard or issue; "note": follows a note's name; "bare": neither. */
  kind: "standard" | "note" | "bare";
  standard?: string;
  text: string;
}

export interface RewriteResult {
  text: string;
  rewrites: Rewrite[];
  unmapped: Unmapped[];
  sections: SectionSign[];
  questions: { line: number; col: number; id: string }[];
}

export const ROOT: string;
export const MAPPING: Mapping;
export function rewriteText(text: string, path: string): RewriteResult;
export function citeNote(note: string, section: { num: string; to?: string; qual?: string; qn?: string }): { cite: string } | { error: string };
export function defaultNote(path: string): string | undefined;
export function repositoryFiles(root?: string): string[];
export function readText(absolute: string): string | undefined;
export function isExempt(path: string): boolean;
