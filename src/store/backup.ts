/**
 * `simgate store backup FILE`: an online, consistent copy of simgate.db through SQLite's
 * backup API, on the connection that holds the store. The daemon keeps simgate.db locked
 * (locking_mode=EXCLUSIVE), so while it runs only the daemon can read it: the admin API
 * asks it to write the copy into <stateDir>/backup-staging/ (the one place the service
 * may write under systemd's ProtectSystem=strict), and the CLI moves it to FILE. With no
 * daemon the CLI opens the store and copies it itself.
 *
 * Consistency: writes on the same connection while the backup runs are carried into the
 * copy by SQLite, so the copy is the store as of the backup's last step, whole. The copy
 * is then made self-contained (rollback journal mode, no -wal file to forget when it is
 * copied around) and verified: simgate's application id and a clean quick_check, or the
 * backup fails. Everything is written under a `.partial` name, fsynced and renamed.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { ErrorCode, SimgateError } from "../errors.js";
import { fsyncPath, renameDurably } from "./durable-fs.js";
import { floorPath } from "./id-floor.js";
import { DB_COMPANION_SUFFIXES, dbPath } from "./paths.js";
import { SIMGATE_APPLICATION_ID } from "./store-identity.js";
import { summarise, type StoreSummary } from "./store-summary.js";

export interface BackupReport {
  file: string;
  bytes: number;
  ms: number;
  /** What the copy holds; absent when the copy was not verified here (the daemon leaves that to the CLI). */
  summary?: StoreSummary;
}

/** Where the daemon stages copies for the CLI; under the state directory, never next to simgate.db's own names. */
export const backupStagingDir = (stateDir: string): string => join(stateDir, "backup-staging");
/** Staged copies older than this are left-overs of a CLI that died before collecting them. */
const STAGED_MAX_AGE_MS = 60 * 60_000;

function failed(message: string, cause?: unknown): SimgateError {
  return new SimgateError(message, ErrorCode.StoreBackupFailed, {}, cause === undefined ? undefined : { cause });
}

/**
 * Refuse a destination that would overwrite the live store or its side files, or an
 * existing file unless `overwrite`.
 */
export function checkBackupDestination(destination: string, stateDir: string, overwrite: boolean): void {
  const dest = resolve(destination);
  const live = resolve(dbPath(stateDir));
  const own = [live, ...DB_COMPANION_SUFFIXES.map((s) => live + s), resolve(floorPath(stateDir))];
  if (own.includes(dest)) throw failed(`${destination} is the live store's own file: choose a path outside ${live}'s names`);
  if (existsSync(dest) && !overwrite) throw failed(`${destination} exists: choose a new name, or pass --overwrite to replace it`);
}

/** Check that `file` is a whole simgate store and say what it holds. Read-only. */
export function verifyBackup(file: string): StoreSummary {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const appId = db.pragma("application_id", { simple: true });
    if (appId !== SIMGATE_APPLICATION_ID) throw failed(`${file} is not a simgate store (application_id ${String(appId)})`);
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw failed(`${file} fails its quick_check: ${String(check)}`);
    return summarise(db);
  } catch (err) {
    if (err instanceof SimgateError) throw err;
    throw failed(`${file} cannot be read back: ${(err as Error).message}`, err);
  } finally {
    db?.close();
  }
}

/**
 * Copy the store open on `db` to `destination` (replacing it if present: check first).
 * `verify: false` skips reading the copy back: the daemon passes it, because quick_check
 * reads every page synchronously and would stall its event loop on a large store; the
 * CLI verifies the copy when it collects it.
 */
export async function backupDatabase(db: Database.Database, destination: string, opts: { verify: boolean } = { verify: true }): Promise<BackupReport> {
  const started = Date.now();
  const partial = `${destination}.partial`;
  rmSync(partial, { force: true });
  try {
    await db.backup(partial);
    // Self-contained: the copy has no -wal of its own to lose when it is moved or copied.
    const copy = new Database(partial);
    try {
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
    const summary = opts.verify ? verifyBackup(partial) : undefined;
    fsyncPath(partial);
    renameDurably(partial, destination);
    return { file: destination, bytes: statSync(destination).size, ms: Date.now() - started, ...(summary ? { summary } : {}) };
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof SimgateError) throw err;
    throw failed(`backup to ${destination} failed: ${(err as Error).message}`, err);
  }
}

/** A fresh staging path for the daemon's copy; removes staged copies nobody collected. */
export function stagingFile(stateDir: string, now = Date.now()): string {
  const dir = backupStagingDir(stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      if (now - statSync(p).mtimeMs > STAGED_MAX_AGE_MS) rmSync(p, { force: true });
    } catch {
      // Gone meanwhile (its CLI collected it): nothing to clean.
    }
  }
  return join(dir, `simgate-${new Date(now).toISOString().replace(/[-:.]/g, "")}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.db`);
}

/** Move a staged copy to where the operator asked, durably; verified again at its new place. */
export function collectStaged(staged: string, destination: string): { bytes: number; summary: StoreSummary } {
  const partial = `${destination}.partial`;
  try {
    copyFileSync(staged, partial);
    fsyncPath(partial);
    const summary = verifyBackup(partial);
    renameDurably(partial, destination);
    rmSync(staged, { force: true });
    return { bytes: statSync(destination).size, summary };
  } catch (err) {
    rmSync(partial, { force: true });
    if (err instanceof SimgateError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === "EACCES" || code === "EPERM" ? " (the state directory belongs to the service's user: run with sudo)" : "";
    throw failed(`cannot copy the daemon's backup ${staged} to ${destination}: ${(err as Error).message}${hint}`, err);
  }
}
