/**
 * The installer's unit of work: a step knows whether it is already done (check, read-only)
 * and how to do it (apply). install and uninstall are lists of steps (plan.ts) that the
 * runner (runner.ts) prints as a plan (--dry-run) or applies one by one.
 */
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, rmdirSync, readdirSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { dirname } from "node:path";
import type { Exec } from "./exec.js";
import type { HostProbe } from "./host.js";
import { findGroup } from "./accounts.js";
import { under } from "./paths.js";

export interface StepContext {
  /** The filesystem root the target paths live under: "/" or the --prefix directory. */
  root: string;
  /** --prefix: a fake root. Host commands are skipped and file owners are left alone. */
  prefix: boolean;
  dryRun: boolean;
  exec: Exec;
  host: HostProbe;
  /** Ids of the steps that changed something in this run (or would have, in a dry run). */
  changed: Set<string>;
}

export type Check =
  /** Nothing to do (a preflight check that passed prints its note). */
  | { state: "done"; note?: string }
  /** Needs apply; `what` refines the title ("update …" instead of "write …"). */
  | { state: "todo"; what?: string }
  /** Deliberately left alone, with a short reason. */
  | { state: "skip"; reason: string }
  /** Cannot go on: the run stops here (a dry run reports it and goes on). */
  | { state: "fail"; reason: string };

export interface Step {
  id: string;
  title: string;
  /** A precondition: prints `ok:` / stops the run; never applies anything. */
  preflight?: boolean;
  /** Runs a host command (systemctl, udevadm, …): skipped under --prefix. */
  host?: boolean;
  check(ctx: StepContext): Check | Promise<Check>;
  /** Does the work; a `warning` means it could not, and that this is fine (the runner goes on and says why). */
  apply?(ctx: StepContext): void | StepWarning | Promise<void | StepWarning>;
}

export interface StepWarning {
  warning: string;
}

export const done = (note?: string): Check => (note === undefined ? { state: "done" } : { state: "done", note });
export const todo = (what?: string): Check => (what === undefined ? { state: "todo" } : { state: "todo", what });
export const skip = (reason: string): Check => ({ state: "skip", reason });
export const fail = (reason: string): Check => ({ state: "fail", reason });

export function lstatOr(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw err;
  }
}

export const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

/** Create the missing parents of `path` (mode 0755 whatever the umask). */
export function mkdirParents(path: string): void {
  const missing: string[] = [];
  for (let d = dirname(path); lstatOr(d) === undefined; d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    mkdirSync(d);
    chmodSync(d, 0o755);
  }
}

export interface FileSpec {
  id: string;
  /** Target path (on the target system, e.g. /etc/simgate/simgate.env). */
  path: string;
  content: (ctx: StepContext) => string | Buffer;
  mode: number;
  /** Owner root:<group>; the group is looked up under the target root at apply time. Default root. */
  group?: string;
  /** Shown in the plan: where the content comes from. */
  from?: string;
  /** Write it once and never overwrite (the config and the key): only mode and owner are fixed. */
  keep?: boolean;
  /** A reason to refuse touching an existing file that is not ours. */
  foreign?: (target: string, st: Stats) => string | undefined;
}

function wantGid(ctx: StepContext, group: string): number | undefined {
  return group === "root" ? 0 : findGroup(ctx.root, group)?.gid;
}

function ownership(ctx: StepContext, spec: FileSpec, st: Stats): string[] {
  const problems: string[] = [];
  if ((st.mode & 0o7777) !== spec.mode) problems.push(`mode ${octal(st.mode)} → ${octal(spec.mode)}`);
  if (!ctx.prefix) {
    const group = spec.group ?? "root";
    if (st.uid !== 0 || st.gid !== wantGid(ctx, group)) problems.push(`owner ${st.uid}:${st.gid} → root:${group}`);
  }
  return problems;
}

function setOwnership(ctx: StepContext, spec: FileSpec, file: string): void {
  chmodSync(file, spec.mode);
  if (ctx.prefix) return;
  const group = spec.group ?? "root";
  const gid = wantGid(ctx, group);
  if (gid === undefined) throw new Error(`group ${group} does not exist`);
  chownSync(file, 0, gid);
}

