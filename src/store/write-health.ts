/**
 * Does the store's disk take writes? /readyz used to stay 200 while every write failed
 * (a full disk, an I/O error, a file system remounted read-only): the daemon kept selling
 * numbers it could not record. WriteHealth knows:
 *
 * - failing: the moment a real write fails for a reason of the disk (SQLITE_FULL,
 *   SQLITE_IOERR, read-only, ENOSPC from the id floor…). Constraint violations and other
 *   errors of the caller's own making say nothing about the disk and are ignored.
 * - writable again: the moment a real write commits again, or a probe write succeeds. The
 *   probe (one row with a 16 KiB blob rewritten in the store_probe table, a real commit
 *   through the WAL and fsync) runs every few seconds only while writes are failing, so a
 *   daemon with nothing to write still recovers once space is freed.
 *
 * A write "commits" when it changed rows outside a transaction, or when the outermost
 * transaction in which it changed rows returns: a statement that succeeds inside a
 * transaction whose COMMIT then fails must not count.
 */
import type Database from "better-sqlite3";
import { ErrorCode, isSimgateError } from "../errors.js";

export type WriteHealthState = { writable: true } | { writable: false; reason: string; since: number };

const SQLITE_DISK_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM)/;
const ERRNO_DISK_CODES = new Set(["ENOSPC", "EDQUOT", "EIO", "EROFS", "EACCES", "EPERM"]);

/** A failure of the disk or file system, as opposed to one of the statement's own making. */
export function isWriteFailure(err: unknown): boolean {
  if (isSimgateError(err, ErrorCode.StoreNotWritable)) return true;
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  return SQLITE_DISK_CODES.test(code) || ERRNO_DISK_CODES.has(code);
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message.replace(/ \(SG\d+\)$/, "") : String(err);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

export interface WriteHealthOptions {
  /** One real write; throws when the disk refuses it. */
  probe: () => void;
  probeEveryMs: number;
  clock: () => number;
  /** Called once per transition (failing, writable again), never per write. */
  onChange: (state: WriteHealthState, previous: WriteHealthState) => void;
}

export class WriteHealth {
  #state: WriteHealthState = { writable: true };
  #probeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: WriteHealthOptions) {}

  get state(): WriteHealthState {
    return this.#state;
  }

  failed(err: unknown): void {
    if (!this.#state.writable) {
      this.#state = { ...this.#state, reason: reasonOf(err) };
      return;
    }
    this.#set({ writable: false, reason: reasonOf(err), since: this.o.clock() });
    this.#probeTimer = setInterval(() => this.#probe(), this.o.probeEveryMs);
    this.#probeTimer.unref();
  }

  succeeded(): void {
    if (this.#state.writable) return;
    this.#stopProbing();
    this.#set({ writable: true });
  }

  close(): void {
    this.#stopProbing();
  }

  #probe(): void {
    try {
      this.o.probe();
    } catch (err) {
      // Still failing (the reason may have changed: read-only → full); anything else is not the disk's answer.
      if (isWriteFailure(err)) this.failed(err);
      return;
    }
    this.succeeded();
  }

  #stopProbing(): void {
    clearInterval(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  #set(next: WriteHealthState): void {
    const previous = this.#state;
    this.#state = next;
    this.o.onChange(next, previous);
  }
}

type Transaction = Database.Transaction<(...args: unknown[]) => unknown>;
const TX_VARIANTS = ["default", "deferred", "immediate", "exclusive"] as const;

/**
 * Route the outcome of every write on `db` to `health`. Must run before the repositories
 * prepare their statements: it wraps `prepare` (the `run` of each writing statement) and
 * `transaction` (each variant of the returned function).
 */
export function watchWrites(db: Database.Database, health: WriteHealth): void {
  /** Rows changed inside the current outermost transaction: its commit is a real write. */
  let changedInTransaction = false;
  const observe = <T>(op: () => T, changed: (result: T) => boolean): T => {
    let result: T;
    try {
      result = op();
    } catch (err) {
      if (isWriteFailure(err)) health.failed(err);
      if (!db.inTransaction) changedInTransaction = false;
      throw err;
    }
    if (changed(result)) changedInTransaction = true;
    if (!db.inTransaction) {
      if (changedInTransaction) health.succeeded();
      changedInTransaction = false;
    }
    return result;
  };

  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    if (!stmt.reader) {
      const run = stmt.run.bind(stmt);
      stmt.run = ((...args: unknown[]) => observe(() => run(...(args as [])), (r) => r.changes > 0)) as typeof stmt.run;
    }
    return stmt;
  }) as typeof db.prepare;

  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const tx = transaction(fn) as Transaction;
    const wrap = (variant: (...args: unknown[]) => unknown) => (...args: unknown[]) => observe(() => variant(...args), () => false);
    const wrapped = wrap(tx) as Transaction;
    for (const v of TX_VARIANTS) Object.defineProperty(wrapped, v, { value: wrap(tx[v]) });
    Object.defineProperty(wrapped, "database", { value: db });
    return wrapped;
  }) as typeof db.transaction;
}
