/**
 * The app copy in /opt/simgate: what the service runs and nothing else — the compiled build
 * (dist/src, dist/drivers: JavaScript and the assets it loads), bin/simgate.js, the files the
 * installer itself reads on a re-run (config, udev, systemd), and the production packages
 * (production-deps.ts). No TypeScript sources, no tests, no compiler, no tsx or esbuild. The
 * source is a checkout after `npm run build`, an `npm install -g` of the package, or
 * /opt/simgate itself. A sync then makes the target equal to it (changed files copied,
 * stale ones removed).
 * "Equal" is: same type, size, mtime (copied along) and normalised mode (0755/0644,
 * root-owned because root writes it), so a re-run with nothing changed touches nothing.
 */
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, utimesSync, type Stats } from "node:fs";
import { join, posix } from "node:path";
import { lstatOr, mkdirParents } from "./steps.js";
import { productionPackages } from "./production-deps.js";

export interface TreeEntry {
  type: "file" | "dir" | "link";
  size: number;
  mtimeMs: number;
  /** Normalised permission bits (0755 dirs and executables, 0644 the rest). */
  mode: number;
  link?: string;
}

/** Relative POSIX path → entry; directories included, the root itself not. */
export type Tree = Map<string, TreeEntry>;

export const APP_DIRS = ["dist/src", "dist/drivers", "systemd"] as const;
export const APP_FILES = ["package.json", "README.md", "LICENSE", "bin/simgate.js", "config/simgate.example.yaml", "udev/99-simgate.rules"] as const;
const REQUIRED = ["package.json", "bin/simgate.js", "udev/99-simgate.rules", "systemd/simgate.service", "config/simgate.example.yaml"];
/** The compiled CLI: without it there is nothing to run (a checkout before `npm run build`). */
const COMPILED_ENTRY = "dist/src/cli/main.js";
/** Build by-products that are not needed to run: source maps, tsc's incremental state. */
const NOT_SHIPPED = /\.(map|tsbuildinfo)$/;

function entryOf(st: Stats, abs: string): TreeEntry | undefined {
  if (st.isDirectory()) return { type: "dir", size: 0, mtimeMs: 0, mode: 0o755 };
  if (st.isSymbolicLink()) return { type: "link", size: 0, mtimeMs: 0, mode: 0o777, link: readlinkSync(abs) };
  if (st.isFile()) return { type: "file", size: st.size, mtimeMs: Math.trunc(st.mtimeMs), mode: st.mode & 0o111 ? 0o755 : 0o644 };
  return undefined; // sockets, fifos: never part of an app
}

/** Raw mode of a target entry, for comparing (the source's is normalised by entryOf). */
function rawEntry(st: Stats, abs: string): TreeEntry | undefined {
  const e = entryOf(st, abs);
  return e && e.type !== "link" ? { ...e, mode: st.mode & 0o7777 } : e;
}

interface WalkOptions {
  raw?: boolean;
  skipTopNodeModules?: boolean;
  /** Names never taken, at any depth. */
  skip?: RegExp;
  /** Paths below the walk's start (`build/Release/x.node`) to leave out. */
  leaveOut?: (inner: string, isDir: boolean) => boolean;
}

function walk(absDir: string, relDir: string, into: Tree, options: WalkOptions = {}, inner = ""): void {
  for (const name of readdirSync(absDir)) {
    if (options.skipTopNodeModules && inner === "" && name === "node_modules") continue;
    if (options.skip?.test(name)) continue;
    const abs = join(absDir, name);
    const rel = relDir === "" ? name : `${relDir}/${name}`;
    const innerRel = inner === "" ? name : `${inner}/${name}`;
    const st = lstatSync(abs);
    const e = options.raw ? rawEntry(st, abs) : entryOf(st, abs);
    if (e === undefined || options.leaveOut?.(innerRel, e.type === "dir")) continue;
    into.set(rel, e);
    if (e.type === "dir") walk(abs, rel, into, { ...options, skipTopNodeModules: false }, innerRel);
  }
}

/**
 * A native addon's compile-time leftovers: node-gyp's object files, makefiles and static
 * libraries under build/, and the vendored C sources under deps/ (better-sqlite3's 10 MB
 * SQLite amalgamation). Node loads only build/Release/*.node (or a prebuilds/ binary).
 */
function nativeBuildLeftover(inner: string, isDir: boolean): boolean {
  if (inner === "deps" || inner.startsWith("deps/")) return true;
  if (inner === "build" || inner === "build/Release" || inner === "build/Debug") return false;
  if (!inner.startsWith("build/")) return false;
  return isDir || !/^build\/(Release|Debug)\/[^/]+\.node$/.test(inner);
}

function addParents(tree: Tree, rel: string): void {
  for (let d = posix.dirname(rel); d !== "."; d = posix.dirname(d)) {
    if (!tree.has(d)) tree.set(d, { type: "dir", size: 0, mtimeMs: 0, mode: 0o755 });
  }
}

