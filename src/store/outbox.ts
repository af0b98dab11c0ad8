/**
 * The PUSH_SMS outbox (docs/protocols/onlinesim-v1.md#push_sms, Q15): one row per (SMS, activation), retried
 * until Onlinesim accepts it or answers with a terminal error, across restarts.
 *
 * Delivery is at-least-once: a row is marked delivered only after the HTTP 200, so a crash
 * between the 200 and markDelivered resends it once after restart (Onlinesim sees the same
 * smsId). What can never happen is a resend AFTER markDelivered returned: delivered rows
 * leave `due()` for good, and no method clears delivered_at.
 *
 * Every attempt is recorded BEFORE its request leaves (`markSending`: `sending_since` set and
 * the attempt counted, committed), and its outcome clears `sending_since`. So after a crash
 * the rows that may have reached Onlinesim unrecorded are exactly those with `sending_since`
 * set (`inFlightAtStart`): only they can be duplicated, and the sender resends them one at
 * a time before anything else.
 *
 * For the sender (src/outbound/push-sms-sender.ts): rows carry the activation's closed_at
 * (the give-up clock, Q15); `nextToSend` gives the oldest due row of each activation, oldest
 * first (one SMS per number at a time keeps each buyer's SMS in order); queries can be
 * limited to rent or non-rent rows (PUSH_SMS and PUSH_SMS (RENT) have separate URLs, either
 * may be unset) and to one marketplace's reservations (the ledger writes rows for every
 * marketplace's buyer, issue 15: each sender reads only its own); `oldestPendingAgeMs` is
 * for metrics.
 */
import type Database from "better-sqlite3";
import type { EpochMs } from "../sales/types.js";
import { secretScrubber } from "../log/secrets.js";

/**
 * Schema 4 (migrations.ts): the attempt in flight, the per-activation queue order, and a
 * scrub of the error texts older versions wrote (an answer that echoed our request kept
 * the partner key in `last_error`). Only the field rules apply here, the migration does
 * not know the key: `"key":"…"`, `key=…`, `Authorization: Bearer …`.
 */
export function migrateOutboxAttempts(db: Database.Database): void {
  db.exec(`
    -- When the attempt now in flight was sent (committed before the request left); NULL when none is.
    ALTER TABLE outbox ADD COLUMN sending_since INTEGER;
    CREATE INDEX outbox_pending_by_activation ON outbox(activation_id, id) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
  `);
  const scrub = secretScrubber([]);
  db.function("simgate_scrub_fields", { deterministic: true }, (text: unknown) => (typeof text === "string" ? scrub(text) : text));
  db.exec(`
    UPDATE outbox SET last_error = simgate_scrub_fields(last_error) WHERE last_error IS NOT NULL;
    UPDATE v2_messages SET last_error = simgate_scrub_fields(last_error) WHERE last_error IS NOT NULL;
  `);
}

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
  /** When the attempt in flight left (or was about to), null when none is: set at a crash = maybe seen by Onlinesim. */
  sendingSince: EpochMs | null;
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
 * (docs/protocols/onlinesim-v1.md#push_sms-rent), and one of them may be unconfigured while the other is not. `rent: true` =
 * activations whose service is "rent", `false` = all others, absent = every row.
 * `market`: only rows whose activation belongs to that marketplace (`activations.market`);
 * absent = every marketplace. The condition is in the SQL, so another marketplace's rows
 * are never read, never counted and never hold up this one's due order.
 */
export interface DueFilter {
  rent?: boolean;
  market?: string;
}

type DueRow = OutboxRow & { phone: string; sender: string; text: string; service: string; closed_at: number | null };

/** SQL condition per filter; the service name is compared case-insensitively. */
const RENT_CONDITION = { all: "1", rent: "lower(a.service) = 'rent'", other: "lower(a.service) <> 'rent'" } as const;
type RentKey = keyof typeof RENT_CONDITION;
const rentKey = (f?: DueFilter): RentKey => (f?.rent === undefined ? "all" : f.rent ? "rent" : "other");
/** The market is bound (`@market`), never spliced into the SQL. */
const MARKET_CONDITION = "a.market = @market";

/** The WHERE condition of a filter, and the key its prepared statement is cached under. */
function filterCondition(f?: DueFilter): { key: string; cond: string } {
  const rent = rentKey(f);
  return f?.market === undefined ? { key: rent, cond: RENT_CONDITION[rent] } : { key: `${rent}+market`, cond: `${RENT_CONDITION[rent]} AND ${MARKET_CONDITION}` };
}

/** One statement per filter shape (at most six), prepared on first use. */
class FilteredStatements<P extends object, R> {
  readonly #byKey = new Map<string, Database.Statement<[P & { market: string | null }], R>>();
  constructor(
    private readonly db: Database.Database,
    private readonly sql: (cond: string) => string,
  ) {}
  get(filter: DueFilter | undefined): { stmt: Database.Statement<[P & { market: string | null }], R>; market: string | null } {
    const { key, cond } = filterCondition(filter);
    let stmt = this.#byKey.get(key);
    if (!stmt) {
      stmt = this.db.prepare<[P & { market: string | null }], R>(this.sql(cond));
      this.#byKey.set(key, stmt);
    }
    return { stmt, market: filter?.market ?? null };
  }
  all(filter: DueFilter | undefined, params: P): R[] {
    const { stmt, market } = this.get(filter);
    return stmt.all({ ...params, market });
  }
  one(filter: DueFilter | undefined, params: P): R | undefined {
    const { stmt, market } = this.get(filter);
    return stmt.get({ ...params, market });
  }
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
  sending_since: number | null;
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
  sendingSince: r.sending_since,
});

