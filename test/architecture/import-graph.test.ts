/** The parts of the import-edge check on their own: the import parser, the table parser, the module matcher. */
import { describe, expect, it } from "vitest";
import { importsOf, mayImport, moduleOf, parseEdgeTable } from "./import-graph.js";

describe("importsOf", () => {
  it("finds value, type-only, re-export, dynamic and import-type references, with their lines", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "../b.js";',
      'import { type C, type D } from "./cd.js";',
      'import { type E, f } from "./ef.js";',
      'export { g } from "./g.js";',
      'export type { H } from "./h.js";',
      'export * from "./star.js";',
      'const m = await import("./lazy.js");',
      'let t: import("./typeref.js").T;',
      'import "./side-effect.js";',
    ].join("\n");
    expect(importsOf("x.ts", text)).toEqual([
      { specifier: "./a.js", line: 1, typeOnly: false },
      { specifier: "../b.js", line: 2, typeOnly: true },
      { specifier: "./cd.js", line: 3, typeOnly: true },
      { specifier: "./ef.js", line: 4, typeOnly: false },
      { specifier: "./g.js", line: 5, typeOnly: false },
      { specifier: "./h.js", line: 6, typeOnly: true },
      { specifier: "./star.js", line: 7, typeOnly: false },
      { specifier: "./lazy.js", line: 8, typeOnly: false },
      { specifier: "./typeref.js", line: 9, typeOnly: true },
      { specifier: "./side-effect.js", line: 10, typeOnly: false },
    ]);
  });

  it("ignores what only looks like an import: comments and strings", () => {
    const text = ['// import { x } from "../../store/index.js";', '/* export * from "./y.js" */', 'const s = \'import { z } from "./z.js"\';'].join("\n");
    expect(importsOf("x.ts", text)).toEqual([]);
  });
});

const DOC = [
  "# Title",
  "## Allowed imports",
  "",
  "Some prose.",
  "",
  "| Module | What it is | May import |",
  "|---|---|---|",
  "| `src/errors.ts` | errors | — |",
  "| `src/markets` | the shared port | `src/errors.ts` |",
  "| `src/markets/fake` | shared fakes | `src/errors.ts` |",
  "| `src/markets/*` | one adapter each | `src/markets`, `src/markets/fake`, `src/errors.ts` |",
  "| `src/daemon` | root | `src/markets/*`, `src/markets`, `src/errors.ts` |",
  "",
  "## Next",
  "| `src/ignored` | not this table | — |",
].join("\n");

describe("parseEdgeTable", () => {
  const rows = parseEdgeTable(DOC, "## Allowed imports");

  it("reads the rows of the table under the heading, with their lines, and stops at the table's end", () => {
    expect(rows.map((r) => [r.module, r.mayImport, r.line])).toEqual([
      ["src/errors.ts", [], 8],
      ["src/markets", ["src/errors.ts"], 9],
      ["src/markets/fake", ["src/errors.ts"], 10],
      ["src/markets/*", ["src/markets", "src/markets/fake", "src/errors.ts"], 11],
      ["src/daemon", ["src/markets/*", "src/markets", "src/errors.ts"], 12],
    ]);
  });

  it("refuses a row without a module in backticks or with an empty last cell, naming the line", () => {
    const broken = DOC.replace("| `src/errors.ts` | errors | — |", "| src/errors.ts | errors | — |");
    expect(() => parseEdgeTable(broken, "## Allowed imports")).toThrow(/docs line 8:/);
    const empty = DOC.replace("| `src/errors.ts` | errors | — |", "| `src/errors.ts` | errors | |");
    expect(() => parseEdgeTable(empty, "## Allowed imports")).toThrow(/docs line 8:/);
    expect(() => parseEdgeTable(DOC, "## Missing")).toThrow(/no heading/);
  });

  describe("moduleOf and mayImport", () => {
    it("puts a file in the most specific row; each folder a `*` matches is a module of its own", () => {
      expect(moduleOf(rows, "src/markets/market-port.ts")?.id).toBe("src/markets");
      expect(moduleOf(rows, "src/markets/fake/prng.ts")?.id).toBe("src/markets/fake");
      expect(moduleOf(rows, "src/markets/smshub/endpoint.ts")?.id).toBe("src/markets/smshub");
      expect(moduleOf(rows, "src/markets/smshub/fake/buyer.ts")?.id).toBe("src/markets/smshub");
      expect(moduleOf(rows, "src/errors.ts")?.id).toBe("src/errors.ts");
      expect(moduleOf(rows, "src/errors.tsx")).toBeUndefined();
      expect(moduleOf(rows, "src/engine/engine.ts")).toBeUndefined();
    });

    it("allows an edge only to a listed module; adapters do not reach each other unless listed", () => {
      const row = (m: string) => rows.find((r) => r.module === m)!;
      expect(mayImport(row("src/markets/*"), "src/markets")).toBe(true);
      expect(mayImport(row("src/markets/*"), "src/markets/fake")).toBe(true);
      expect(mayImport(row("src/markets/*"), "src/markets/onlinesim")).toBe(false);
      expect(mayImport(row("src/daemon"), "src/markets/onlinesim")).toBe(true);
      expect(mayImport(row("src/markets"), "src/daemon")).toBe(false);
    });
  });
});
