/**
 * The durable store facade: `openStore({ stateDir })` opens (or creates and migrates)
 * <stateDir>/simgate.db and hands out the repositories that share its one connection.
 * One Store per process; a second process on the same directory gets StoreLocked.
 *
 * Everything is synchronous (better-sqlite3): a write method returns after its
 * transaction committed to disk, which is the moment it may be acknowledged to a modem
 * (delete the SMS) or to Onlinesim (activation id, FINISH success).
 */
import type Database from "better-sqlite3";
import type { ReceivedPart } from "../modem/sms-handoff.js";
import { DEFAULT_STATE_DIR, openDatabase, type OpenDatabaseOptions } from "./database.js";
import { SqliteEnginePersistence } from "./engine-persistence.js";
import { schemaVersion } from "./migrations.js";
import { OutboxRepository } from "./outbox.js";
import { ReassemblyStateRepository } from "./reassembly-state.js";
import { SimRepository } from "./sims.js";
import { SmsRepository } from "./sms.js";
import { V2MessageRepository } from "./v2-messages.js";

export { DEFAULT_STATE_DIR, DB_FILE_NAME } from "./database.js";
export { LATEST_SCHEMA_VERSION } from "./migrations.js";
export type { SimRecord } from "./sims.js";
export type { AcceptedPart, SmsRecord, StoredMessage, StoredPart } from "./sms.js";
export type { DueDelivery, DueFilter, OutboxItem } from "./outbox.js";
export type { V2MessageInput, V2MessageItem } from "./v2-messages.js";
export { SqliteEnginePersistence, SimRepository, SmsRepository, OutboxRepository, ReassemblyStateRepository, V2MessageRepository };
export { restoreAssembler, type RestoredAssembler } from "./sms-recovery.js";

export interface OpenStoreOptions extends Partial<OpenDatabaseOptions> {
  /** Default /var/lib/simgate (the CLI's --state-dir overrides it). */
  stateDir?: string;
  /** Time source for first/last-seen and blob timestamps (tests). */
  clock?: () => number;
}

export interface Store {
  readonly path: string;
  readonly schemaVersion: number;
  /** Schema versions this open applied. */
  readonly migrated: readonly number[];
  readonly sims: SimRepository;
  readonly sms: SmsRepository;
  readonly outbox: OutboxRepository;
  /** v2 addMessage(s) queue (§3.6, §3.7). */
  readonly v2Messages: V2MessageRepository;
  readonly reassembly: ReassemblyStateRepository;
  readonly engine: SqliteEnginePersistence;
  /** The SMS receiver's hand-off: store the part durably; resolving lets the modem delete it. */
  acceptPart(part: ReceivedPart): Promise<void>;
  /** The raw connection, for diagnostics and tests. */
  readonly db: Database.Database;
  readonly closed: boolean;
  /** Checkpoint the WAL and release the lock. Idempotent. */
  close(): void;
}

export function openStore(opts: OpenStoreOptions = {}): Store {
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const clock = opts.clock ?? Date.now;
  const { db, path, migrated, idFloor } = openDatabase({ ...opts, stateDir });
  const sms = new SmsRepository(db);
  let closed = false;
  return {
    path,
    schemaVersion: schemaVersion(db),
    migrated,
    sims: new SimRepository(db, clock),
    sms,
    outbox: new OutboxRepository(db),
    v2Messages: new V2MessageRepository(db),
    reassembly: new ReassemblyStateRepository(db, clock),
    engine: new SqliteEnginePersistence(db),
    // Synchronous underneath; a throw becomes a rejection, so the receiver keeps the SMS on the modem.
    acceptPart: async (part) => {
      sms.acceptPart(part);
    },
    db,
    get closed() {
      return closed;
    },
    close() {
      if (closed) return;
      closed = true;
      // Give back the unused part of the reserved id block: a clean restart continues at the next id.
      idFloor.settle(db);
      db.close();
    },
  };
}
