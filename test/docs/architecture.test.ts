/**
 * docs/architecture.md cannot rot silently: every relative link resolves, every repo path
 * written in backticks (or in a Mermaid node label) exists, a link whose text is a code
 * name (`orderNumber`, `store.acceptPart`, `AT+CMGD=<i>`) points at a file that contains
 * that name, and the Mermaid blocks are properly fenced, of a known diagram type, and use
 * only the participants / nodes they declare (Mermaid silently invents a new lane or box
 * for a misspelt one).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const DOC = join(ROOT, "docs/architecture.md");
const TEXT = readFileSync(DOC, "utf8");

/** Top-level folders a backticked path may start with. */
const PATH_ROOTS = ["src", "drivers", "test", "docs", "udev", "config", "systemd", "bin", "scripts"];
const PATH_RE = new RegExp(`^(?:${PATH_ROOTS.join("|")})/[^\\s\`]*$`);
/** The same, found anywhere in a line (Mermaid labels). */
const PATH_IN_TEXT_RE = new RegExp(`(?<![\\w./-])(?:${PATH_ROOTS.join("|")})/[\\w./<>-]*[\\w/>]`, "g");
const FILE_EXT_RE = /\.(?:ts|js|mjs|md|py|rules|ya?ml|json|at|service|conf)$/;

interface Fence {
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  body: string[];
}

/** Split the doc into fenced blocks and the prose outside them; report fence problems. */
function scanFences(text: string): { fences: Fence[]; prose: string[]; problems: string[] } {
  const fences: Fence[] = [];
  const prose: string[] = [];
  const problems: string[] = [];
  let open: Fence | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    const fence = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      const [, indent = "", , info = ""] = fence;
      if (!open) {
        if (indent !== "") problems.push(`line ${i + 1}: indented opening fence`);
        open = { lang: info.trim(), line: i + 1, body: [] };
        return;
      }
      if (info.trim() !== "") {
        problems.push(`line ${i + 1}: fence "${line.trim()}" opened inside the block from line ${open.line} (missing closing fence?)`);
        return;
      }
      if (indent !== "") problems.push(`line ${i + 1}: indented closing fence`);
      fences.push(open);
      open = undefined;
      return;
    }
    if (open) open.body.push(line);
    else prose.push(line);
  });
  if (open) problems.push(`block opened at line ${open.line} is never closed`);
  return { fences, prose, problems };
}

const { fences, prose, problems: fenceProblems } = scanFences(TEXT);
const PROSE = prose.join("\n");
const MERMAID = fences.filter((f) => f.lang === "mermaid");

