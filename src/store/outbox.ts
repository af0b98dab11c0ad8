/**
 * The PUSH_SMS outbox (protocol doc §2.7, Q15): one row per (SMS, activation), retried
 * until Onlinesim accepts it or answers with a terminal error, across restarts.
 *
 * Delivery is at-least-once: a row is marked delivered only after the HTTP 200, so a crash
 * between the 200 and markDelivered resends it once after restart (Onlinesim sees the same
 * smsId). What can never happen is a resend AFTER markDelivered returned: delivered rows
 * leave `due()` for good, and no method clears delivered_at.
 *
 * For the sender (src/outbound/push-sms-sender.ts): due rows carry the activation's
 * closed_at (the give-up clock, Q15); `due`/`nextDueAfter`/`pendingCount` can be limited to
 * rent or non-rent rows (PUSH_SMS and PUSH_SMS (RENT) have separate URLs, either may be
 * unset); `oldestPendingAgeMs` is for metrics. All reads: the send path writes nothing
 * before Onlinesim answered.
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
  /** When the activation was closed (FINISH_ACTIVATION), null while open: the give-up clock (Q15). */
  closedAt: EpochMs | null;
}

/**
 * Which deliveries a query covers: PUSH_SMS and PUSH_SMS (RENT) go to different URLs
 * (§2.8), and one of them may be unconfigured while the other is not. `rent: true` =
 * activations whose service is "rent", `false` = all others, absent = every row.
 */
export interface DueFilter {
  rent?: boolean;
}

type DueRow = OutboxRow & { phone: string; sender: string; text: string; service: string; closed_at: number | null };

/** SQL condition per filter; the service name is compared case-insensitively. */
const RENT_CONDITION = { all: "1", rent: "lower(a.service) = 'rent'", other: "lower(a.service) <> 'rent'" } as const;
type FilterKey = keyof typeof RENT_CONDITION;
const filterKey = (f?: DueFilter): FilterKey => (f?.rent === undefined ? "all" : f.rent ? "rent" : "other");
const FILTER_KEYS: readonly FilterKey[] = ["all", "rent", "other"];

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
  readonly #due: Record<FilterKey, Database.Statement<[number, number], DueRow>>;
  readonly #nextDue: Record<FilterKey, Database.Statement<[number], { at: number | null }>>;
  readonly #pendingBy: Record<FilterKey, Database.Statement<[], { n: number }>>;
  readonly #oldest: Database.Statement<[], { at: number | null }>;
  readonly #attempt: Database.Statement<[string, number, number]>;
  readonly #delivered: Database.Statement<[number, number]>;
  readonly #gaveUp: Database.Statement<[string, number, number]>;
  readonly #pending: Database.Statement<[], { n: number }>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(`
      INSERT OR IGNORE INTO outbox (sms_id, activation_id, created_at, next_try_at) VALUES (?, ?, ?, ?)`);
    this.#byPair = db.prepare("SELECT * FROM outbox WHERE sms_id = ? AND activation_id = ?");
    this.#get = db.prepare("SELECT * FROM outbox WHERE id = ?");
    const pending = "o.delivered_at IS NULL AND o.gave_up_at IS NULL";
    const byFilter = <T>(make: (cond: string) => T) => Object.fromEntries(FILTER_KEYS.map((k) => [k, make(RENT_CONDITION[k])])) as Record<FilterKey, T>;
    this.#due = byFilter((cond) =>
      db.prepare(`
      SELECT o.*, a.number AS phone, s.sender AS sender, s.text AS text, a.service AS service, a.closed_at AS closed_at
      FROM outbox o JOIN sms s ON s.id = o.sms_id JOIN activations a ON a.id = o.activation_id
      WHERE ${pending} AND o.next_try_at <= ? AND ${cond}
      ORDER BY o.next_try_at, o.id LIMIT ?`),
    );
    this.#nextDue = byFilter((cond) =>
      db.prepare(`
      SELECT min(o.next_try_at) AS at FROM outbox o JOIN activations a ON a.id = o.activation_id
      WHERE ${pending} AND o.next_try_at > ? AND ${cond}`),
    );
    this.#pendingBy = byFilter((cond) => db.prepare(`SELECT count(*) AS n FROM outbox o JOIN activations a ON a.id = o.activation_id WHERE ${pending} AND ${cond}`));
    this.#oldest = db.prepare(`SELECT min(o.created_at) AS at FROM outbox o WHERE ${pending}`);
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
  due(now: EpochMs, limit = 100, filter?: DueFilter): DueDelivery[] {
    return this.#due[filterKey(filter)]
      .all(now, limit)
      .map((r) => ({ ...toItem(r), phone: r.phone, sender: r.sender, text: r.text, service: r.service, closedAt: r.closed_at }));
  }

  /**
   * The earliest next try strictly after `now`, or null. "After" on purpose: rows due
   * already are either in flight or waiting for a free slot, and a timer for them would spin.
   */
  nextDueAfter(now: EpochMs, filter?: DueFilter): EpochMs | null {
    return this.#nextDue[filterKey(filter)].get(now)?.at ?? null;
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

  /** Rows still to deliver (for health reporting), optionally only rent / only non-rent. */
  pendingCount(filter?: DueFilter): number {
    if (filter?.rent === undefined) return this.#pending.get()?.n ?? 0;
    return this.#pendingBy[filterKey(filter)].get()?.n ?? 0;
  }

  /** How long the oldest undelivered row has waited (metrics), null when none is pending. */
  oldestPendingAgeMs(now: EpochMs): number | null {
    const at = this.#oldest.get()?.at ?? null;
    return at === null ? null : Math.max(0, now - at);
  }
}
