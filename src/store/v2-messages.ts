/**
 * The v2 message queue (docs/protocols/onlinesim-v2.md#messages): every SMS received on a number we list
 * through sendNumbersOnline is forwarded with addMessages (batch) or addMessage, retried
 * until Onlinesim answers `response: 1`, across restarts.
 *
 * One row per stored SMS (UNIQUE sms_id): enqueueing the same SMS again (the hand-off
 * re-delivering after a crash) writes nothing. The row keeps its own copy of the number,
 * sender and text because v2 has no activation to join: the number is the port's number at
 * reception time, which the SMS row does not hold.
 *
 * Delivery is at-least-once like the PUSH_SMS outbox: a crash between Onlinesim's answer
 * and markSent resends the batch once; nothing is sent again after markSent returned.
 * Batch writes (markSent / markAttempt of many ids) are one transaction: one WAL fsync.
 */
import type Database from "better-sqlite3";
import type { EpochMs } from "../sales/types.js";

/** Schema 2 (migrations.ts): the queue table and its due index. */
export const SCHEMA_002_V2_MESSAGES = `
-- addMessage(s) deliveries (docs/protocols/onlinesim-v2.md#addmessage, docs/protocols/onlinesim-v2.md#addmessages): retried until Onlinesim answers response 1.
CREATE TABLE v2_messages (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  sms_id       INTEGER NOT NULL UNIQUE REFERENCES sms(id),
  -- International format with "+" (docs/protocols/onlinesim-v2.md#addmessage number).
  number       TEXT NOT NULL,
  sender       TEXT NOT NULL,
  text         TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  next_try_at  INTEGER NOT NULL,
  last_error   TEXT,
  sent_at      INTEGER,
  -- Rejected for good (e.g. a number Onlinesim never listed, past the retry window).
  gave_up_at   INTEGER
) STRICT;
CREATE INDEX v2_messages_due ON v2_messages(next_try_at) WHERE sent_at IS NULL AND gave_up_at IS NULL;
`;

/** What the daemon hands over for one received SMS. */
export interface V2MessageInput {
  /** Receiving number, E.164 digits; "+" optional (stored with "+"). */
  number: string;
  /** Sender name or number (addMessage `from`). */
  from: string;
  text: string;
  receivedAt: EpochMs;
}

export interface V2MessageItem {
  id: number;
  smsId: number;
  /** "+" and digits. */
  number: string;
  from: string;
  text: string;
  receivedAt: EpochMs;
  createdAt: EpochMs;
  attempts: number;
  nextTryAt: EpochMs;
  lastError: string | null;
  sentAt: EpochMs | null;
  gaveUpAt: EpochMs | null;
}

interface Row {
  id: number;
  sms_id: number;
  number: string;
  sender: string;
  text: string;
  received_at: number;
  created_at: number;
  attempts: number;
  next_try_at: number;
  last_error: string | null;
  sent_at: number | null;
  gave_up_at: number | null;
}

const toItem = (r: Row): V2MessageItem => ({
  id: r.id,
  smsId: r.sms_id,
  number: r.number,
  from: r.sender,
  text: r.text,
  receivedAt: r.received_at,
  createdAt: r.created_at,
  attempts: r.attempts,
  nextTryAt: r.next_try_at,
  lastError: r.last_error,
  sentAt: r.sent_at,
  gaveUpAt: r.gave_up_at,
});

/** "+79161234567" from "79161234567", "+7 916 123-45-67" or "+79161234567". */
export function plusNumber(number: string): string {
  return `+${number.replace(/[^\d]/g, "")}`;
}

const PENDING = "sent_at IS NULL AND gave_up_at IS NULL";