/** Inline code spans of the prose (tables and lists included). */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/(?<!`)`([^`\n]+)`(?!`)/g)].map((m) => m[1]!.trim());
}

interface Link {
  text: string;
  target: string;
}

function links(text: string): Link[] {
  const inline = [...text.matchAll(/\[((?:[^\]\n]|\](?!\())*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => ({ text: m[1]!, target: m[2]! }));
  const refs = [...text.matchAll(/^\s*\[([^\]]+)\]:\s*(\S+)/gm)].map((m) => ({ text: m[1]!, target: m[2]! }));
  return [...inline, ...refs];
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");

/** A repo path that may contain a `<placeholder>`: the literal part before it must exist. */
function existingPrefix(path: string): string {
  const cut = path.search(/[<*{]/);
  if (cut < 0) return path;
  return path.slice(0, path.lastIndexOf("/", cut) + 1);
}

/** What a code-name link promises to find in its target file, or undefined when the text is not a name. */
function promisedName(code: string): string | undefined {
  let name = code.trim().replace(/^["']|["']$/g, "");
  if (PATH_RE.test(name) || FILE_EXT_RE.test(name) || name.includes(" ")) return undefined;
  name = name.replace(/\(\)$/, "");
  const cut = name.indexOf("<");
  if (cut > 0) name = name.slice(0, cut);
  // `store.acceptPart`, `PortMap.smsReceived`: the member is what the file must define.
  if (/^[\w$#]+(?:\.[\w$#]+)+$/.test(name)) name = name.slice(name.lastIndexOf(".") + 1);
  return name === "" ? undefined : name;
}

describe("docs/architecture.md", () => {
  it("has properly fenced blocks, at least the layer and data-flow diagrams in Mermaid", () => {
    expect(fenceProblems).toEqual([]);
    expect(MERMAID.length).toBeGreaterThanOrEqual(2);
    expect(MERMAID.some((f) => f.body.find((l) => l.trim() !== "")?.trim().startsWith("flowchart"))).toBe(true);
    expect(MERMAID.some((f) => f.body.find((l) => l.trim() !== "")?.trim() === "sequenceDiagram")).toBe(true);
  });

  it("starts every Mermaid block with a diagram type and keeps it free of Markdown", () => {
    const problems: string[] = [];
    for (const f of MERMAID) {
      const first = f.body.find((l) => l.trim() !== "")?.trim() ?? "";
      if (!/^(?:flowchart|graph)\s+(?:TB|TD|BT|RL|LR)$|^sequenceDiagram$|^stateDiagram-v2$|^classDiagram$/.test(first)) {
        problems.push(`block at line ${f.line}: first line "${first}" is not a diagram type`);
      }
      f.body.forEach((l, i) => {
        if (l.includes("`")) problems.push(`block at line ${f.line}, +${i + 1}: backtick inside Mermaid`);
        if (/^\s*(?:#|[-*] )/.test(l)) problems.push(`block at line ${f.line}, +${i + 1}: Markdown inside Mermaid`);
      });
    }
    expect(problems).toEqual([]);
  });

  it("uses only declared participants in sequence diagrams", () => {
    const problems: string[] = [];
    for (const f of MERMAID.filter((m) => m.body.some((l) => l.trim() === "sequenceDiagram"))) {
      const declared = new Set<string>();
      for (const l of f.body) {
        const p = /^\s*(?:participant|actor)\s+(\w+(?:-\w+)*)/.exec(l);
        if (p) declared.add(p[1]!);
      }
      f.body.forEach((l, i) => {
        const m = /^\s*(\w+(?:-\w+)*)\s*(?:->>|-->>|->|-->|-x|--x|-\)|--\))\s*[+-]?(\w+(?:-\w+)*)\s*:(.*)$/.exec(l);
        if (!m) return;
        for (const who of [m[1]!, m[2]!]) if (!declared.has(who)) problems.push(`block at line ${f.line}, +${i + 1}: undeclared participant "${who}"`);
        // A ";" ends the statement in a sequence diagram: the rest of the message would be lost.
        if (m[3]!.includes(";")) problems.push(`block at line ${f.line}, +${i + 1}: ";" in a message`);
      });
    }
    expect(problems).toEqual([]);
  });

  it("uses only labelled nodes in flowcharts", () => {
    const problems: string[] = [];
    for (const f of MERMAID.filter((m) => /^(?:flowchart|graph)\b/.test(m.body.find((l) => l.trim() !== "")?.trim() ?? ""))) {
      const labelled = new Set<string>();
      const used: { id: string; at: number }[] = [];
      f.body.forEach((raw, i) => {
        const l = raw.trim();
        if (l === "" || /^(?:flowchart|graph|subgraph|end$|classDef|class |style |linkStyle|%%)/.test(l)) return;
        for (const m of l.matchAll(/([A-Za-z_][\w-]*)\s*(?:\[|\(|\{)/g)) labelled.add(m[1]!);
        // Drop labels and edge texts, then every remaining word is a node id.
        const bare = l
          .replace(/"[^"]*"/g, "")
          .replace(/\[[^\]]*\]|\([^)]*\)|\{[^}]*\}/g, "")
          .replace(/\|[^|]*\|/g, " ");
        for (const id of bare.split(/\s*(?:-->|-\.->|==>|---|-\.-|&)\s*/)) if (id.trim() !== "") used.push({ id: id.trim(), at: i + 1 });
      });
      for (const u of used) if (!labelled.has(u.id)) problems.push(`block at line ${f.line}, +${u.at}: node "${u.id}" has no label (misspelt id?)`);
    }
    expect(problems).toEqual([]);
  });

  it("links only to files and directories that exist", () => {
    const missing: string[] = [];
    for (const { target } of links(PROSE)) {
      if (isExternal(target) || target.startsWith("#")) continue;
      const path = decodeURIComponent(target.replace(/#.*$/, ""));
      const abs = resolve(dirname(DOC), path);
      if (!abs.startsWith(ROOT)) missing.push(`${target} (outside the repository)`);
      else if (!existsSync(abs)) missing.push(target);
    }
    expect(missing).toEqual([]);
  });

  it("names only repo paths that exist (backticks and Mermaid labels)", () => {
    const named = new Set<string>();
    for (const code of codeSpans(PROSE)) if (PATH_RE.test(code)) named.add(code);
    for (const f of MERMAID) for (const l of f.body) for (const m of l.matchAll(PATH_IN_TEXT_RE)) named.add(m[0]);
    expect(named.size).toBeGreaterThan(10);
    const missing = [...named].filter((p) => !existsSync(join(ROOT, existingPrefix(p))));
    expect(missing).toEqual([]);
  });

  it("points every code-name link at a file that contains the name", () => {
    const broken: string[] = [];
    let checked = 0;
    for (const { text, target } of links(PROSE)) {
      const code = /^`([^`]+)`$/.exec(text.trim())?.[1];
      if (code === undefined || isExternal(target)) continue;
      const name = promisedName(code);
      if (name === undefined) continue;
      const abs = resolve(dirname(DOC), decodeURIComponent(target.replace(/#.*$/, "")));
      if (!existsSync(abs) || statSync(abs).isDirectory()) continue; // the link test reports a missing target
      checked++;
      if (!readFileSync(abs, "utf8").includes(name)) broken.push(`${code} → ${relative(ROOT, abs)}`);
    }
    expect(checked).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });
});