export interface SourceTree {
  tree: Tree;
  packages: number;
  files: number;
  bytes: number;
  /** Of `bytes`: simgate's own files (the build, bin, assets) and the production packages. */
  appBytes: number;
  packageBytes: number;
}

function sumFiles(tree: Tree, prefix?: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const [rel, e] of tree) {
    if (e.type !== "file" || (prefix !== undefined && !rel.startsWith(prefix))) continue;
    files++;
    bytes += e.size;
  }
  return { files, bytes };
}

/** What to copy from `source`. Throws with what to do when the source is incomplete. */
export function sourceTree(source: string): SourceTree {
  for (const f of REQUIRED) {
    if (lstatOr(join(source, f)) === undefined) throw new Error(`${join(source, f)} is missing: is ${source} simgate (a checkout or the installed package)?`);
  }
  if (lstatOr(join(source, COMPILED_ENTRY)) === undefined) throw new Error(`${join(source, COMPILED_ENTRY)} is missing: run 'npm run build' in ${source} first`);
  const tree: Tree = new Map();
  for (const f of APP_FILES) {
    const abs = join(source, f);
    const st = lstatOr(abs);
    const e = st && st.isFile() ? entryOf(st, abs) : undefined;
    if (e) {
      addParents(tree, f);
      tree.set(f, e);
    }
  }
  for (const d of APP_DIRS) {
    const abs = join(source, d);
    if (!lstatOr(abs)?.isDirectory()) continue;
    addParents(tree, d);
    tree.set(d, { type: "dir", size: 0, mtimeMs: 0, mode: 0o755 });
    walk(abs, d, tree, { skip: NOT_SHIPPED });
  }
  const packages = productionPackages(source);
  for (const key of packages) {
    addParents(tree, key);
    tree.set(key, { type: "dir", size: 0, mtimeMs: 0, mode: 0o755 });
    const native = lstatOr(join(source, key, "binding.gyp")) !== undefined;
    walk(join(source, key), key, tree, { skipTopNodeModules: true, ...(native ? { leaveOut: nativeBuildLeftover } : {}) });
  }
  const all = sumFiles(tree);
  const deps = sumFiles(tree, "node_modules/");
  return { tree, packages: packages.length, files: all.files, bytes: all.bytes, appBytes: all.bytes - deps.bytes, packageBytes: deps.bytes };
}

/** Everything under `target` (empty when it does not exist). */
export function targetTree(target: string): Tree {
  const tree: Tree = new Map();
  if (lstatOr(target)?.isDirectory()) walk(target, "", tree, { raw: true });
  return tree;
}

export interface TreeDiff {
  /** Source entries to create or replace (parents first). */
  write: string[];
  /** Topmost target entries that are not in the source (or have another type). */
  remove: string[];
}

function same(a: TreeEntry, b: TreeEntry): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "link") return a.link === b.link;
  // utimes goes through a double of seconds: the copy's mtime may read 1 ms early.
  return a.mode === b.mode && a.size === b.size && Math.abs(a.mtimeMs - b.mtimeMs) <= 1;
}

export function diffTrees(source: Tree, target: Tree): TreeDiff {
  const write: string[] = [];
  const remove: string[] = [];
  for (const [rel, e] of source) {
    const t = target.get(rel);
    if (t === undefined || !same(e, t)) write.push(rel);
  }
  const gone = new Set<string>();
  for (const [rel, t] of target) {
    const s = source.get(rel);
    const replaced = s !== undefined && s.type !== t.type;
    if (s !== undefined && !replaced) continue;
    // Only the topmost: removing a directory takes what is under it.
    let parent = posix.dirname(rel);
    let covered = false;
    for (; parent !== "."; parent = posix.dirname(parent)) if (gone.has(parent)) covered = true;
    if (covered) continue;
    gone.add(rel);
    remove.push(rel);
  }
  write.sort();
  remove.sort();
  return { write, remove };
}

/** Make `target` equal to the source tree. */
export function syncTree(sourceRoot: string, source: Tree, targetRoot: string, diff: TreeDiff): void {
  if (!lstatOr(targetRoot)?.isDirectory()) {
    mkdirParents(targetRoot);
    mkdirSync(targetRoot);
  }
  chmodSync(targetRoot, 0o755);
  for (const rel of diff.remove) rmSync(join(targetRoot, rel), { recursive: true, force: true });
  for (const rel of diff.write) {
    const e = source.get(rel)!;
    const to = join(targetRoot, rel);
    const from = join(sourceRoot, rel);
    if (e.type === "dir") {
      if (!lstatOr(to)?.isDirectory()) mkdirSync(to);
      chmodSync(to, 0o755);
    } else if (e.type === "link") {
      rmSync(to, { force: true });
      symlinkSync(e.link!, to);
    } else {
      if (lstatOr(to) !== undefined) unlinkSync(to); // a fresh inode: root-owned, never writing through a link
      copyFileSync(from, to);
      chmodSync(to, e.mode);
      const st = lstatSync(from);
      utimesSync(to, st.atime, new Date(Math.trunc(st.mtimeMs)));
    }
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}
