/**
 * Loads the corpus files (test/corpus/<source>/*.json) and turns a captured reply into what
 * our parsers see: the information lines of one command, as the AT channel hands them over
 * (echo and blank lines dropped, cut at the final result, which is reported separately).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { classifyFinal, type FinalResult } from "../../src/at/final-result.js";

export interface CorpusSource {
  name: string;
  repo: string;
  commit: string;
  license: string;
  licenseNote?: string;
}

export type Asserts = "parses" | "error" | Record<string, unknown>;

export interface CorpusEntry {
  id: string;
  path: string;
  ref?: string;
  device?: string;
  kind: string;
  raw: string;
  /** Extra inputs the source gave its own decoder (e.g. septet count). */
  input?: Record<string, unknown>;
  asserts: Asserts;
  note?: string;
  /** Why the entry does not apply to simgate; such entries are listed, not judged. */
  notApplicable?: string;
}

export interface CorpusFile {
  file: string;
  source: CorpusSource;
  /** Which source's vocabulary the `asserts` use (test/corpus/views.ts). */
  view: string;
  entries: CorpusEntry[];
}

export const CORPUS_DIR = new URL(".", import.meta.url).pathname;

/** Every corpus file; `devices/` holds replay profiles, not corpus entries. */
export function loadCorpus(dir = CORPUS_DIR): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const sub of readdirSync(dir).sort()) {
    const path = join(dir, sub);
    if (sub === "devices" || !statSync(path).isDirectory()) continue;
    for (const f of readdirSync(path).filter((n) => n.endsWith(".json")).sort()) {
      const data = JSON.parse(readFileSync(join(path, f), "utf8")) as Omit<CorpusFile, "file">;
      out.push({ file: `${sub}/${f}`, ...data });
    }
  }
  return out;
}

export interface Reply {
  /** Information lines, as AtChannel passes them to a parser. */
  lines: string[];
  /** The final result line that ended the reply, or null when the capture has none. */
  final: FinalResult | null;
}

/** Split a capture the way the AT channel frames it: CR and/or LF end a line. */
export function splitLines(raw: string): string[] {
  return raw.split(/\r\n|\r|\n/).filter((l) => l.trim().length > 0);
}

/** The reply as our parsers get it: a leading `AT…` echo dropped, lines up to the first final result. */
export function toReply(raw: string): Reply {
  const all = splitLines(raw);
  if (all.length > 0 && /^\s*AT/i.test(all[0]!)) all.shift();
  const lines: string[] = [];
  for (const line of all) {
    const final = classifyFinal(line);
    if (final) return { lines, final };
    lines.push(line);
  }
  return { lines, final: null };
}
