/**
 * Creating the state directory before anything else touches it (`simgate run`, `simgate
 * demo --state-dir`), one level at a time, with a one-line refusal that says what to do.
 *
 * Why not mkdirSync(dir, { recursive: true }): on a pseudo filesystem that refuses new
 * entries with ENOENT (/proc), Node's recursive mkdir takes that to mean "create the
 * parent first" and retries forever, at 100 % CPU and without a word. Walking down from
 * the deepest existing ancestor and calling mkdir once per missing level cannot loop.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ErrorCode, SimgateError } from "../errors.js";

const REMEDY = "choose another with --state-dir or stateDir in the config";

function refuse(dir: string, why: string): SimgateError {
  return new SimgateError(`state directory ${dir}: ${why}: ${REMEDY}`, ErrorCode.StoreNotWritable, { path: dir });
}

function describeMkdirFailure(err: NodeJS.ErrnoException, level: string, parent: string): string {
  switch (err.code) {
    case "ENOENT":
      // The parent exists (we just checked): its filesystem does not take new directories.
      return `cannot create ${level}: ${parent} does not accept new directories (a kernel filesystem such as /proc or /sys?)`;
    case "EACCES":
    case "EPERM":
      return `cannot create ${level}: permission denied in ${parent}`;
    case "EROFS":
      return `cannot create ${level}: ${parent} is on a read-only filesystem`;
    case "ENOSPC":
      return `cannot create ${level}: no space left on the device`;
    default:
      return `cannot create ${level}: ${err.code ?? err.message}`;
  }
}

/**
 * Make sure `dir` exists as a directory (the last level created with `mode`). Throws a
 * SimgateError (StoreNotWritable) naming the level that failed and the remedy; whether the
 * directory is writable is the store's check (it says which user cannot write).
 */
export function ensureStateDir(dir: string, mode = 0o750): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(existing).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a level of the path is a file; walking up names it below.
      if (code === "ENOENT" || code === "ENOTDIR") {
        missing.unshift(existing);
        const up = dirname(existing);
        if (up === existing) throw refuse(dir, "the filesystem root is missing");
        existing = up;
        continue;
      }
      throw refuse(dir, `cannot look at ${existing}: ${code ?? (err as Error).message}`);
    }
    if (!isDir) throw refuse(dir, `${existing} is a file, not a directory`);
    break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level, level === target ? { mode } : {});
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST" && statSync(level).isDirectory()) continue; // made meanwhile
      throw refuse(dir, describeMkdirFailure(err as NodeJS.ErrnoException, level, dirname(level)));
    }
  }
}
