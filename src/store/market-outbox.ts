/**
 * One marketplace's view of the SQLite outbox, for its SMS outbox worker
 * (src/markets/sms-outbox-worker.ts, whose `MarketOutbox` port this fits structurally: the
 * store does not import src/markets). Every read is limited to reservations of `market` in
 * the SQL (`DueFilter.market`), so another marketplace's rows are never read, counted or
 * sent by that worker; the marks take only ids such a read returned.
 *
 *   const worker = new SmsOutboxWorker({ market, delivery, outbox: marketOutboxOf(store.outbox, market), … });
 */
import type { EpochMs } from "../sales/types.js";
import type { DueDelivery, DueFilter, OutboxRepository } from "./outbox.js";

/** A pending row as a marketplace's worker sees it: the reservation's number, the SMS's own id. */
export interface MarketOutboxRow {
  id: number;
  reservationId: number;
  smsId: number;
  number: string;
  sender: string;
  text: string;
  attempts: number;
  lastError: string | null;
  closedAt: EpochMs | null;
}

export interface MarketOutboxView {
  readonly market: string;
  nextToSend(now: EpochMs, limit: number): MarketOutboxRow[];
  inFlightAtStart(): MarketOutboxRow[];
  markSending(ids: readonly number[], at: EpochMs): number;
  markDelivered(id: number, at: EpochMs): boolean;
  markAttempt(id: number, error: string, nextTryAt: EpochMs): boolean;
  markGaveUp(id: number, error: string, at: EpochMs): boolean;
  nextDueAfter(now: EpochMs): EpochMs | null;
  pendingCount(): number;
  oldestPendingAgeMs(now: EpochMs): number | null;
}

const toRow = (d: DueDelivery): MarketOutboxRow => ({
  id: d.id,
  reservationId: d.activationId,
  smsId: d.smsId,
  number: d.phone,
  sender: d.sender,
  text: d.text,
  attempts: d.attempts,
  lastError: d.lastError,
  closedAt: d.closedAt,
});

export function marketOutboxOf(outbox: OutboxRepository, market: string): MarketOutboxView {
  if (market.trim() === "") throw new Error("marketOutboxOf: a marketplace id is required (an empty one would match no reservation)");
  const only: DueFilter = { market };
  return {
    market,
    nextToSend: (now, limit) => outbox.nextToSend(now, limit, only).map(toRow),
    inFlightAtStart: () => outbox.inFlightAtStart(only).map(toRow),
    markSending: (ids, at) => outbox.markSending(ids, at),
    markDelivered: (id, at) => outbox.markDelivered(id, at),
    markAttempt: (id, error, nextTryAt) => outbox.markAttempt(id, error, nextTryAt),
    markGaveUp: (id, error, at) => outbox.markGaveUp(id, error, at),
    nextDueAfter: (now) => outbox.nextDueAfter(now, only),
    pendingCount: () => outbox.pendingCount(only),
    oldestPendingAgeMs: (now) => outbox.oldestPendingAgeMs(now, only),
  };
}
