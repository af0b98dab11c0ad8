/**
 * The layers hold: every import in src/ and drivers/ between two modules is an edge the
 * table in docs/architecture.md#allowed-imports allows. The table is read from the doc
 * itself, so the doc and this test cannot disagree; a new edge is a deliberate edit of the
 * doc. Each failure names the file, the line and the import.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, mayImport, moduleOf, parseEdgeTable, sourceFiles, type EdgeRow } from "./import-graph.js";

const ROOT = resolve(import.meta.dirname, "../..");
const DOC = "docs/architecture.md";
const HEADING = "## Allowed imports";
/** The trees the table covers. test/, bench/ and scripts/ may import anything. */
const LAYERED = ["src", "drivers"];

const rows: EdgeRow[] = parseEdgeTable(readFileSync(join(ROOT, DOC), "utf8"), HEADING);
const files = LAYERED.flatMap((dir) => sourceFiles(ROOT, dir));

/** An import between two modules, or a file or import the table does not place. */
interface Violation {
  file: string;
  line: number;
  specifier: string;
  why: string;
}

function violations(): Violation[] {
  const out: Violation[] = [];
  for (const file of files) {
    const from = moduleOf(rows, file);
    if (from === undefined) {
      out.push({ file, line: 1, specifier: "", why: `belongs to no module of the table: add a row to ${DOC}#allowed-imports` });
      continue;
    }
    for (const site of importsOf(file, readFileSync(join(ROOT, file), "utf8"))) {
      // Packages (node:*, fastify, zod, …) are not layers.
      if (!site.specifier.startsWith(".")) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(file), site.specifier)).split("\\").join("/").replace(/\.(m|c)?js$/, ".$1ts");
      const to = LAYERED.some((dir) => target.startsWith(`${dir}/`)) ? moduleOf(rows, target) : undefined;
      const kind = site.typeOnly ? "type import" : "import";
      if (to === undefined) {
        out.push({ file, line: site.line, specifier: site.specifier, why: `${kind} of ${target}, which is in no module of the table` });
      } else if (to.id !== from.id && !mayImport(from.row, to.id)) {
        out.push({ file, line: site.line, specifier: site.specifier, why: `${kind} ${from.id} → ${to.id} is not in the table (${DOC}:${from.row.line})` });
      }
    }
  }
  return out;
}

describe(`the import edges of src/ and drivers/ (${DOC}#allowed-imports)`, () => {
  it("reads a table with one row per module, every allowed target a module of the table", () => {
    expect(rows.length).toBeGreaterThan(15);
    const modules = rows.map((r) => r.module);
    expect(modules.filter((m, i) => modules.indexOf(m) !== i)).toEqual([]);
    const unknown = rows.flatMap((r) => r.mayImport.filter((t) => !modules.includes(t)).map((t) => `${DOC}:${r.line}: ${r.module} may import "${t}", which is no row of the table`));
    expect(unknown).toEqual([]);
    const self = rows.filter((r) => r.mayImport.includes(r.module)).map((r) => `${DOC}:${r.line}: ${r.module} lists itself`);
    expect(self).toEqual([]);
  });

  it("has a row for every folder and file that holds code, and each row covers some code", () => {
    expect(files.length).toBeGreaterThan(100);
    const empty = rows.filter((r) => !files.some((f) => moduleOf(rows, f)?.row === r)).map((r) => `${DOC}:${r.line}: ${r.module} covers no file`);
    expect(empty).toEqual([]);
  });

  it("finds no import between two modules that the table does not allow", () => {
    const found = violations().map((v) => `${v.file}:${v.line}: "${v.specifier}": ${v.why}`);
    expect(found).toEqual([]);
  });

  it("holds the rules the issue names: the SMS domain below modem and store; config not on the engine; outbound not on drivers; admin not on partner", () => {
    const row = (m: string): EdgeRow => rows.find((r) => r.module === m)!;
    expect(mayImport(row("src/store"), "src/modem")).toBe(false);
    expect(mayImport(row("src/config"), "src/engine")).toBe(false);
    expect(mayImport(row("src/outbound"), "drivers")).toBe(false);
    expect(mayImport(row("src/http/admin"), "src/http/partner")).toBe(false);
    expect(mayImport(row("src/sms"), "src/modem")).toBe(false);
    expect(mayImport(row("src/sms"), "src/store")).toBe(false);
    expect(mayImport(row("src/modem"), "src/sms")).toBe(true);
    expect(mayImport(row("src/store"), "src/sms")).toBe(true);
    expect(mayImport(row("drivers"), "src/errors.ts")).toBe(false);
  });
});
