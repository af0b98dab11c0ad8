/**
 * The repository carries, in its own words, every fact its code relies on, and cites it as
 * docs/README.md ("Citing the docs") says. Over every tracked (or new, not ignored) text file:
 *  - every cited page exists and every cited anchor is a heading of that page (repository paths
 *    `docs/….md#anchor` anywhere, and relative links in Markdown files);
 *  - every question id is a heading of docs/protocols/open-questions.md;
 *  - every section sign follows a named public standard or issue;
 *  - no path outside the repository and no name of the team's former research notes remains,
 *    i.e. scripts/rewrite-doc-citations.mjs has nothing left to do.
 * The script's own behaviour on the citation shapes found in the code is pinned here too.
 *
 * Strings that would themselves break these rules (a note's name, a section sign, a path outside
 * the repository) are assembled at run time, so this file passes its own checks.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAPPING, ROOT, isExempt, readText, repositoryFiles, rewriteText } from "../../scripts/rewrite-doc-citations.mjs";

/** The section sign, and the names of the former notes, built so this file does not contain them. */
const S = "\u00a7";
const note = (stem: string): string => `${stem}.md`;
const NOTE_STEMS = Object.keys(MAPPING.notes).map((n) => n.replace(/\.md$/, ""));
const ALIAS_FILES = Object.values(MAPPING.notes).flatMap((n) => n.aliases.filter((a) => a.endsWith(".md")).map((a) => a.replace(/\.md$/, "")));
const ALIAS_PHRASES = Object.values(MAPPING.notes).flatMap((n) => n.aliases.filter((a) => !a.endsWith(".md") && a.includes(" ")));
const OUTSIDE_DIR = ["", "work", ""].join("/");
const NOTES_DIR = ["shared", "docs"].join("/");
const PROTOCOL_DOC = ["protocol", "doc"].join(" ");

const FILES = repositoryFiles()
  .map((path) => ({ path, text: readText(join(ROOT, path)) }))
  .filter((f): f is { path: string; text: string } => f.text !== undefined);
const CHECKED = FILES.filter((f) => !isExempt(f.path));

// ---------------------------------------------------------------- headings and anchors

