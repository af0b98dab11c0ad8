/**
 * Opening simgate.db: the only place that talks to the file system and sets pragmas.
 * Every failure a user can fix (permissions, a second daemon, a damaged or newer file)
 * becomes a SimgateError with a one-line message saying what to do; nothing else leaks a
 * raw SQLite error out of start-up.
 *
 * Pragmas, and why:
 * - journal_mode=WAL: readers never block the writer, and a commit is one append + fsync
 *   of the WAL instead of rewriting pages in place.
 * - synchronous=FULL: in WAL mode NORMAL survives a process crash but may lose the last
 *   commits on power loss or a kernel panic. Almost every write here is acknowledged to
 *   someone the moment it returns — an SMS part lets the modem delete its only copy, an
 *   activation id goes to Onlinesim, a close answers FINISH_ACTIVATION — so losing it is
 *   losing money or assigning a number twice. `synchronous` is per connection, not per
 *   table, and the few low-value writes (sims.last_seen, reassembly blobs) are rare, so
 *   the whole connection runs FULL. The price (one WAL fsync per commit) is in bench/store.ts.
 * - locking_mode=EXCLUSIVE: the first write lock is kept until close, so a second simgate
 *   on the same state directory fails at start with StoreLocked instead of running a
 *   second engine that could hand out a number twice. The OS drops the lock when the
 *   process dies (SIGKILL included), so a crash never leaves a stale lock behind. Side
 *   effect: no -shm file, and the sqlite3 shell cannot read the file while simgate runs.
 * - busy_timeout: how long start-up waits for someone else's lock before StoreLocked.
 * - foreign_keys=ON: an outbox row can only point at a stored SMS and a real activation.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { ErrorCode, SimgateError } from "../errors.js";
import { migrate, type Migration, MIGRATIONS } from "./migrations.js";

export const DEFAULT_STATE_DIR = "/var/lib/simgate";
export const DB_FILE_NAME = "simgate.db";

export interface OpenDatabaseOptions {
  /** Directory holding simgate.db; created (mode 0750) when missing. */
  stateDir: string;
  /** Start-up waits this long for another process's lock before StoreLocked. Default 5000. */
  busyTimeoutMs?: number;
  /** `quick_check` (default, reads every page once) or the slower full `integrity_check`. */
  check?: "quick" | "full" | "none";
  /** For tests only: a different migration list. */
  migrations?: readonly Migration[];
}

export interface OpenedDatabase {
  db: Database.Database;
  path: string;
  /** Schema versions applied by this open ([] when the file was current). */
  migrated: number[];
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}

function notWritable(what: string, err: unknown): SimgateError {
  const reason = err instanceof Error ? err.message : String(err);
  return new SimgateError(`${what} is not writable by user ${currentUser()}: ${reason}`, ErrorCode.StoreNotWritable, { path: what }, { cause: err });
}

/** Create the state directory and prove we can write there before SQLite gets a say. */
function prepareDirectory(stateDir: string, file: string): void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o750 });
    if (!statSync(stateDir).isDirectory()) throw new Error("not a directory");
    accessSync(stateDir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw notWritable(stateDir, err);
  }
  // An existing file we cannot write (copied in as another user) must fail here, not at the first SMS.
  if (existsSync(file)) {
    try {
      accessSync(file, constants.R_OK | constants.W_OK);
    } catch (err) {
      throw notWritable(file, err);
    }
  }
}

/** Turn a raw SQLite failure during start-up into the error a user can act on. */
export function classifyOpenError(err: unknown, file: string, busyTimeoutMs: number): unknown {
  if (err instanceof SimgateError) return err;
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  const reason = err instanceof Error ? err.message : String(err);
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new SimgateError(
      `${file} is locked by another process (a second simgate on the same state directory, or a sqlite3 shell holding a transaction); gave up after ${busyTimeoutMs} ms`,
      ErrorCode.StoreLocked,
      { path: file },
      { cause: err },
    );
  }
  if (code.startsWith("SQLITE_NOTADB") || code.startsWith("SQLITE_CORRUPT")) {
    return corrupt(file, reason, err);
  }
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_PERM") || code.startsWith("SQLITE_AUTH")) {
    return notWritable(file, err);
  }
  return err;
}

function corrupt(file: string, reason: string, cause?: unknown): SimgateError {
  return new SimgateError(
    `${file} is damaged (${reason}): restore a backup, or move it aside to start with an empty store (open activations and queued SMS in it are then lost)`,
    ErrorCode.StoreCorrupt,
    { path: file },
    cause === undefined ? undefined : { cause },
  );
}

export function openDatabase(opts: OpenDatabaseOptions): OpenedDatabase {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  const file = join(opts.stateDir, DB_FILE_NAME);
  prepareDirectory(opts.stateDir, file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
    db.pragma("locking_mode = EXCLUSIVE");
    // The first statement that reads the header: garbage fails here with SQLITE_NOTADB.
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`journal_mode is ${String(mode)}, WAL was refused`);
    // Take the write lock now (and keep it, EXCLUSIVE mode): a second daemon fails here.
    db.exec("BEGIN IMMEDIATE; COMMIT");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    if (opts.check !== "none") {
      const rows = db.pragma(opts.check === "full" ? "integrity_check" : "quick_check") as Record<string, string>[];
      const problems = rows.map((r) => Object.values(r)[0]).filter((v) => v !== "ok");
      if (problems.length > 0) throw corrupt(file, `${opts.check === "full" ? "integrity_check" : "quick_check"}: ${problems.slice(0, 3).join("; ")}`);
    }
    const migrated = migrate(db, DB_FILE_NAME, opts.migrations ?? MIGRATIONS);
    return { db, path: file, migrated };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // Closing a half-opened handle can fail for the same reason the open did; the first error is the one to report.
    }
    throw classifyOpenError(err, file, busyTimeoutMs);
  }
}
