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
 * - wal_autocheckpoint=WAL_CHECKPOINT_PAGES and journal_size_limit=WAL_LIMIT_BYTES: with
 *   SQLite's defaults the WAL grows to ~4 MB (1000 pages) before its first checkpoint and
 *   is never shrunk, which filled a 2 MB state disk in seconds. A checkpoint every 128
 *   pages costs one extra fsync per ~128 pages written; the limit truncates the WAL back
 *   after a checkpoint that let it grow past it (measured in docs/store.md).
 *
 * What is opened is identified first (store-identity.ts): an existing file that is not a
 * simgate store is refused and left untouched, and a new store is built under a temporary
 * name and renamed into place whole, so simgate.db is never an empty or half-made file.
 * The id floor beside it (id-floor.ts) is read before the database and applied after.
 */
import { accessSync, constants, mkdirSync, rmSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { ErrorCode, SimgateError } from "../errors.js";
import { fsyncPath, renameDurably } from "./durable-fs.js";
import { anyIssued, describeFloor, floorPath, higherFloor, highestIssued, IdFloorKeeper, raiseSequences, readIdFloor, writeIdFloor, ZERO_FLOOR, type IdFloor } from "./id-floor.js";
import { migrate, type Migration, MIGRATIONS } from "./migrations.js";
import { DB_FILE_NAME, dbPath, replaceRemedy } from "./paths.js";
import { identifyStore, inspectStatePath, refuseForeignWal, refuseUnopenable, stampStore } from "./store-identity.js";

export { DEFAULT_STATE_DIR, DB_FILE_NAME } from "./paths.js";

/** Checkpoint the WAL into simgate.db every this many pages (SQLite's default is 1000: ~4 MB). */
export const WAL_CHECKPOINT_PAGES = 128;
/** After a checkpoint, a WAL larger than this is truncated back to it. */
export const WAL_LIMIT_BYTES = 1024 * 1024;

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
  /** Keeps ids above the floor; settle it before closing `db`. */
  idFloor: IdFloorKeeper;
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
  // A full disk is not a permission problem: chown would not help, freeing space does.
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  if (code === "ENOSPC" || code === "EDQUOT" || code.startsWith("SQLITE_FULL")) {
    return new SimgateError(`${what}: no space left on the file system that holds it (${code})`, ErrorCode.StoreNoSpace, { path: what }, { cause: err });
  }
  return new SimgateError(`${what} is not writable by user ${currentUser()}: ${reason}`, ErrorCode.StoreNotWritable, { path: what }, { cause: err });
}

/** Create the state directory and prove we can write there before SQLite gets a say. */
function prepareDirectory(stateDir: string): void {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o750 });
    if (!statSync(stateDir).isDirectory()) throw new Error("not a directory");
    accessSync(stateDir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw notWritable(stateDir, err);
  }
}

/** An existing file we cannot write (copied in as another user) must fail here, not at the first SMS. */
function assertFileWritable(file: string): void {
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw notWritable(file, err);
  }
}

function storeMissing(file: string, stateDir: string, floor: IdFloor): SimgateError {
  return new SimgateError(
    `${file} is missing, but ${floorPath(stateDir)} shows this directory held a simgate store (${describeFloor(floor)}): ${replaceRemedy(stateDir)}`,
    ErrorCode.StoreMissing,
    { path: file, floor },
  );
}

/**
 * A new store, built complete under a temporary name and renamed into place: a crash
 * leaves either no simgate.db or a whole, stamped, migrated one — never an empty file the
 * next start would have to refuse. Returns the schema versions applied.
 */
export function createStoreFile(file: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const temp = `${file}.new`;
  for (const leftover of [temp, `${temp}-journal`]) rmSync(leftover, { force: true });
  const db = new Database(temp);
  let applied: number[];
  try {
    db.pragma("journal_mode = DELETE");
    applied = migrate(db, DB_FILE_NAME, migrations);
    stampStore(db);
  } finally {
    db.close();
  }
  fsyncPath(temp);
  renameDurably(temp, file);
  return applied;
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
  if (code.startsWith("SQLITE_FULL")) return notWritable(file, err);
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_PERM") || code.startsWith("SQLITE_AUTH")) {
    return notWritable(file, err);
  }
  // The file system refusing a side file (the id floor, a new store's first image).
  if (["EACCES", "EPERM", "EROFS", "ENOSPC", "EDQUOT", "EIO"].includes(code)) {
    return notWritable(String((err as { path?: unknown }).path ?? file), err);
  }
  return err;
}

function corrupt(file: string, reason: string, cause?: unknown): SimgateError {
  return new SimgateError(
    `${file} is damaged (${reason}): ${replaceRemedy(dirname(file))}`,
    ErrorCode.StoreCorrupt,
    { path: file },
    cause === undefined ? undefined : { cause },
  );
}

export function openDatabase(opts: OpenDatabaseOptions): OpenedDatabase {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  const { stateDir } = opts;
  const migrations = opts.migrations ?? MIGRATIONS;
  const file = dbPath(stateDir);
  prepareDirectory(stateDir);
  let db: Database.Database | undefined;
  try {
    // Before the database: a damaged floor must stop the start, and it tells a lost store from a new directory.
    const floorOnDisk = readIdFloor(stateDir);
    const kind = inspectStatePath(file);
    refuseForeignWal(file, kind, stateDir);
    let created: number[] = [];
    if (kind === "missing") {
      if (floorOnDisk !== undefined && anyIssued(floorOnDisk)) throw storeMissing(file, stateDir, floorOnDisk);
      created = createStoreFile(file, migrations);
    } else if (kind !== "file") {
      refuseUnopenable(kind, file, stateDir);
    } else {
      assertFileWritable(file);
    }
    db = new Database(file, { timeout: busyTimeoutMs, fileMustExist: true });
    db.pragma("locking_mode = EXCLUSIVE");
    // The first statements read the header and schema only: garbage fails here with
    // SQLITE_NOTADB, a foreign file is refused before anything is written to it.
    const identity = identifyStore(db, file, stateDir);
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (mode !== "wal") throw new Error(`journal_mode is ${String(mode)}, WAL was refused`);
    // Take the write lock now (and keep it, EXCLUSIVE mode): a second daemon fails here.
    db.exec("BEGIN IMMEDIATE; COMMIT");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    if (opts.check !== "none") {
      const rows = db.pragma(opts.check === "full" ? "integrity_check" : "quick_check") as Record<string, string>[];
      const problems = rows.map((r) => Object.values(r)[0]).filter((v) => v !== "ok");
      if (problems.length > 0) throw corrupt(file, `${opts.check === "full" ? "integrity_check" : "quick_check"}: ${problems.slice(0, 3).join("; ")}`);
    }
    const migrated = migrate(db, DB_FILE_NAME, migrations);
    if (identity === "legacy") stampStore(db);
    // Ids continue above both what this file issued and what the floor remembers (a restored older file).
    const floor = higherFloor(highestIssued(db), floorOnDisk ?? ZERO_FLOOR);
    raiseSequences(db, floor);
    writeIdFloor(stateDir, floor);
    const idFloor = new IdFloorKeeper(db, stateDir, floor);
    return { db, path: file, migrated: [...created, ...migrated], idFloor };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // Closing a half-opened handle can fail for the same reason the open did; the first error is the one to report.
    }
    throw classifyOpenError(err, file, busyTimeoutMs);
  }
}