/** GitHub's anchor for a heading: lower case, punctuation except - and _ dropped, spaces → -. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

const anchorCache = new Map<string, Set<string>>();
/** Anchors of a Markdown page (headings outside fenced blocks), with GitHub's -1, -2 for repeats. */
function anchorsOf(path: string): Set<string> {
  const cached = anchorCache.get(path);
  if (cached) return cached;
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of readFileSync(join(ROOT, path), "utf8").split("\n")) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1]![0];
      else if (f[1]![0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  anchorCache.set(path, anchors);
  return anchors;
}

/** Repository-relative .md paths, optionally with an anchor, written anywhere. */
const REPO_CITATION = /(?<![\w./-])((?:docs|src|drivers|test|udev|systemd|config|scripts|bench|bin)\/[\w./-]*?\.md)(?:#([\w-]+))?(?![\w/-])/g;
/** Markdown links `[text](target)`. */
const MD_LINK = /\[(?:[^\]\n]|\](?!\())*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

interface Citation {
  from: string;
  line: number;
  page: string;
  anchor: string | undefined;
}

function citations(): Citation[] {
  const out: Citation[] = [];
  for (const { path, text } of CHECKED) {
    text.split("\n").forEach((line, i) => {
      for (const m of line.matchAll(REPO_CITATION)) out.push({ from: path, line: i + 1, page: m[1]!, anchor: m[2] });
      if (!path.endsWith(".md")) return;
      for (const m of line.matchAll(MD_LINK)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue;
        const [file = "", anchor] = target.split("#");
        const page = file === "" ? path : posix.normalize(posix.join(posix.dirname(path), decodeURIComponent(file)));
        out.push({ from: path, line: i + 1, page, anchor });
      }
    });
  }
  return out;
}

function problemWith(page: string, anchor: string | undefined): string | undefined {
  if (page.startsWith("../") || page.startsWith("/")) return "outside the repository";
  const abs = join(ROOT, page);
  if (!existsSync(abs)) return "no such file";
  if (anchor === undefined || anchor === "") return undefined;
  if (statSync(abs).isDirectory() || !page.endsWith(".md")) return "an anchor into something that is not a Markdown page";
  return anchorsOf(page).has(anchor) ? undefined : `no heading with the anchor #${anchor}`;
}

// ---------------------------------------------------------------- the tree

describe("citations in the tree", () => {
  it("reads enough of the tree to mean something", () => {
    expect(CHECKED.length).toBeGreaterThan(300);
    expect(CHECKED.some((f) => f.path === "udev/99-simgate.rules")).toBe(true);
    expect(CHECKED.some((f) => f.path === "src/outbound/README.md")).toBe(true);
  });

  it("every cited page exists and every cited anchor is a heading of it", () => {
    const all = citations();
    expect(all.filter((c) => c.page.startsWith("docs/protocols/")).length).toBeGreaterThan(50);
    const broken = all.flatMap((c) => {
      const why = problemWith(c.page, c.anchor);
      return why ? [`${c.from}:${c.line}: ${c.page}${c.anchor ? `#${c.anchor}` : ""} — ${why}`] : [];
    });
    expect(broken).toEqual([]);
  });

  it("every question id is a heading of the open-questions page", () => {
    const page = MAPPING.questions.page;
    const anchors = anchorsOf(page);
    let seen = 0;
    const missing = CHECKED.flatMap(({ path, text }) =>
      text.split("\n").flatMap((line, i) =>
        [...line.matchAll(/(?<![\w-])Q(\d{1,2})(?!\w)/g)].flatMap((m) => {
          seen++;
          return anchors.has(`q${m[1]}`) ? [] : [`${path}:${i + 1}: ${m[0]} is not a heading of ${page}`];
        }),
      ),
    );
    expect(seen).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it("every section sign follows a named public standard or issue", () => {
    let standard = 0;
    const bad = CHECKED.flatMap(({ path, text }) =>
      rewriteText(text, path).sections.flatMap((s) => {
        if (s.kind === "standard") {
          standard++;
          return [];
        }
        return [`${path}:${s.line}:${s.col}: ${s.text} (${s.kind === "bare" ? "names no document" : "cites a note outside the repository"})`];
      }),
    );
    expect(standard).toBeGreaterThan(100);
    expect(bad).toEqual([]);
  });

  it("names none of the team's former research notes", () => {
    const names = new RegExp(`(?<![\\w./-])(?:${[...NOTE_STEMS, ...ALIAS_FILES].join("|")})\\.md(?![\\w-])|\\b(?:${ALIAS_PHRASES.join("|")})\\b|\\bstyle ${S}`, "g");
    const found = CHECKED.flatMap(({ path, text }) =>
      text.split("\n").flatMap((line, i) => [...line.matchAll(names)].map((m) => `${path}:${i + 1}: ${m[0]}`)),
    );
    expect(found).toEqual([]);
  });

  it("contains no path outside the repository", () => {
    // The dev machine's work tree, the shared notes, and home directories other than the
    // conventional example account `pi` (Raspberry Pi OS) or a placeholder (`/home/…`, `/home/<user>`).
    const outside = new RegExp(
      [
        OUTSIDE_DIR.replace(/\//g, "\\/"),
        NOTES_DIR.replace(/\//g, "\\/"),
        "\\.\\.\\/shared\\b",
        "\\/home\\/(?!pi\\b|…|<|\\$)[\\w.-]+",
        "\\/Users\\/[\\w.-]+",
      ].join("|"),
      "g",
    );
    const found = FILES.flatMap(({ path, text }) =>
      text.split("\n").flatMap((line, i) => [...line.matchAll(outside)].map((m) => `${path}:${i + 1}: ${m[0]}`)),
    );
    expect(found).toEqual([]);
  });

  it("leaves scripts/rewrite-doc-citations.mjs nothing to rewrite and nothing it cannot map", () => {
    const pending = CHECKED.flatMap(({ path, text }) => {
      const r = rewriteText(text, path);
      return [...r.rewrites.map((w) => `${w.path}:${w.line}: ${w.from} → ${w.to}`), ...r.unmapped.map((u) => `${u.path}:${u.line}: ${u.text} — ${u.reason}`)];
    });
    expect(pending).toEqual([]);
  });
});

// ---------------------------------------------------------------- the mapping table

describe("scripts/doc-citations.json", () => {
  it("points every note section, range and page at an existing heading", () => {
    const targets = Object.entries(MAPPING.notes).flatMap(([name, spec]) => [
      [`${name} page`, spec.page] as const,
      ...Object.entries(spec.sections).map(([k, v]) => [`${name} ${S}${k}`, v] as const),
      ...spec.groups.map((g) => [`${name} ${S}${g.from}–${g.to}`, g.cite] as const),
    ]);
    const broken = targets.flatMap(([what, cite]) => {
      const [page = "", anchor] = cite.split("#");
      const why = problemWith(page, anchor);
      return why ? [`${what} → ${cite}: ${why}`] : [];
    });
    expect(targets.length).toBeGreaterThan(100);
    expect(broken).toEqual([]);
  });

  it("maps every section of every note, and every rule", () => {
    const keys = (n: string) => Object.keys(MAPPING.notes[note(n)]!.sections);
    const range = (major: number, last: number) => Array.from({ length: last }, (_, i) => `${major}.${i + 1}`);
    expect(keys("onlinesim-protocol")).toEqual(expect.arrayContaining([...Array.from({ length: 11 }, (_, i) => `${i}`), ...range(1, 4), ...range(2, 9), ...range(3, 7), ...range(5, 4), "2.1 rule 1", "2.1 rule 2", "2.1 rule 3"]));
    expect(keys("modems")).toEqual(expect.arrayContaining(["0", "1", "2", "3", "4", "5", ...range(1, 9), ...range(2, 14)]));
    expect(keys("style")).toEqual(expect.arrayContaining([...Array.from({ length: 10 }, (_, i) => `${i}`), ...range(2, 3), ...range(3, 3), ...range(4, 3), ...range(5, 3), ...range(8, 4), "9.1", ...Array.from({ length: 15 }, (_, i) => `8.2 rule ${i + 1}`)]));
    expect(keys("marketplaces")).toEqual(["1", "2", "3"]);
    expect(keys("sim-banks")).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("keeps the question ids Q1–Q30, each a heading of the open-questions page", () => {
    expect(MAPPING.questions.ids).toEqual(Array.from({ length: 30 }, (_, i) => `Q${i + 1}`));
    const anchors = anchorsOf(MAPPING.questions.page);
    expect(MAPPING.questions.ids.filter((id) => !anchors.has(id.toLowerCase()))).toEqual([]);
  });
});

// ---------------------------------------------------------------- the script, shape by shape

describe("scripts/rewrite-doc-citations.mjs", () => {
  const V1 = "docs/protocols/onlinesim-v1.md";
  it.each([
    ["drivers/huawei/index.ts", `// 22.x HiLink firmware has no AT port (${note("modems")} ${S}2.14).`, "// 22.x HiLink firmware has no AT port (docs/hardware.md#vendor-notes)."],
    ["src/outbound/x.ts", `(${S}2.7, Q12)`, `(${V1}#push_sms, Q12)`],
    ["src/engine/x.ts", `see ${note("onlinesim-protocol")} ${S}3.6`, "see docs/protocols/onlinesim-v2.md#addmessage"],
    ["src/config/schema.ts", `(${note("style")} ${S}8.2 rule 10)`, "(docs/conventions.md#rule-10)"],
    ["src/engine/config.ts", `(${note("style")} rule 10)`, "(docs/conventions.md#rule-10)"],
    ["src/onlinesim/fake/recorder.ts", `(never logged, style ${S}8 rule 11)`, "(never logged, docs/conventions.md#rule-11)"],
    ["src/engine/x.ts", "terminal set per Q15", "terminal set per Q15"],
    ["src/engine/x.ts", `(${PROTOCOL_DOC} Q6/Q29)`, "(Q6/Q29)"],
    ["src/http/partner/index.ts", `(Onlinesim → us, ${PROTOCOL_DOC} ${S}2.1–2.6)`, `(Onlinesim → us, ${V1}#requests-onlinesim-sends-us)`],
    ["src/outbound/x.ts", `(${S}3.2–3.5, Q19–Q24)`, "(docs/protocols/onlinesim-v2.md#the-number-list, Q19–Q24)"],
    ["test/drivers/x.test.ts", `(${note("modems")} ${S}2.4-2.6)`, "(docs/protocols/at-commands.md)"],
    ["src/engine/lifecycle.ts", `(${S}2.5 [C], ${S}2.9 step 4, Q17)`, `(${V1}#finish_activation [C], ${V1}#lifecycle step 4, Q17)`],
    ["src/engine/x.ts", `never offered again (${S}2.1 rule 3)`, `never offered again (${V1}#get_services-rule-3)`],
    ["drivers/simcom/index.ts", `(${note("modems")} ${S}2.12, ${S}3).`, "(docs/protocols/at-commands.md#resetting-a-hung-module, docs/hardware.md#pool-hardware)."],
    ["drivers/generic/index.ts", `(Kannel default uses mode 1, ${S}1.5).`, "(Kannel default uses mode 1, docs/peer-software.md#kannel)."],
    ["src/sim/dialects/types.ts", `names its source in ${note("modems")}.`, "names its source in docs/hardware.md."],
    ["drivers/huawei/parsers.ts", `(${note("modems")} ${S}4 #1)`, "(docs/peer-software.md#public-test-data #1)"],
    ["README.md", `See \`../${NOTES_DIR}/${note("style")}\` ${S}8 for the rules`, "See `docs/conventions.md#style-rules` for the rules"],
    ["src/outbound/README.md", `(docs: \`${OUTSIDE_DIR}${NOTES_DIR}/${note("onlinesim-protocol")}\`).`, "(docs: `docs/protocols/onlinesim.md`)."],
    ["src/cli/commands/fake-onlinesim.ts", `(docs/${note("onlinesim-protocol")}): receive`, "(docs/protocols/onlinesim.md): receive"],
    ["test/onlinesim/schemas.test.ts", `(${note("protocol")} ${S}2, ${S}3)`, "(docs/protocols/onlinesim-v1.md, docs/protocols/onlinesim-v2.md)"],
    ["udev/99-simgate.rules", `#     (${note("modems")} ${S}1.2: MM grabs option/qcserial ttys);`, "#     (docs/peer-software.md#modemmanager: MM grabs option/qcserial ttys);"],
    ["src/bank/x.ts", `(${S}2: the board switch takes 10 s)`, "(docs/hardware.md#how-sims-are-switched: the board switch takes 10 s)"],
    ["src/markets/x.ts", `(${note("marketplaces")} ${S}2)`, "(docs/protocols/smshub.md#what-an-adapter-must-absorb)"],
  ])("%s: %s", (path, before, after) => {
    const r = rewriteText(before, path);
    expect(r.unmapped).toEqual([]);
    expect(r.text).toBe(after);
    expect(rewriteText(r.text, path).rewrites).toEqual([]); // idempotent
  });

  it.each([
    ["src/at/command.ts", `(27.007 ${S}8.3, ${S}7.4, ${S}7.5)`],
    ["src/sim/commands/network.ts", `27.007 ${S}7.2 (+CREG), ${S}7.3 (+COPS), ${S}8.5 (+CSQ)`],
    ["src/codec/national.ts", `shift IEs (23.040 ${S}9.2.3.24.15/16) into`],
    ["src/http/partner/compress.ts", `RFC 9110 ${S}12.5.3: gzip`],
    ["src/engine/prefixes.ts", `at most 15 digits (ITU-T E.164 ${S}6)`],
    ["src/store/x.ts", `Restart safety (issue 5 ${S}6)`],
    ["src/modem/x.ts", `// with CSMS=1, 27.005\n// ${S}3.4.1 wants AT+CNMA`],
    ["src/codec/x.ts", `// encoders leave a zero (or CR, 23.038\n// ${S}6.1.2.3.1) septet of padding`],
    ["src/sim/x.ts", "the alphabet ends in ÄÖÑÜ§ and §¿"],
  ])("leaves a public standard's section alone: %s", (path, text) => {
    const r = rewriteText(text, path);
    expect(r.text).toBe(text);
    expect(r.unmapped).toEqual([]);
    expect(r.sections.every((s) => s.kind === "standard")).toBe(true);
  });

  it("follows a note's name into the next line while its parenthesis is open", () => {
    const text = ` * never throws (${note("style")} ${S}8.2 rule 3: \`spawn\` is injected, as in\n * node-serialport's \`linuxList(spawn)\`, tested with a captured dump per ${S}5.2).`;
    expect(rewriteText(text, "src/pool/udev.ts").text).toBe(" * never throws (docs/conventions.md#rule-3: `spawn` is injected, as in\n * node-serialport's `linuxList(spawn)`, tested with a captured dump per docs/conventions.md#node-serialport).");
  });

  it("names the standard of a bare section sign the same file cites under one standard", () => {
    const text = `/** TP-DCS for SMS (23.038 ${S}4). */\nconst A = []; // 11 reserved → default alphabet (${S}4)`;
    expect(rewriteText(text, "src/codec/dcs.ts").text).toBe(`/** TP-DCS for SMS (23.038 ${S}4). */\nconst A = []; // 11 reserved → default alphabet (23.038 ${S}4)`);
  });

  it.each([
    ["a section the note does not have", "src/engine/x.ts", `(${note("modems")} ${S}9.9)`, `${note("modems")} has no section 9.9`],
    ["a rule the section does not have", "src/engine/x.ts", `(${S}2.1 rule 4)`, "has no rule 4"],
    ["a bare section sign where no default applies", "docs/x.txt", `as said before (${S}2.1)`, "no default note"],
    ["a three-level bare section sign", "src/engine/x.ts", `(${S}9.2.3.1)`, "name the standard"],
    ["a question id that does not exist", "src/engine/x.ts", `per Q${40 + 2}`, "no open question"],
    ["a path into the notes it cannot rewrite", "src/x.ts", `see ~/${NOTES_DIR}/`, "no rule could rewrite"],
  ])("reports %s and leaves it as it is", (_what, path, text, reason) => {
    const r = rewriteText(text, path);
    expect(r.unmapped.map((u) => u.reason).join("\n")).toContain(reason);
    expect(r.text).toBe(text);
  });

  describe("command line", () => {
    const dir = mkdtempSync(join(tmpdir(), "simgate-citations-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const run = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, "scripts/rewrite-doc-citations.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });

    it("rewrites a file, then finds nothing more to do", () => {
      const file = join(dir, "a.ts");
      writeFileSync(file, `// ICCID per vendor (${note("modems")} ${S}2.4).\n`);
      const first = run(file);
      expect(first.status).toBe(0);
      expect(first.stdout).toContain("rewrote 1 citation(s) in 1 file(s)");
      expect(readFileSync(file, "utf8")).toBe("// ICCID per vendor (docs/protocols/at-commands.md#sim-iccid-and-imsi).\n");
      const second = run("--check", file);
      expect(second.status).toBe(0);
      expect(second.stdout).toContain("would rewrite 0 citation(s)");
    });

    it("exits 1 and lists what it cannot map; --check writes nothing", () => {
      const file = join(dir, "b.ts");
      const text = `// (${note("modems")} ${S}7.1) and (${note("modems")} ${S}2.1)\n`;
      writeFileSync(file, text);
      const checked = run("--check", file);
      expect(checked.status).toBe(1);
      expect(checked.stdout).toContain(`unmapped: ${relative(ROOT, file).split("\\").join("/")}:1:`);
      expect(readFileSync(file, "utf8")).toBe(text);
      const written = run(file);
      expect(written.status).toBe(1);
      expect(readFileSync(file, "utf8")).toBe(`// (${note("modems")} ${S}7.1) and (docs/protocols/at-commands.md#line-protocol)\n`);
    });

    it("refuses an unknown option", () => {
      const r = run("--frobnicate");
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("unknown option --frobnicate");
    });
  });

  it("points only at pages that list their sources", () => {
    const pages = [...new Set(Object.values(MAPPING.notes).flatMap((n) => [n.page, ...Object.values(n.sections)]).map((c) => c.split("#")[0]!))];
    const withoutSources = pages.filter((p) => p !== "docs/protocols/README.md" && !anchorsOf(p).has("sources"));
    expect(withoutSources).toEqual([]);
    expect(dirname(MAPPING.questions.page)).toBe("docs/protocols");
  });
});