export class V2MessageRepository {
  readonly #insert: Database.Statement;
  readonly #bySms: Database.Statement<[number], Row>;
  readonly #get: Database.Statement<[number], Row>;
  readonly #due: Database.Statement<[number, number], Row>;
  readonly #nextDue: Database.Statement<[number], { at: number | null }>;
  readonly #pending: Database.Statement<[], { n: number }>;
  readonly #oldest: Database.Statement<[], { at: number | null }>;
  readonly #markSent: (ids: readonly number[], at: EpochMs) => number;
  readonly #markAttempt: (ids: readonly number[], error: string, nextTryAt: EpochMs) => number;
  readonly #markGaveUp: (ids: readonly number[], error: string, at: EpochMs) => number;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(`
      INSERT OR IGNORE INTO v2_messages (sms_id, number, sender, text, received_at, created_at, next_try_at)
      VALUES (@smsId, @number, @from, @text, @receivedAt, @at, @at)`);
    this.#bySms = db.prepare("SELECT * FROM v2_messages WHERE sms_id = ?");
    this.#get = db.prepare("SELECT * FROM v2_messages WHERE id = ?");
    this.#due = db.prepare(`SELECT * FROM v2_messages WHERE ${PENDING} AND next_try_at <= ? ORDER BY next_try_at, id LIMIT ?`);
    this.#nextDue = db.prepare(`SELECT min(next_try_at) AS at FROM v2_messages WHERE ${PENDING} AND next_try_at > ?`);
    this.#pending = db.prepare(`SELECT count(*) AS n FROM v2_messages WHERE ${PENDING}`);
    this.#oldest = db.prepare(`SELECT min(created_at) AS at FROM v2_messages WHERE ${PENDING}`);
    const sent = db.prepare(`UPDATE v2_messages SET attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ? AND ${PENDING}`);
    const attempt = db.prepare(`UPDATE v2_messages SET attempts = attempts + 1, last_error = ?, next_try_at = ? WHERE id = ? AND ${PENDING}`);
    const gaveUp = db.prepare(`UPDATE v2_messages SET attempts = attempts + 1, last_error = ?, gave_up_at = ? WHERE id = ? AND ${PENDING}`);
    // One transaction per batch: one fsync however many rows a flush settles.
    this.#markSent = db.transaction((ids: readonly number[], at: EpochMs) => ids.reduce((n, id) => n + sent.run(at, id).changes, 0));
    this.#markAttempt = db.transaction((ids: readonly number[], error: string, next: EpochMs) => ids.reduce((n, id) => n + attempt.run(error, next, id).changes, 0));
    this.#markGaveUp = db.transaction((ids: readonly number[], error: string, at: EpochMs) => ids.reduce((n, id) => n + gaveUp.run(error, at, id).changes, 0));
  }

  /**
   * Queue one stored SMS, due at `at` (default: its receive time, i.e. at once).
   * Idempotent by smsId: a second call returns the first row and writes nothing.
   */
  enqueue(smsId: number, msg: V2MessageInput, at: EpochMs = msg.receivedAt): { item: V2MessageItem; duplicate: boolean } {
    const info = this.#insert.run({ smsId, number: plusNumber(msg.number), from: msg.from, text: msg.text, receivedAt: msg.receivedAt, at });
    const row = this.#bySms.get(smsId);
    if (!row) throw new Error("v2_messages: row missing right after insert");
    return { item: toItem(row), duplicate: info.changes === 0 };
  }

  get(id: number): V2MessageItem | undefined {
    const row = this.#get.get(id);
    return row ? toItem(row) : undefined;
  }

  /** Messages whose next try is due at `now`, oldest first. */
  due(now: EpochMs, limit = 500): V2MessageItem[] {
    return this.#due.all(now, limit).map(toItem);
  }

  /** The earliest next try strictly after `now` (rows due already are the caller's), or null. */
  nextDueAfter(now: EpochMs): EpochMs | null {
    return this.#nextDue.get(now)?.at ?? null;
  }

  /** Onlinesim answered `response: 1`: never sent again. Returns how many rows changed. */
  markSent(ids: readonly number[], at: EpochMs): number {
    return ids.length === 0 ? 0 : this.#markSent(ids, at);
  }

  /** A failed try: again at `nextTryAt`. Rows settled before are left alone. */
  markAttempt(ids: readonly number[], error: string, nextTryAt: EpochMs): number {
    return ids.length === 0 ? 0 : this.#markAttempt(ids, error, nextTryAt);
  }

  /** Never send these again (rejected past the retry window). */
  markGaveUp(ids: readonly number[], error: string, at: EpochMs): number {
    return ids.length === 0 ? 0 : this.#markGaveUp(ids, error, at);
  }

  pendingCount(): number {
    return this.#pending.get()?.n ?? 0;
  }

  /** How long the oldest pending message has been queued, null when none is. */
  oldestPendingAgeMs(now: EpochMs): number | null {
    const at = this.#oldest.get()?.at ?? null;
    return at === null ? null : Math.max(0, now - at);
  }
}
