/**
 * Versioned schema migrations, tracked in `PRAGMA user_version` (a header field, so it is
 * readable even before any table exists and changes atomically with the migration's
 * transaction). Migration N takes the file from version N-1 to N. A file whose version is
 * above the newest one this build knows is refused: an older simgate must not write rows
 * a newer schema gives other meanings to.
 */
import type Database from "better-sqlite3";
import { ErrorCode, SimgateError } from "../errors.js";
import { SCHEMA_001 } from "./schema/001-initial.js";
import { SCHEMA_002_V2_MESSAGES } from "./v2-messages.js";
import { SCHEMA_003_ID_FLOOR } from "./schema/003-id-floor.js";
import { SCHEMA_005_RELEASE } from "./schema/005-release.js";
import { SCHEMA_006_SALES_LEDGER } from "./schema/006-sales-ledger.js";
import { SCHEMA_007_REFUND_AFTER_SALE } from "./schema/007-refund-after-sale.js";
import { migrateOutboxAttempts } from "./outbox.js";

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "initial", up: (db) => db.exec(SCHEMA_001) },
  // The v2 addMessage(s) queue; its SQL lives beside its repository (v2-messages.ts).
  { version: 2, name: "v2-messages", up: (db) => db.exec(SCHEMA_002_V2_MESSAGES) },
  // The id floor's triggers and the write-health probe's table (issue 12).
  { version: 3, name: "id-floor", up: (db) => db.exec(SCHEMA_003_ID_FLOOR) },
  // The PUSH_SMS attempt in flight (crash-safe resend), per-activation order, error texts scrubbed (outbox.ts).
  { version: 4, name: "outbox-attempts", up: migrateOutboxAttempts },
  // How an activation's number was freed (FINISH, operator, undelivered answer, overdue release).
  { version: 5, name: "activation-release", up: (db) => db.exec(SCHEMA_005_RELEASE) },
  // The buyer of each activation, neutral outcomes, burns per marketplace (the sales ledger, issue 15).
  { version: 6, name: "sales-ledger", up: (db) => db.exec(SCHEMA_006_SALES_LEDGER) },
  // A sale refunded later: still sold (the burn stands), no longer earned.
  { version: 7, name: "refund-after-sale", up: (db) => db.exec(SCHEMA_007_REFUND_AFTER_SALE) },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/** Throws StoreNewerVersion when the file is ahead of this build. */
export function assertKnownVersion(db: Database.Database, fileName: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = schemaVersion(db);
  const known = migrations.length;
  if (current > known) {
    throw new SimgateError(
      `${fileName} was written by a newer simgate (schema ${current}, this build knows ${known}): upgrade simgate or restore a backup`,
      ErrorCode.StoreNewerVersion,
      { schema: current, known },
    );
  }
  return current;
}

/**
 * Bring the file to the newest version. Each migration runs in its own IMMEDIATE
 * transaction together with its user_version bump, so a crash mid-way leaves the file at
 * the previous version and the next start simply runs that migration again.
 * Returns the versions applied.
 */
export function migrate(db: Database.Database, fileName: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const applied: number[] = [];
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is not 1..n in order (found ${m.version} at position ${i + 1})`);
  });
  const current = assertKnownVersion(db, fileName, migrations);
  for (const m of migrations.slice(current)) {
    const run = db.transaction(() => {
      m.up(db);
      // PRAGMA takes no bound parameters; the version is our own integer constant.
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      run.immediate();
    } catch (err) {
      if (err instanceof SimgateError) throw err;
      const code = (err as { code?: unknown }).code;
      // Lock and I/O errors are classified by the caller; a failing migration is ours.
      if (typeof code === "string" && /^SQLITE_(BUSY|LOCKED|READONLY|CANTOPEN|IOERR|FULL|CORRUPT|NOTADB)/.test(code)) throw err;
      throw new SimgateError(`${fileName}: schema migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, ErrorCode.StoreMigrationFailed, { version: m.version }, { cause: err });
    }
    applied.push(m.version);
  }
  return applied;
}
