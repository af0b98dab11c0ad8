/**
 * Every entry of the real-world corpus (test/corpus/README.md) through our parsers: the
 * values a source asserts must come out, "parses" must parse, "error" must be a typed
 * refusal. Entries that do not apply to simgate carry the reason instead of a judgement.
 */
import { describe, expect, it } from "vitest";
import { JUDGED_KINDS, judgeEntry } from "./judges.js";
import { loadCorpus } from "./load.js";

const files = loadCorpus();

describe("real-world corpus", () => {
  for (const file of files) {
    const judged = file.entries.filter((e) => !e.notApplicable);
    if (judged.length === 0) continue;
    describe(`${file.source.name}: ${file.file}`, () => {
      it.each(judged.map((e) => [e.id, e] as const))("%s", (_id, entry) => {
        judgeEntry(entry, file.view);
      });
    });
  }

  it("every file names its source, commit and licence; every entry its path, kind and what is asserted", () => {
    for (const file of files) {
      expect(file.source.repo, file.file).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(file.source.commit, file.file).toMatch(/^[0-9a-f]{40}$/);
      expect(file.source.license.length, file.file).toBeGreaterThan(2);
      const ids = new Set<string>();
      for (const e of file.entries) {
        expect(ids.has(e.id), `${file.file}: duplicate id ${e.id}`).toBe(false);
        ids.add(e.id);
        expect(e.path.length, e.id).toBeGreaterThan(0);
        expect(e.raw.length, e.id).toBeGreaterThan(0);
        expect(e.asserts === "parses" || e.asserts === "error" || typeof e.asserts === "object", e.id).toBe(true);
        if (!e.notApplicable) expect(JUDGED_KINDS, `${e.id}: kind`).toContain(e.kind);
      }
    }
  });

  it("entries that do not apply say why, and do not count towards the corpus size", () => {
    const na = files.flatMap((f) => f.entries.filter((e) => e.notApplicable));
    for (const e of na) expect(e.notApplicable!.length, e.id).toBeGreaterThan(20);
    const judged = files.flatMap((f) => f.entries.filter((e) => !e.notApplicable));
    const sources = new Set(files.filter((f) => f.entries.some((e) => !e.notApplicable)).map((f) => f.source.name));
    expect(judged.length).toBeGreaterThanOrEqual(300);
    expect(sources.size).toBeGreaterThanOrEqual(5);
  });
});