/** A file we own the content of (or, with keep, only create). Atomic: written beside, renamed over. */
export function fileStep(spec: FileSpec): Step {
  const attrs = `${octal(spec.mode)} root:${spec.group ?? "root"}${spec.from ? `, from ${spec.from}` : ""}`;
  return {
    id: spec.id,
    title: `write ${spec.path} (${attrs})`,
    check(ctx) {
      const target = under(ctx.root, spec.path);
      const st = lstatOr(target);
      if (st === undefined) return todo();
      const foreign = spec.foreign?.(target, st);
      if (foreign !== undefined) return fail(foreign);
      if (spec.keep) {
        if (!st.isFile()) return fail(`${spec.path} exists and is not a regular file`);
        const problems = ownership(ctx, spec, st);
        return problems.length > 0 ? todo(`fix ${spec.path}: ${problems.join(", ")} (contents kept)`) : done("exists, never overwritten");
      }
      if (st.isDirectory()) return fail(`${spec.path} is a directory`);
      if (!st.isFile() || !readFileSync(target).equals(Buffer.from(spec.content(ctx)))) return todo(`update ${spec.path} (${attrs})`);
      const problems = ownership(ctx, spec, st);
      return problems.length > 0 ? todo(`fix ${spec.path}: ${problems.join(", ")}`) : done();
    },
    apply(ctx) {
      const target = under(ctx.root, spec.path);
      const st = lstatOr(target);
      if (spec.keep && st !== undefined) return setOwnership(ctx, spec, target);
      mkdirParents(target);
      const tmp = `${target}.simgate-new`;
      rmSync(tmp, { force: true });
      writeFileSync(tmp, spec.content(ctx), { mode: 0o600 });
      try {
        setOwnership(ctx, spec, tmp);
        if (spec.keep) {
          // Never overwrite: link(2) fails with EEXIST if the file appeared meanwhile.
          linkSync(tmp, target);
          unlinkSync(tmp);
        } else {
          renameSync(tmp, target);
        }
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
    },
  };
}

/** A directory that must exist with this mode (root-owned). */
export function dirStep(id: string, path: string, mode: number): Step {
  return {
    id,
    title: `create ${path}/ (${octal(mode)} root:root)`,
    check(ctx) {
      const st = lstatOr(under(ctx.root, path));
      if (st === undefined) return todo();
      if (!st.isDirectory()) return fail(`${path} exists and is not a directory`);
      return done();
    },
    apply(ctx) {
      const target = under(ctx.root, path);
      mkdirParents(target);
      mkdirSync(target);
      chmodSync(target, mode);
      if (!ctx.prefix) chownSync(target, 0, 0);
    },
  };
}

export interface RemoveSpec {
  id: string;
  path: string;
  /** Shown after the path: what goes with it. */
  detail?: string;
  recursive?: boolean;
  /** A reason to leave an existing path alone (it is not ours). */
  notOurs?: (target: string, st: Stats) => string | undefined;
  /** Remove the parent directory too when this leaves it empty. */
  pruneParent?: boolean;
}

export function removeStep(spec: RemoveSpec): Step {
  return {
    id: spec.id,
    title: `remove ${spec.path}${spec.recursive ? "/" : ""}${spec.detail ? ` (${spec.detail})` : ""}`,
    check(ctx) {
      const target = under(ctx.root, spec.path);
      const st = lstatOr(target);
      if (st === undefined) return done();
      if (st.isDirectory() && !spec.recursive) return fail(`${spec.path} is a directory`);
      const reason = spec.notOurs?.(target, st);
      return reason !== undefined ? skip(reason) : todo();
    },
    apply(ctx) {
      const target = under(ctx.root, spec.path);
      rmSync(target, { recursive: spec.recursive ?? false, force: true });
      if (spec.pruneParent) {
        const parent = dirname(target);
        if (lstatOr(parent)?.isDirectory() && readdirSync(parent).length === 0) rmdirSync(parent);
      }
    },
  };
}