const toDelivery = (r: DueRow): DueDelivery => ({ ...toItem(r), phone: r.phone, sender: r.sender, text: r.text, service: r.service, closedAt: r.closed_at });

/** An outcome counts the attempt unless markSending counted it already (old rows, tests). */
const COUNT_ATTEMPT = "attempts = attempts + (sending_since IS NULL), sending_since = NULL";

export class OutboxRepository {
  readonly #insert: Database.Statement;
  readonly #byPair: Database.Statement<[number, number], OutboxRow>;
  readonly #get: Database.Statement<[number], OutboxRow>;
  readonly #due: FilteredStatements<{ now: number; limit: number }, DueRow>;
  readonly #heads: FilteredStatements<{ now: number; limit: number }, DueRow>;
  readonly #inFlight: FilteredStatements<object, DueRow>;
  readonly #pendingById: FilteredStatements<{ id: number }, DueRow>;
  readonly #markSending: (ids: readonly number[], at: EpochMs) => number;
  readonly #nextDue: FilteredStatements<{ now: number }, { at: number | null }>;
  readonly #pendingBy: FilteredStatements<object, { n: number }>;
  readonly #pendingIds: FilteredStatements<object, { id: number }>;
  readonly #oldest: FilteredStatements<object, { at: number | null }>;
  readonly #attempt: Database.Statement<[string, number, number]>;
  readonly #delivered: Database.Statement<[number, number]>;
  readonly #gaveUp: Database.Statement<[string, number, number]>;
  readonly #pending: Database.Statement<[], { n: number }>;
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#insert = db.prepare(`
      INSERT OR IGNORE INTO outbox (sms_id, activation_id, created_at, next_try_at) VALUES (?, ?, ?, ?)`);
    this.#byPair = db.prepare("SELECT * FROM outbox WHERE sms_id = ? AND activation_id = ?");
    this.#get = db.prepare("SELECT * FROM outbox WHERE id = ?");
    const pending = "o.delivered_at IS NULL AND o.gave_up_at IS NULL";
    const byFilter = <P extends object, R>(sql: (cond: string) => string) => new FilteredStatements<P, R>(db, sql);
    this.#due = byFilter(
      (cond) => `
      SELECT o.*, a.number AS phone, s.sender AS sender, s.text AS text, a.service AS service, a.closed_at AS closed_at
      FROM outbox o JOIN sms s ON s.id = o.sms_id JOIN activations a ON a.id = o.activation_id
      WHERE ${pending} AND o.next_try_at <= @now AND ${cond}
      ORDER BY o.next_try_at, o.id LIMIT @limit`,
    );
    // The oldest due row of each activation (later ones of the same number wait for it), oldest first.
    // The market condition is on the activation, so an activation's rows are all in or all out.
    this.#heads = byFilter(
      (cond) => `
      SELECT o.*, a.number AS phone, s.sender AS sender, s.text AS text, a.service AS service, a.closed_at AS closed_at
      FROM outbox o JOIN sms s ON s.id = o.sms_id JOIN activations a ON a.id = o.activation_id
      WHERE ${pending} AND o.next_try_at <= @now AND ${cond}
        AND o.id = (SELECT min(h.id) FROM outbox h WHERE h.activation_id = o.activation_id
                    AND h.delivered_at IS NULL AND h.gave_up_at IS NULL AND h.next_try_at <= @now)
      ORDER BY o.id LIMIT @limit`,
    );
    this.#inFlight = byFilter(
      (cond) => `
      SELECT o.*, a.number AS phone, s.sender AS sender, s.text AS text, a.service AS service, a.closed_at AS closed_at
      FROM outbox o JOIN sms s ON s.id = o.sms_id JOIN activations a ON a.id = o.activation_id
      WHERE ${pending} AND o.sending_since IS NOT NULL AND ${cond}
      ORDER BY o.id`,
    );
    this.#pendingById = byFilter(
      (cond) => `
      SELECT o.*, a.number AS phone, s.sender AS sender, s.text AS text, a.service AS service, a.closed_at AS closed_at
      FROM outbox o JOIN sms s ON s.id = o.sms_id JOIN activations a ON a.id = o.activation_id
      WHERE o.id = @id AND ${pending} AND ${cond}`,
    );
    const sending = db.prepare(`UPDATE outbox SET sending_since = ?, attempts = attempts + 1 WHERE id = ? AND ${pending.replaceAll("o.", "")}`);
    // One transaction for every row a pump starts: one fsync before the requests leave.
    this.#markSending = db.transaction((ids: readonly number[], at: EpochMs) => ids.reduce((n, id) => n + sending.run(at, id).changes, 0));
    this.#nextDue = byFilter(
      (cond) => `
      SELECT min(o.next_try_at) AS at FROM outbox o JOIN activations a ON a.id = o.activation_id
      WHERE ${pending} AND o.next_try_at > @now AND ${cond}`,
    );
    this.#pendingBy = byFilter((cond) => `SELECT count(*) AS n FROM outbox o JOIN activations a ON a.id = o.activation_id WHERE ${pending} AND ${cond}`);
    this.#pendingIds = byFilter((cond) => `SELECT o.id FROM outbox o JOIN activations a ON a.id = o.activation_id WHERE ${pending} AND ${cond}`);
    this.#oldest = byFilter((cond) => `SELECT min(o.created_at) AS at FROM outbox o JOIN activations a ON a.id = o.activation_id WHERE ${pending} AND ${cond}`);
    this.#attempt = db.prepare(`
      UPDATE outbox SET ${COUNT_ATTEMPT}, last_error = ?, next_try_at = ?
      WHERE id = ? AND delivered_at IS NULL AND gave_up_at IS NULL`);
    this.#delivered = db.prepare(`
      UPDATE outbox SET ${COUNT_ATTEMPT}, delivered_at = ?, last_error = NULL
      WHERE id = ? AND delivered_at IS NULL AND gave_up_at IS NULL`);
    this.#gaveUp = db.prepare(`
      UPDATE outbox SET ${COUNT_ATTEMPT}, last_error = ?, gave_up_at = ?
      WHERE id = ? AND delivered_at IS NULL AND gave_up_at IS NULL`);
    this.#pending = db.prepare("SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL");
  }

  /**
   * Queue (smsId, activationId), due at once. Idempotent by the pair. No check that the
   * activation is open: the sales ledger's attachSms (src/store/sales-ledger.ts) does that in its transaction.
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
    return this.#due.all(filter, { now, limit }).map(toDelivery);
  }

  /**
   * What to send next: of each activation only its oldest due row (a number's SMS go out in
   * the order they came), oldest first.
   */
  nextToSend(now: EpochMs, limit = 100, filter?: DueFilter): DueDelivery[] {
    return this.#heads.all(filter, { now, limit }).map(toDelivery);
  }

  /** One pending row by id, with what PUSH_SMS sends (a row just queued, handed to the sender); undefined once settled or outside `filter`. */
  pendingDelivery(id: number, filter?: DueFilter): DueDelivery | undefined {
    const row = this.#pendingById.one(filter, { id });
    return row ? toDelivery(row) : undefined;
  }

  /** Pending rows whose last attempt was sent and never answered (read at start: a crash or an aborted stop). */
  inFlightAtStart(filter?: DueFilter): DueDelivery[] {
    return this.#inFlight.all(filter, {}).map(toDelivery);
  }

  /**
   * Record attempts about to be sent, in one committed transaction: each row counts one more
   * attempt and carries `sending_since` until its outcome is recorded. Call BEFORE the
   * requests leave. Returns how many rows were still pending.
   */
  markSending(ids: readonly number[], at: EpochMs): number {
    return ids.length === 0 ? 0 : this.#markSending(ids, at);
  }

  /**
   * The earliest next try strictly after `now`, or null. "After" on purpose: rows due
   * already are either in flight or waiting for a free slot, and a timer for them would spin.
   */
  nextDueAfter(now: EpochMs, filter?: DueFilter): EpochMs | null {
    return this.#nextDue.one(filter, { now })?.at ?? null;
  }

  /**
   * Run `fn` (this repository's reads and writes) as one transaction: one commit, one fsync,
   * for the outcomes of several answers and the next attempts together.
   */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  /** A failed try (docs/protocols/onlinesim-v1.md#push_sms: not HTTP 200 → again after 10 s). False when the row is already settled. */
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

  /** Rows still to deliver (for health reporting), optionally only rent / only non-rent / one marketplace's. */
  pendingCount(filter?: DueFilter): number {
    if (filter?.rent === undefined && filter?.market === undefined) return this.#pending.get()?.n ?? 0;
    return this.#pendingBy.one(filter, {})?.n ?? 0;
  }

  /** Ids of the rows still to deliver, optionally filtered (the sender: is every one of them in flight?). */
  pendingIds(filter?: DueFilter): number[] {
    return this.#pendingIds.all(filter, {}).map((r) => r.id);
  }

  /** How long the oldest undelivered row (optionally of one filter) has waited (metrics), null when none is pending. */
  oldestPendingAgeMs(now: EpochMs, filter?: DueFilter): number | null {
    const at = this.#oldest.one(filter, {})?.at ?? null;
    return at === null ? null : Math.max(0, now - at);
  }
}
