/**
 * The pieces of the import-edge check (test/architecture/import-edges.test.ts), kept apart
 * so each is tested on its own:
 *  - `importsOf`: every module specifier one source file names, parsed with the TypeScript
 *    compiler (no regex over text, so comments and strings that look like imports are not
 *    imports). Value, type-only, re-export, dynamic `import()` and `import("x").T` type
 *    references all count, as docs/architecture.md#allowed-imports says.
 *  - `parseEdgeTable`: the table of allowed imports in docs/architecture.md#allowed-imports.
 *  - `moduleOf` / `mayImport`: which module a file belongs to, and whether a module may
 *    import another, by that table.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

export interface ImportSite {
  specifier: string;
  /** 1-based line of the import in its file. */
  line: number;
  typeOnly: boolean;
}

/** Every module specifier `text` (the source of one .ts file) imports or re-exports. */
export function importsOf(fileName: string, text: string): ImportSite[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const sites: ImportSite[] = [];
  const add = (literal: ts.StringLiteralLike, typeOnly: boolean): void => {
    sites.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      const clause = node.importClause;
      const allTypes = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteralLike(node.moduleSpecifier)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg !== undefined && ts.isStringLiteralLike(arg)) add(arg, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteralLike(node.argument.literal)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** The .ts files under `dir` (relative to `root`, with forward slashes), declarations excluded. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const child = `${rel}/${name}`;
      if (statSync(join(root, child)).isDirectory()) walk(child);
      else if (/\.(m|c)?ts$/.test(name) && !/\.d\.(m|c)?ts$/.test(name)) out.push(child);
    }
  };
  walk(dir);
  return out;
}

/**
 * One row of the table: a module pattern (a folder or file path; `*` stands for any one
 * folder name, each folder it matches being a module of its own) and the patterns it may
 * import.
 */
export interface EdgeRow {
  module: string;
  mayImport: string[];
  /** 1-based line of the row in the doc. */
  line: number;
}

/**
 * The rows of the first Markdown table after the heading `heading` (e.g. "## Allowed
 * imports"): the first column's code span is the module, every code span of the last
 * column a module it may import ("—" for none). A malformed row throws, naming its line.
 */
export function parseEdgeTable(markdown: string, heading: string): EdgeRow[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start === -1) throw new Error(`no heading "${heading}"`);
  const rows: EdgeRow[] = [];
  let inTable = false;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (/^#{1,6} /.test(line)) break;
    if (!line.startsWith("|")) {
      if (inTable) break;
      continue;
    }
    const cells = line.replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
    if (!inTable) {
      // The header row and the |---| row under it.
      inTable = true;
      i++;
      continue;
    }
    const module = /^`([^`]+)`$/.exec(cells[0] ?? "")?.[1];
    const last = cells[cells.length - 1] ?? "";
    const mayImport = [...last.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    if (module === undefined || cells.length < 2 || (mayImport.length === 0 && last !== "—")) {
      throw new Error(`docs line ${i + 1}: a row needs a module in backticks in its first cell and backticked modules (or "—") in its last: ${line}`);
    }
    rows.push({ module, mayImport, line: i + 1 });
  }
  if (rows.length === 0) throw new Error(`no table rows under "${heading}"`);
  return rows;
}

const segments = (path: string): string[] => path.split("/");

/**
 * Whether `pattern` matches the first segments of `path`; the matched prefix, or undefined.
 * For a file path, a `*` (a folder) never matches the file's own name.
 */
function prefixMatch(pattern: string, path: string, isFile: boolean): string | undefined {
  const p = segments(pattern);
  const s = segments(path);
  if (p.length > s.length) return undefined;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === "*" ? isFile && i === s.length - 1 : p[i] !== s[i]) return undefined;
  }
  return s.slice(0, p.length).join("/");
}

export interface ModuleOf {
  /** The concrete module, e.g. `src/markets/smshub` for the row `src/markets/*`. */
  id: string;
  row: EdgeRow;
}

/**
 * The module a file belongs to: the row whose pattern matches the most leading path
 * segments; between equally long ones, the one with fewer `*`. Undefined if no row matches.
 */
export function moduleOf(rows: readonly EdgeRow[], file: string): ModuleOf | undefined {
  let best: { id: string; row: EdgeRow; depth: number; stars: number } | undefined;
  for (const row of rows) {
    const id = prefixMatch(row.module, file, true);
    if (id === undefined) continue;
    const depth = segments(row.module).length;
    const stars = segments(row.module).filter((s) => s === "*").length;
    if (best === undefined || depth > best.depth || (depth === best.depth && stars < best.stars)) best = { id, row, depth, stars };
  }
  return best && { id: best.id, row: best.row };
}

/** Whether an importer of `row` may import the module `targetId`. */
export function mayImport(row: EdgeRow, targetId: string): boolean {
  return row.mayImport.some((pattern) => segments(pattern).length === segments(targetId).length && prefixMatch(pattern, targetId, false) === targetId);
}
