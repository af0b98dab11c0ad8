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
import type { Logger } from "../log/logger.js";
import type { ReceivedPart } from "../sms/index.js";
import { backupDatabase, type BackupReport } from "./backup.js";
import { DEFAULT_STATE_DIR, openDatabase, type OpenDatabaseOptions } from "./database.js";
import { diskSpace, LowSpaceWatch, type DiskSpace } from "./disk-space.js";
import { schemaVersion } from "./migrations.js";
import { OutboxRepository } from "./outbox.js";
import { ReassemblyStateRepository } from "./reassembly-state.js";
import { SqliteSalesLedger } from "./sales-ledger.js";
import { SimRepository } from "./sims.js";
import { SmsRepository } from "./sms.js";
import { V2MessageRepository } from "./v2-messages.js";
import { watchWrites, WriteHealth, type WriteHealthState } from "./write-health.js";

export { DEFAULT_STATE_DIR, DB_FILE_NAME } from "./database.js";
export { LATEST_SCHEMA_VERSION } from "./migrations.js";
export type { SimRecord } from "./sims.js";
export type { AcceptedPart, SmsRecord, StoredMessage, StoredPart } from "./sms.js";
export type { DueDelivery, DueFilter, OutboxItem } from "./outbox.js";
export { marketOutboxOf, type MarketOutboxRow, type MarketOutboxView } from "./market-outbox.js";
export type { V2MessageInput, V2MessageItem } from "./v2-messages.js";
export { SqliteSalesLedger, SimRepository, SmsRepository, OutboxRepository, ReassemblyStateRepository, V2MessageRepository };
export { restoreAssembler, type RestoredAssembler } from "./sms-recovery.js";
export type { BackupReport } from "./backup.js";
export type { DiskSpace } from "./disk-space.js";
export type { WriteHealthState } from "./write-health.js";
export type { StoreSummary } from "./store-summary.js";

/** Below this much free space in the state directory, one warning is logged (config store.lowSpaceWarnBytes). */
export const DEFAULT_LOW_SPACE_WARN_BYTES = 64 * 1024 * 1024;

export interface OpenStoreOptions extends Partial<OpenDatabaseOptions> {
  /** Default /var/lib/simgate (the CLI's --state-dir overrides it). */
  stateDir?: string;
  /** Time source for first/last-seen and blob timestamps (tests). */
  clock?: () => number;
  /** Where write failures, their recovery and low disk space are reported (the daemon's logger). */
  logger?: Logger;
  /** Warn once when the state directory's free space falls below this. Default DEFAULT_LOW_SPACE_WARN_BYTES. */
  lowSpaceWarnBytes?: number;
  /** How often the free space is sampled. Default 10 s. */
  diskCheckEveryMs?: number;
  /** While writes fail, how often a probe write checks whether they work again. Default 2 s. */
  writeProbeEveryMs?: number;
}

export interface Store {
  readonly path: string;
  readonly stateDir: string;
  readonly schemaVersion: number;
  /** Schema versions this open applied. */
  readonly migrated: readonly number[];
  readonly sims: SimRepository;
  readonly sms: SmsRepository;
  readonly outbox: OutboxRepository;
  /** v2 addMessage(s) queue (docs/protocols/onlinesim-v2.md#addmessage, docs/protocols/onlinesim-v2.md#addmessages). */
  readonly v2Messages: V2MessageRepository;
  readonly reassembly: ReassemblyStateRepository;
  /** The sales core's ledger port (src/sales/ledger.ts): reservations of every marketplace, burns, earnings. */
  readonly sales: SqliteSalesLedger;
  /** The SMS receiver's hand-off: store the part durably; resolving lets the modem delete it. */
  acceptPart(part: ReceivedPart): Promise<void>;
  /** Whether writes reach the disk now; /readyz answers 503 with the reason while they do not. */
  writeHealth(): WriteHealthState;
  /** Free space in the state directory now (statfs), for /metrics. */
  diskSpace(): DiskSpace | undefined;
  /** An online, consistent copy at `destination` (which the caller checked: see checkBackupDestination); verified unless `verify: false`. */
  backup(destination: string, opts?: { verify: boolean }): Promise<BackupReport>;
  /** The raw connection, for diagnostics and tests. */
  readonly db: Database.Database;
  readonly closed: boolean;
  /** Checkpoint the WAL and release the lock. Idempotent. */
  close(): void;
}

export function openStore(opts: OpenStoreOptions = {}): Store {
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  const clock = opts.clock ?? Date.now;
  const log = opts.logger;
  const { db, path, migrated, idFloor } = openDatabase({ ...opts, stateDir });
  const space = new LowSpaceWatch({
    dir: stateDir,
    thresholdBytes: opts.lowSpaceWarnBytes ?? DEFAULT_LOW_SPACE_WARN_BYTES,
    everyMs: opts.diskCheckEveryMs ?? 10_000,
    onLow: (s) => log?.warn({ event: "store-low-space", dir: stateDir, freeBytes: s.freeBytes, totalBytes: s.totalBytes }, `state directory ${stateDir} is low on space: ${mib(s.freeBytes)} free of ${mib(s.totalBytes)}`),
    onRecovered: (s) => log?.info({ event: "store-space-ok", dir: stateDir, freeBytes: s.freeBytes }, `state directory ${stateDir} has ${mib(s.freeBytes)} free again`),
  });
  const probe = db.prepare("INSERT INTO store_probe (id, probed_at, pad) VALUES (1, ?, zeroblob(16384)) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at, pad = excluded.pad");
  const health = new WriteHealth({
    probe: () => void probe.run(clock()),
    probeEveryMs: opts.writeProbeEveryMs ?? 2_000,
    clock,
    onChange: (now) => {
      if (now.writable) log?.info({ event: "store-writable" }, "state database writes succeed again");
      else {
        space.check();
        log?.error({ event: "store-write-failing", reason: now.reason }, `state database writes are failing: ${now.reason}`);
      }
    },
  });
  // Before any repository prepares a statement: every write's outcome goes to `health`.
  watchWrites(db, health);
  const sms = new SmsRepository(db);
  let closed = false;
  return {
    path,
    stateDir,
    schemaVersion: schemaVersion(db),
    migrated,
    sims: new SimRepository(db, clock),
    sms,
    outbox: new OutboxRepository(db),
    v2Messages: new V2MessageRepository(db),
    reassembly: new ReassemblyStateRepository(db, clock),
    sales: new SqliteSalesLedger(db),
    // Synchronous underneath; a throw becomes a rejection, so the receiver keeps the SMS on the modem.
    acceptPart: async (part) => {
      sms.acceptPart(part);
    },
    writeHealth: () => health.state,
    diskSpace: () => diskSpace(stateDir),
    backup: (destination, backupOpts) => backupDatabase(db, destination, backupOpts),
    db,
    get closed() {
      return closed;
    },
    close() {
      if (closed) return;
      closed = true;
      health.close();
      space.close();
      // Give back the unused part of the reserved id block: a clean restart continues at the next id.
      idFloor.settle(db);
      db.close();
    },
  };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
