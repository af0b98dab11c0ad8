/**
 * The admin token when the config sets none. Every admin route but health, readiness and
 * metrics needs a token, so a daemon without `admin.token` makes its own at the first
 * start: 32 random bytes (base64url) in `<stateDir>/admin-token`, mode 0600, so only the
 * service user and root can read it. The systemd unit's state directory is 0700 on top.
 * The admin CLI reads the same file (`sudo simgate status`); other users export
 * SIMGATE_ADMIN_TOKEN. The token is never logged: only the file's path is.
 *
 * The file is written to a temporary name and linked into place, so a crash never leaves
 * a half-written token and two daemons racing on one state directory agree on one token.
 * To change the token, delete the file and restart (every status-page session ends).
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, SimgateError } from "../../errors.js";

export const ADMIN_TOKEN_FILE = "admin-token";
/** admin.token's own minimum length (config schema). */
const MIN_TOKEN_LENGTH = 16;

export const adminTokenPath = (stateDir: string): string => join(stateDir, ADMIN_TOKEN_FILE);

export interface DaemonAdminToken {
  token: string;
  /** The file it came from or went to; undefined when the config set it. */
  file: string | undefined;
  /** Made at this start (log it: the operator may be looking for it). */
  generated: boolean;
}

/** Daemon start: `admin.token` of the config, else the state directory's file, else a new one there. */
export function daemonAdminToken(configured: string | undefined, stateDir: string): DaemonAdminToken {
  if (configured !== undefined) return { token: configured, file: undefined, generated: false };
  const file = adminTokenPath(stateDir);
  const existing = readTokenFile(file);
  if (existing.kind === "token") return { token: existing.token, file, generated: false };
  if (existing.kind === "problem") throw new SimgateError(existing.problem, ErrorCode.DaemonCannotStart, { file });
  const token = randomBytes(32).toString("base64url");
  let created: boolean;
  try {
    created = createFile(file, `${token}\n`);
  } catch (err) {
    throw new SimgateError(`cannot write the admin token file ${file}: ${(err as Error).message}`, ErrorCode.DaemonCannotStart, { file });
  }
  if (created) return { token, file, generated: true };
  // Another process made it first: use theirs.
  const theirs = readTokenFile(file);
  if (theirs.kind === "token") return { token: theirs.token, file, generated: false };
  throw new SimgateError(theirs.kind === "missing" ? `${file} vanished while simgate created it` : theirs.problem, ErrorCode.DaemonCannotStart, { file });
}

export type TokenFileRead = { kind: "token"; token: string } | { kind: "missing" } | { kind: "unreadable"; problem: string } | { kind: "problem"; problem: string };

/**
 * What `file` holds. A file others may read is refused rather than used: the token in it
 * has leaked to every local user. Unreadable (EACCES) is its own kind: the CLI says "sudo?".
 */
export function readTokenFile(file: string): TokenFileRead {
  let text: string;
  try {
    const st = lstatSync(file);
    if (!st.isFile()) return { kind: "problem", problem: `${file} is not a regular file: remove it and restart simgate to generate a new admin token` };
    if ((st.mode & 0o007) !== 0) return { kind: "problem", problem: `${file} is readable or writable by every user (mode ${(st.mode & 0o777).toString(8)}): the admin token in it is not secret; delete it and restart simgate for a new one` };
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing" };
    if (code === "EACCES") return { kind: "unreadable", problem: `${file} is not readable by this user` };
    return { kind: "unreadable", problem: `cannot read ${file}: ${(err as Error).message}` };
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) return { kind: "problem", problem: `${file} does not hold an admin token (one line of ${MIN_TOKEN_LENGTH}+ characters): delete it and restart simgate to generate a new one` };
  return { kind: "token", token };
}

/** Create `file` with `content`, mode 0600; false when it exists already. Never a partial file under that name. */
function createFile(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true }); // left by a crash of an earlier process with this pid
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}
