#!/usr/bin/env node
// Rewrite every citation of the team's former research notes (kept outside the repository)
// into a citation of the repository's own docs, as docs/README.md ("Citing the docs") defines it:
//
//   modems.md §2.14                → docs/hardware.md#vendor-notes
//   (§2.7, Q12) in src/outbound/    → (docs/protocols/onlinesim-v1.md#push_sms, Q12)
//   style.md §8.2 rule 10           → docs/conventions.md#rule-10
//   protocol doc §2.1–2.6           → docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us
//   a path into the notes' folder   → the repository page that replaced the note
//
// The mapping table is scripts/doc-citations.json. A section sign right after a named public
// standard or issue ("27.007 §7.3", "RFC 9110 §12.5.3", "issue 5 §4", also later in the same list
// or parenthesis) is left alone. A section sign with no named document means the note the file's
// directory is about (the `defaults` table). Question ids (Q1–Q30) keep their ids: they are
// headings of docs/protocols/open-questions.md.
//
// Deterministic and idempotent: a second run changes nothing. Anything it cannot map (a section
// the note does not have, a bare section sign in a file with no default, a leftover path to the
// notes) is listed and the exit code is 1; everything else is still rewritten.
//
//   node scripts/rewrite-doc-citations.mjs [--check] [--verbose] [file…]
//
//   --check    write nothing; exit 1 when a rewrite is pending or anything is unmapped
//   --verbose  print every rewrite as path:line: old → new
//   file…      only these files (default: every tracked or new, non-ignored file of the repository)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, "..");
export const MAPPING = JSON.parse(readFileSync(join(HERE, "doc-citations.json"), "utf8"));

// ---------------------------------------------------------------- the notes and their names

/** file stem as written in code ("modems", "protocol") → the note's file name. */
const FILE_NAMES = new Map();
/** phrase ("protocol doc", "style") → { note, needsSection }. */
const PHRASES = new Map();
for (const [note, spec] of Object.entries(MAPPING.notes)) {
  FILE_NAMES.set(note.replace(/\.md$/, ""), note);
  for (const alias of spec.aliases) {
    if (alias.endsWith(".md")) FILE_NAMES.set(alias.replace(/\.md$/, ""), note);
    else PHRASES.set(alias, { note, needsSection: spec.aliasNeedsSection === true });
  }
}
const QUESTION_IDS = new Set(MAPPING.questions.ids);

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const byLength = (a, b) => b.length - a.length || (a < b ? -1 : 1);
const FILE_ALT = [...FILE_NAMES.keys()].sort(byLength).map(escape).join("|");
const PHRASE_ALT = [...PHRASES.keys()].sort(byLength).map(escape).join("|");

/** Where a path to the notes may start: the shared notes' folder (relative, absolute or bare), or docs/. */
const NOTE_PREFIX = String.raw`(?:(?:\.\.\/)+shared\/docs\/|\/work\/shared\/docs\/|shared\/docs\/|docs\/)`;
const SECTION = String.raw`\d+(?:\.\d+)*`;

/**
 * One pass over a line finds, left to right:
 *  note     a note's file name, optionally behind a path and in backticks, optionally + "rule N"
 *  phrase   an alias phrase ("protocol doc", "style" before a section sign)
 *  std      a named public standard or an issue, whose section signs stay as they are
 *  sec      a section sign with a number, an optional range and an optional "rule N" / "step N"
 *  q        a question id
 *  paren    ( or ), to know how far a named document reaches
 */
const TOKEN = new RegExp(
  [
    String.raw`(?<note>(?<![\w./-])(?<bt1>\x60)?${NOTE_PREFIX}?(?<file>${FILE_ALT})\.md(?<bt2>\x60)?(?:\s+rule\s+(?<noteRule>\d+))?)(?![\w-])`,
    String.raw`(?<phrase>(?<![\w./-])(?:${PHRASE_ALT})(?![\w-]))`,
    String.raw`(?<std>(?<![\w.])(?:(?:3GPP\s+)?(?:TS\s+)?\d{2}\.\d{3}(?![\d])|GSM\s+\d{2}\.\d{2}|(?:ITU-T\s+)?[A-Z]\.\d{1,4}(?![\d.])|RFC\s?\d{3,5}|ISO(?:\/IEC)?\s?\d{3,5}(?:-\d+)?|[Ii]ssue\s+#?\d+|USB\s+\d\.\d))`,
    String.raw`(?<sec>§\s?(?<num>${SECTION})(?:\s?[–-]\s?(?<to>${SECTION})(?![\w]))?(?:\s+(?<qual>rule|step)\s+(?<qn>\d+))?)`,
    String.raw`(?<q>(?<![\w-])Q(?<qid>\d{1,2})(?![\w]))`,
    String.raw`(?<paren>[()])`,
  ].join("|"),
  "gu",
);

