/**
 * Is the thing at <stateDir>/simgate.db a simgate store? SQLite answers "yes, a new
 * database" for an empty file, so a truncated simgate.db used to start as a fresh store
 * and offer numbers still sold in open operations. Here every state file that exists is
 * identified before anything is written to it:
 *
 * - simgate stamps `PRAGMA application_id` = SIMGATE_APPLICATION_ID (0x53474442, ASCII
 *   "SGDB") on every store it creates. The header field exists for exactly this: telling
 *   one application's SQLite files from another's.
 * - Stores from before the stamp (application_id 0) are recognised by their schema
 *   (user_version ≥ 1 and simgate's core tables) and stamped on open.
 * - Anything else that exists — zero bytes, a directory, another program's SQLite file,
 *   a SQLite file without simgate's schema — is refused with one line and left as it was.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import type Database from "better-sqlite3";
import { ErrorCode, SimgateError } from "../errors.js";
import { replaceRemedy } from "./paths.js";

export const SIMGATE_APPLICATION_ID = 0x53474442;

/** Tables every simgate schema since version 1 has. */
const CORE_TABLES = ["activations", "outbox", "sims", "sms", "sms_parts"];

/** What is at the database path, before SQLite opens it. */
export type StatePathKind = "missing" | "empty" | "directory" | "not-a-file" | "file";

export function inspectStatePath(file: string): StatePathKind {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw err;
  }
  if (st.isDirectory()) return "directory";
  if (!st.isFile()) return "not-a-file";
  return st.size === 0 ? "empty" : "file";
}

function notAStore(file: string, what: string, stateDir: string): SimgateError {
  return new SimgateError(`${file} ${what}, not a simgate store: ${replaceRemedy(stateDir)}`, ErrorCode.StoreNotAStore, { path: file });
}

/** Refuse what must not be opened by SQLite at all (it would make a new database of it, or fail with a misleading reason). */
export function refuseUnopenable(kind: Exclude<StatePathKind, "missing" | "file">, file: string, stateDir: string): never {
  const what = { empty: "is empty (0 bytes)", directory: "is a directory", "not-a-file": "is not a regular file" }[kind];
  throw notAStore(file, what, stateDir);
}

/** Bytes in `path`, 0 when it does not exist. */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The header says rollback-journal mode (file format versions 1, not 2 = WAL). Garbage: false (SQLite reports it). */
function inRollbackMode(file: string): boolean {
  const header = Buffer.alloc(20);
  const fd = openSync(file, "r");
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  return header.toString("latin1", 0, 16) === "SQLite format 3\0" && header[18] === 1 && header[19] === 1;
}

/**
 * A simgate.db-wal that cannot belong to the simgate.db beside it. SQLite applies a WAL
 * to whatever file carries its name (nothing in the WAL names its database), so a WAL
 * left behind by a crashed store would be replayed into a new store, or into a restored
 * backup (whose rollback-journal header shows it never had a WAL).
 */
export function refuseForeignWal(file: string, kind: StatePathKind, stateDir: string): void {
  const wal = `${file}-wal`;
  if (sizeOf(wal) === 0) return;
  if (kind === "missing") {
    throw new SimgateError(`${file} is missing but ${wal} remains (the last writes of a store): ${replaceRemedy(stateDir)}`, ErrorCode.StoreMissing, { path: file });
  }
  if (kind === "file" && inRollbackMode(file)) {
    throw new SimgateError(
      `${wal} does not belong to ${file} (a file in rollback-journal mode, such as a restored backup, has no write-ahead log, and SQLite would replay this one into it): move ${wal} aside and start again`,
      ErrorCode.StoreForeignWal,
      { path: wal },
    );
  }
}

/** "current": stamped by simgate. "legacy": simgate's schema from before the stamp (stamp it). */
export type StoreIdentity = "current" | "legacy";

/**
 * Identify an opened, existing file by reading its header and schema only (no write: a
 * foreign file must stay exactly as it was). Garbage fails the first read with
 * SQLITE_NOTADB, which the caller reports as damaged.
 */
export function identifyStore(db: Database.Database, file: string, stateDir: string): StoreIdentity {
  const appId = db.pragma("application_id", { simple: true }) as number;
  if (appId === SIMGATE_APPLICATION_ID) return "current";
  if (appId !== 0) {
    const hex = `0x${(appId >>> 0).toString(16).padStart(8, "0")}`;
    throw notAStore(file, `is a SQLite database of another application (application_id ${hex})`, stateDir);
  }
  const version = db.pragma("user_version", { simple: true }) as number;
  const tables = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[]);
  if (version >= 1 && CORE_TABLES.every((t) => tables.has(t))) return "legacy";
  throw notAStore(file, "is a SQLite database without simgate's schema", stateDir);
}

/** Mark the file as simgate's. A header write; it commits with the caller's transaction or on its own. */
export function stampStore(db: Database.Database): void {
  // PRAGMA takes no bound parameters; the value is our own integer constant.
  db.pragma(`application_id = ${SIMGATE_APPLICATION_ID}`);
}
