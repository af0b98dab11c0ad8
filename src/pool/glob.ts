/**
 * A small glob matcher and directory expander for port patterns from config
 * (`/dev/ttyUSB*`, `/tmp/simgate-sim-*\/modem*`, `/dev/serial/by-path/**usb-0:2.*`).
 * Node 20 has no fs.glob and the patterns we need are few, so no dependency:
 *   `**`  any number of path segments (including none)
 *   `*`   any run of characters inside one segment
 *   `?`   one character inside one segment
 *   `[…]` a character class (`[!…]` or `[^…]` negates); an unclosed `[` is literal
 * Everything else is literal. Matching is against the whole string.
 */
import { dirname, join } from "node:path";

/** What expansion needs from the file system (injected so tests can use a fake tree). */
export interface GlobFs {
  readdir(path: string): Promise<string[]>;
}

const MAGIC = /[*?[]/;
const REGEX_SPECIAL = /[.+^${}()|\\\]]/g;

export function hasGlobMagic(pattern: string): boolean {
  return MAGIC.test(pattern);
}

export function globToRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          // `a/**/b` also matches `a/b`.
          i++;
          out += "(?:.*/)?";
        } else {
          out += ".*";
        }
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close === -1) {
        out += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      out += `[${negate ? "^" : ""}${body.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else {
      out += c.replace(REGEX_SPECIAL, "\\$&");
    }
  }
  return new RegExp(`^${out}$`);
}

/** Compile once, match many: true when any pattern matches any of the values. */
export function globMatcher(patterns: readonly string[]): (values: readonly string[]) => boolean {
  const regexps = patterns.map(globToRegExp);
  return (values) => regexps.some((re) => values.some((v) => re.test(v)));
}

/** The literal directory a pattern starts in: `/tmp/simgate-sim-*\/modem*` → `/tmp`. */
export function globRoot(pattern: string): string {
  if (!hasGlobMagic(pattern)) return dirname(pattern);
  const segments = pattern.split("/");
  const literal: string[] = [];
  for (const s of segments) {
    if (hasGlobMagic(s)) break;
    literal.push(s);
  }
  const root = literal.join("/");
  return root === "" ? "/" : root;
}

export interface ExpandOptions {
  /** How deep `**` descends (symlink loops under /dev/serial must not hang us). */
  maxDepth?: number;
  /** Stop after this many paths (a runaway pattern such as `/**`). */
  maxResults?: number;
}

/**
 * Expand a pattern to existing paths, sorted. A plain path is returned as given
 * (the caller checks that it exists). Unreadable directories count as empty:
 * never throws.
 */
export async function expandGlob(pattern: string, fs: GlobFs, options: ExpandOptions = {}): Promise<string[]> {
  if (!hasGlobMagic(pattern)) return [pattern];
  const maxDepth = options.maxDepth ?? 6;
  const maxResults = options.maxResults ?? 10_000;
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/").filter((s, i) => s !== "" || i === 0);
  let current = [absolute ? "/" : "."];
  if (absolute) segments.shift();

  // Literal segments before the first magic one are taken on trust (the caller's realpath
  // checks the result); after it, they must exist in each expanded directory.
  let expanded = false;
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    if (segment === "**") {
      expanded = true;
      for (const dir of current) next.push(...(await descendants(dir, fs, maxDepth, maxResults, last)));
    } else if (!hasGlobMagic(segment)) {
      for (const dir of current) {
        if (!expanded || (await safeReaddir(fs, dir)).includes(segment)) next.push(join(dir, segment));
      }
    } else {
      expanded = true;
      const re = globToRegExp(segment);
      for (const dir of current) {
        for (const name of await safeReaddir(fs, dir)) if (re.test(name)) next.push(join(dir, name));
      }
    }
    current = [...new Set(next)].slice(0, maxResults);
    if (current.length === 0) return [];
  }
  return current.sort();
}

/** Directories (and, for a trailing `**`, files) below `dir`, `dir` itself included when not last. */
async function descendants(dir: string, fs: GlobFs, maxDepth: number, maxResults: number, last: boolean): Promise<string[]> {
  const out: string[] = last ? [] : [dir];
  let frontier = [dir];
  for (let depth = 0; depth < maxDepth && frontier.length > 0 && out.length < maxResults; depth++) {
    const nextFrontier: string[] = [];
    for (const d of frontier) {
      for (const name of await safeReaddir(fs, d)) {
        const child = join(d, name);
        // Only a readable directory is descended into; a file is a result only for a trailing `**`.
        const isDir = (await safeReaddir(fs, child, true)) !== null;
        if (isDir) nextFrontier.push(child);
        if (isDir || last) out.push(child);
      }
    }
    frontier = nextFrontier;
  }
  return out;
}

async function safeReaddir(fs: GlobFs, dir: string): Promise<string[]>;
async function safeReaddir(fs: GlobFs, dir: string, probe: true): Promise<string[] | null>;
async function safeReaddir(fs: GlobFs, dir: string, probe = false): Promise<string[] | null> {
  try {
    return await fs.readdir(dir);
  } catch {
    // ENOENT/ENOTDIR/EACCES: nothing to expand here (a pool directory that is not there yet).
    return probe ? null : [];
  }
}

/**
 * The directories whose entries a pattern depends on, for fs.watch: the literal root plus
 * every existing directory the pattern's directory part expands to.
 */
export async function globWatchDirs(pattern: string, fs: GlobFs): Promise<string[]> {
  const dirPart = dirname(pattern);
  const dirs = new Set<string>([globRoot(pattern)]);
  if (hasGlobMagic(dirPart)) for (const d of await expandGlob(dirPart, fs)) dirs.add(d);
  else dirs.add(dirPart);
  return [...dirs].sort();
}