/** Leftovers the tokenizer could not turn into a citation: paths to the notes, or their names. */
const LEFTOVER = new RegExp(String.raw`\/work\/|shared\/docs|\.\.\/shared\b|(?<![\w.\/-])(?:${FILE_ALT})\.md(?![\w-])`, "gu");

// ---------------------------------------------------------------- section numbers and mapping

const parts = (num) => num.split(".").map(Number);
function compare(a, b) {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** The citation for one section of a note, or { error }. */
function citeSection(note, num) {
  const spec = MAPPING.notes[note];
  const cite = spec.sections[num];
  if (cite !== undefined) return { cite };
  const hint = parts(num).length >= 3 ? " (three or more levels: a public standard's section? name the standard)" : "";
  return { error: `${note} has no section ${num}${hint}` };
}

/** The citation for a section sign of a note: a single section, a range, or a numbered rule/step. */
export function citeNote(note, { num, to, qual, qn }) {
  const spec = MAPPING.notes[note];
  if (to !== undefined) {
    const from = citeSection(note, num);
    const until = citeSection(note, to);
    if (from.error) return from;
    if (until.error) return until;
    const [lo, hi] = compare(num, to) <= 0 ? [num, to] : [to, num];
    const group = spec.groups.find((g) => compare(g.from, lo) <= 0 && compare(hi, g.to) <= 0);
    if (group) return { cite: group.cite };
    return { cite: from.cite === until.cite ? from.cite : `${from.cite} to ${until.cite}` };
  }
  if (qual === "rule") {
    const key = `${num} rule ${qn}`;
    if (spec.sections[key] !== undefined) return { cite: spec.sections[key] };
    if (Object.keys(spec.sections).some((k) => k.startsWith(`${num} rule `))) return { error: `${note} §${num} has no rule ${qn}` };
  }
  const base = citeSection(note, num);
  if (base.error) return base;
  return { cite: qual ? `${base.cite} ${qual} ${qn}` : base.cite };
}

/** Which note a section sign with no named document means in this file, or undefined. */
export function defaultNote(path) {
  return MAPPING.defaults.find((d) => path === d.prefix || path.startsWith(d.prefix))?.note;
}

// ---------------------------------------------------------------- one text

/** The standard a token names, as it is written ("27.005", "3GPP TS 23.040", "RFC 9110"). */
const standardName = (text) => text.replace(/\s+/g, " ");

/** Text before a line's first token that is only comment punctuation: the line continues a sentence. */
const CONTINUATION = /^\s*(?:\/\/+|\*|#+|--|;+)?\s*$/;

/**
 * Rewrite one file's text. `path` is repository-relative (it picks the default note).
 * Returns the new text, the rewrites, what could not be mapped, every section sign with its
 * kind ("standard", "note", "bare"), and every question id.
 */
export function rewriteText(text, path) {
  // First pass: which standard each section number is cited under elsewhere in this file.
  const underStandard = new Map();
  for (const s of pass(text, path, new Map()).sections) {
    if (s.kind !== "standard") continue;
    const num = /§\s?(\d+(?:\.\d+)*)/u.exec(s.text)?.[1];
    if (num === undefined) continue;
    if (!underStandard.has(num)) underStandard.set(num, new Set());
    underStandard.get(num).add(s.standard);
  }
  return pass(text, path, underStandard);
}

/**
 * The rules for a section sign, in order:
 *  1. it follows a named standard or issue (same parenthesis, or the same line outside any, or a
 *     line that ends with the name): it stays;
 *  2. it follows a note's name (the same way): that note;
 *  3. a bare one: the note of the file's directory (`defaults`);
 *  4. a bare one in a file with no default, whose number the same file cites under exactly one
 *     named standard: that standard's name is put in front of it;
 *  5. otherwise it is reported.
 */
function pass(text, path, underStandard) {
  const lines = text.split("\n");
  const rewrites = [];
  const unmapped = [];
  const sections = [];
  const questions = [];
  const fallback = defaultNote(path);
  /** Innermost-last stack of { depth, kind: "note" | "std", note?, name? } carried while a parenthesis is open. */
  let carried = { depth: 0, stack: [] };
  /** The context a line ended with ("…, 27.005" + line break + "§3.4.1 …"), for the next line's first token. */
  let dangling;

  const out = lines.map((line, index) => {
    const lineNo = index + 1;
    const tokens = [...line.matchAll(TOKEN)];
    let depth = carried.depth;
    let stack = carried.stack;
    if (dangling && tokens[0]?.groups.sec && CONTINUATION.test(line.slice(0, tokens[0].index))) stack = [...stack, { ...dangling, depth }];
    dangling = undefined;
    const edits = [];
    const setContext = (ctx) => {
      stack = [...stack.filter((c) => c.depth < depth), { ...ctx, depth }];
    };
    const context = () => stack[stack.length - 1];
    const fail = (m, reason) => unmapped.push({ path, line: lineNo, col: m.index + 1, text: m[0], reason });

    for (let i = 0; i < tokens.length; i++) {
      const m = tokens[i];
      const g = m.groups;
      const next = tokens[i + 1];
      const adjacent = (t) => t !== undefined && /^\s*$/.test(line.slice(m.index + m[0].length, t.index));
      const last = next === undefined && /^\s*$/.test(line.slice(m.index + m[0].length));
      if (g.paren === "(") depth++;
      else if (g.paren === ")") {
        depth = Math.max(0, depth - 1);
        stack = stack.filter((c) => c.depth <= depth);
      } else if (g.std) {
        setContext({ kind: "std", name: standardName(g.std) });
        if (last) dangling = context();
      } else if (g.q) {
        questions.push({ line: lineNo, col: m.index + 1, id: m[0] });
        if (!QUESTION_IDS.has(m[0])) fail(m, `no open question ${m[0]} in ${MAPPING.questions.page}`);
      } else if (g.note || g.phrase) {
        // `docs/sim-banks.md` is our own page once docs/ has one by that name, not the shared note it replaced.
        if (g.note && /^\x60?docs\//.test(g.note) && existsSync(join(ROOT, "docs", `${g.file}.md`))) continue;
        const note = g.note ? FILE_NAMES.get(g.file) : PHRASES.get(g.phrase).note;
        const needsSection = g.phrase ? PHRASES.get(g.phrase).needsSection : false;
        const sec = adjacent(next) && next.groups.sec ? next : undefined;
        if (needsSection && !sec) continue; // an ordinary word ("style") with no section sign after it
        setContext({ kind: "note", note });
        if (last) dangling = context();
        let end = m.index + m[0].length;
        let cite;
        if (sec) {
          const r = citeNote(note, sec.groups);
          if (r.error) {
            fail(sec, r.error);
            i++;
            continue;
          }
          sections.push({ line: lineNo, col: sec.index + 1, kind: "note", text: sec[0] });
          cite = r.cite;
          end = sec.index + sec[0].length;
          i++;
        } else if (g.noteRule) {
          const rulesSection = MAPPING.notes[note].rulesSection;
          const r = rulesSection ? citeNote(note, { num: rulesSection, qual: "rule", qn: g.noteRule }) : { error: `${note} has no numbered rules` };
          if (r.error) {
            fail(m, r.error);
            continue;
          }
          cite = r.cite;
        } else if (g.phrase && adjacent(next) && next.groups.q) {
          // "protocol doc Q8": the id cites itself; drop the phrase.
          edits.push({ start: m.index, end: next.index, to: "" });
          continue;
        } else cite = MAPPING.notes[note].page;
        const ticked = g.bt1 !== undefined && g.bt2 !== undefined;
        const lead = g.bt1 !== undefined && !ticked ? "`" : "";
        const trail = g.bt2 !== undefined && !ticked && !sec ? "`" : "";
        edits.push({ start: m.index, end, to: ticked ? `\`${cite}\`` : `${lead}${cite}${trail}` });
      } else if (g.sec) {
        const ctx = context();
        if (ctx?.kind === "std") {
          sections.push({ line: lineNo, col: m.index + 1, kind: "standard", standard: ctx.name, text: m[0] });
          continue;
        }
        sections.push({ line: lineNo, col: m.index + 1, kind: ctx ? "note" : "bare", text: m[0] });
        const note = ctx?.kind === "note" ? ctx.note : fallback;
        if (note === undefined) {
          const named = underStandard.get(g.num);
          if (named?.size === 1 && g.to === undefined && g.qual === undefined) {
            edits.push({ start: m.index, end: m.index, to: `${[...named][0]} ` });
            continue;
          }
          fail(m, "a section sign with no named standard or document, in a file with no default note (scripts/doc-citations.json defaults)");
          continue;
        }
        const r = citeNote(note, g);
        if (r.error) fail(m, ctx ? r.error : `${r.error} (bare section sign, default note of ${path})`);
        else edits.push({ start: m.index, end: m.index + m[0].length, to: r.cite });
      }
    }
    // A named document or standard inside a parenthesis that is still open reaches the next line.
    const open = stack.filter((c) => c.depth >= 1 && c.depth <= depth);
    carried = open.length > 0 ? { depth, stack: open } : { depth: 0, stack: [] };

    let result = line;
    for (const e of [...edits].sort((a, b) => b.start - a.start)) {
      const from = result.slice(e.start, e.end);
      result = result.slice(0, e.start) + e.to + result.slice(e.end);
      rewrites.push({ path, line: lineNo, from, to: e.to });
    }
    const reported = unmapped.some((u) => u.line === lineNo);
    if (!reported) {
      for (const m of result.matchAll(LEFTOVER)) {
        unmapped.push({ path, line: lineNo, col: m.index + 1, text: m[0], reason: "a path to, or the name of, a note outside the repository that no rule could rewrite" });
      }
    }
    return result;
  });
  return { text: out.join("\n"), rewrites, unmapped, sections, questions };
}

// ---------------------------------------------------------------- the repository

const BINARY_EXT = /\.(?:png|jpe?g|gif|ico|gz|tgz|zip|pdf|woff2?|ttf|sqlite|db)$/i;

/** Every tracked or new (not ignored) file, repository-relative, sorted. */
export function repositoryFiles(root = ROOT) {
  const raw = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  return [...new Set(raw.split("\0").filter(Boolean))].sort();
}

/** The text of a file, or undefined for binary files and files that are gone. */
export function readText(absolute) {
  if (BINARY_EXT.test(absolute)) return undefined;
  let buf;
  try {
    buf = readFileSync(absolute);
  } catch {
    return undefined;
  }
  if (buf.subarray(0, 8000).includes(0)) return undefined;
  return buf.toString("utf8");
}

export function isExempt(path) {
  return MAPPING.exempt.includes(path);
}

function main(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const unknown = [...flags].filter((f) => !["--check", "--verbose"].includes(f));
  if (unknown.length > 0) {
    process.stderr.write(`unknown option ${unknown[0]}; usage: rewrite-doc-citations.mjs [--check] [--verbose] [file…]\n`);
    return 2;
  }
  const check = flags.has("--check");
  const verbose = flags.has("--verbose");
  const args = argv.filter((a) => !a.startsWith("--"));
  const files = args.length > 0 ? args.map((a) => (isAbsolute(a) ? a : join(process.cwd(), a))).map((abs) => ({ abs, rel: relative(ROOT, abs).split(sep).join("/") })) : repositoryFiles().map((rel) => ({ abs: join(ROOT, rel), rel }));

  let rewritten = 0;
  const changedFiles = [];
  const unmapped = [];
  for (const { abs, rel } of files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))) {
    if (isExempt(rel)) continue;
    const text = readText(abs);
    if (text === undefined) continue;
    const result = rewriteText(text, rel);
    unmapped.push(...result.unmapped);
    if (result.rewrites.length === 0) continue;
    rewritten += result.rewrites.length;
    changedFiles.push(rel);
    if (verbose) for (const r of result.rewrites) process.stdout.write(`${r.path}:${r.line}: ${r.from} → ${r.to}\n`);
    if (!check && result.text !== text) writeFileSync(abs, result.text);
  }
  const verb = check ? "would rewrite" : "rewrote";
  process.stdout.write(`${verb} ${rewritten} citation(s) in ${changedFiles.length} file(s)\n`);
  for (const u of unmapped) process.stdout.write(`unmapped: ${u.path}:${u.line}:${u.col}: ${u.text} — ${u.reason}\n`);
  if (unmapped.length > 0) process.stdout.write(`${unmapped.length} citation(s) could not be mapped; add them to scripts/doc-citations.json or fix them by hand\n`);
  return unmapped.length > 0 || (check && rewritten > 0) ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main(process.argv.slice(2));
