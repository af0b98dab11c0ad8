/**
 * The PUSH_SMS outbox (protocol doc §2.7, Q15): one row per (SMS, activation), retried
 * until Onlinesim accepts it or answers with a terminal error, across restarts.
 *
 * Delivery is at-least-once: a row is marked delivered only after the HTTP 200, so a crash
 * between the 200 and markDelivered resends it once after restart (Onlinesim sees the same
 * smsId). What can never happen is a resend AFTER markDelivered returned: delivered rows
 * leave `due()` for good, and no method clears delivered_at.
 */
import type Database from "better-sqlite3";
import type { EpochMs } from "../engine/persistence.js";

export interface OutboxItem {
  id: number;
  smsId: number;
  activationId: number;
  createdAt: EpochMs;
  attempts: number;
  nextTryAt: EpochMs;
  lastError: string | null;
  deliveredAt: EpochMs | null;
  gaveUpAt: EpochMs | null;
}

/** What a PUSH_SMS needs, joined from the SMS and its activation. */
export interface DueDelivery extends OutboxItem {
  /** The activation's number (E.164 digits without "+"): PUSH_SMS `phone`. */
  phone: string;
  /** PUSH_SMS `phoneFrom`. */
  sender: string;
  text: string;
  service: string;
}

interface OutboxRow {
  id: number;
  sms_id: number;
  activation_id: number;
  created_at: number;
  attempts: number;
  next_try_at: number;
  last_error: string | null;
  delivered_at: number | null;
  gave_up_at: number | null;
}

const toItem = (r: OutboxRow): OutboxItem => ({
  id: r.id,
  smsId: r.sms_id,
  activationId: r.activation_id,
  createdAt: r.created_at,
  attempts: r.attempts,
  nextTryAt: r.next_try_at,
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
  gaveUpAt: r.gave_up_at,
});

export class OutboxRepository {
  readonly #insert: Database.Statement;
  readonly #byPair: Database.Statement<[number, number], OutboxRow>;
  readonly #get: Database.Statement<[number], OutboxRow>;
  readonly #due: Database.Statement<[number, number], OutboxRow & { phone: string; sender: string; text: string; service: string }>;
  readonly #attempt: Database.Statement<[string, number, number]>;
  readonly #delivered: Database.Statement<[number, number]>;
  readonly #gaveUp: Database.Statement<[string, number, number]>;
  readonly #pending: Database.Statement<[], { n: number }>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(`
      INSERT OR IGNORE INTO outbox (sms_id, activation_id, created_at, next_try_at) VALUES (?, ?, ?, ?)`);
    this.#byPair = db.prepare("SELECT * FROM outbox WHERE sms_id = ? AND activation_id = ?");
    this.#get = db.prepare("SELECT * FROM outbox WHERE id = ?");
    this.#due = db.prepare(`
      SELECT o.*, a.number AS phone, s.sender AS sender, s.text AS text, a.service AS service
      FROM outbox o JOIN sms s ON s.id = o.sms_id JOIN activations a ON a.id = o.activation_id
      WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL AND o.next_try_at <= ?
      ORDER BY o.next_try_at, o.id LIMIT ?`);
    this.#attempt = db.prepare(`
      UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_try_at = ?
      WHERE id = ? AND delivered_at IS NULL AND gave_up_at IS NULL`);
    this.#delivered = db.prepare(`
      UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, last_error = NULL
      WHERE id = ? AND delivered_at IS NULL AND gave_up_at IS NULL`);
    this.#gaveUp = db.prepare(`
      UPDATE outbox SET attempts = attempts + 1, last_error = ?, gave_up_at = ?
      WHERE id = ? AND delivered_at IS NULL AND gave_up_at IS NULL`);
    this.#pending = db.prepare("SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL");
  }

  /**
   * Queue (smsId, activationId), due at once. Idempotent by the pair. No check that the
   * activation is open: the engine's attachSmsToActivation does that in its transaction.
   */
  enqueue(smsId: number, activationId: number, at: EpochMs): { item: OutboxItem; duplicate: boolean } {
    const info = this.#insert.run(smsId, activationId, at, at);
    const row = this.#byPair.get(smsId, activationId);
    if (!row) throw new Error("outbox: row missing right after insert");
    return { item: toItem(row), duplicate: info.changes === 0 };
  }

  get(id: number): OutboxItem | undefined {
    const row = this.#get.get(id);
    return row ? toItem(row) : undefined;
  }

  /** Deliveries whose next try is due at `now`, oldest first, with what PUSH_SMS sends. */
  due(now: EpochMs, limit = 100): DueDelivery[] {
    return this.#due.all(now, limit).map((r) => ({ ...toItem(r), phone: r.phone, sender: r.sender, text: r.text, service: r.service }));
  }

  /** A failed try (§2.7: not HTTP 200 → again after 10 s). False when the row is already settled. */
  markAttempt(id: number, error: string, nextTryAt: EpochMs): boolean {
    return this.#attempt.run(error, nextTryAt, id).changes === 1;
  }

  /** HTTP 200: never sent again. False when it was delivered (or given up) before. */
  markDelivered(id: number, at: EpochMs): boolean {
    return this.#delivered.run(at, id).changes === 1;
  }

  /** A terminal answer (NO_OPERATION, BAD_SERVICE, …, Q15): never sent again. */
  markGaveUp(id: number, error: string, at: EpochMs): boolean {
    return this.#gaveUp.run(error, at, id).changes === 1;
  }

  /** Rows still to deliver (for health reporting). */
  pendingCount(): number {
    return this.#pending.get()?.n ?? 0;
  }
}
