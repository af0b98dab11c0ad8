/**
 * The ledger port: what the sales core needs from durable storage, and nothing more. The
 * SQLite store implements it (src/store/sales-ledger.ts), the in-memory twin
 * (memory-ledger.ts) implements the same contract, and one contract suite
 * (test/sales/ledger-contract.ts) runs on both; a PostgreSQL store is the next drop-in.
 *
 * Every method is asynchronous: the core may sit on any store, local or across a network.
 * "Durable" below means the promise resolved only after the write committed; the core
 * answers a marketplace only after that.
 *
 * The store is the arbiter of who holds a SIM. `claim` is one atomic store operation per
 * order: the store itself refuses a SIM that is in another open reservation (a unique
 * index over the open reservations' numbers and ICCIDs) or whose (number, service) pair is
 * burned for the buyer, and moves on to the order's next candidate. The core's memory
 * only proposes candidates and serves the counts; two hosts on one database, or a memory
 * that drifted, can never put one SIM in two open reservations.
 *
 * Errors: a method rejects only for a broken store (disk full, connection lost). "Not
 * found", "taken" and "already closed" are ordinary results.
 */
import type {
  ClaimCandidate,
  ClosedReservation,
  CloseOutcome,
  EarningsRow,
  EarningsTotal,
  SimEarnings,
  EpochMs,
  MarketId,
  MarketUsage,
  NewReservation,
  Outcome,
  ReleaseReason,
  Reservation,
  SoldPair,
} from "./types.js";

/** Everything the core rebuilds its memory from at start. */
export interface LedgerState {
  /** Reservations not closed, in id order. At most one per number and one per ICCID. */
  open: Reservation[];
  /** Every (number, service) sold, on any marketplace. */
  sold: SoldPair[];
  /** Every per-marketplace (number, service) row that differs from "never cancelled nor rejected". */
  usage: MarketUsage[];
  /** When each number was last reserved (its latest reservation's createdAt), for least-recently-used choice. */
  lastUsed: { number: string; at: EpochMs }[];
  /** Ids of the open reservations that have at least one SMS routed to them, ascending. */
  openWithSms: number[];
}

/** One order of a group commit. */
export interface ClaimOrder {
  /** Everything of the reservation except the SIM, which comes from the first candidate that can be claimed. */
  reservation: Omit<NewReservation, keyof ClaimCandidate>;
  /**
   * SIMs in order of preference. The store takes the first one that is in no open
   * reservation and not burned for (number, service) on this marketplace (sold anywhere,
   * or excluded here). An empty list claims nothing.
   */
  candidates: readonly ClaimCandidate[];
}

export type ClaimResult =
  /** Durable: the SIM is held by this reservation until it is closed or released. */
  | { kind: "reserved"; reservation: Reservation }
  /** Every candidate was taken or burned; nothing was written. */
  | { kind: "taken" };

export interface CloseRequest {
  id: number;
  /** Only the reservation's own marketplace may close it: another gets "unknown". */
  market: MarketId;
  outcome: CloseOutcome;
  /** The marketplace's own status value, kept as received. */
  status: number;
  /** The amount the close named, if any. */
  finishSum: number | null;
  closedAt: EpochMs;
  by: "finish" | "operator";
}

/** The burns a close wrote, so the core's memory can follow exactly what the store holds. */
export interface BurnChange {
  sold?: SoldPair;
  usage?: MarketUsage;
}

export type CloseResult =
  /** Closed now; the burn (if any) was written with it, in the same transaction. */
  | { kind: "closed"; reservation: ClosedReservation; burns: BurnChange }
  /**
   * It had been released without a close (undelivered or overdue): this call recorded the
   * outcome, amount and burn once (the SIM was free already; closedAt stays the release time).
   */
  | { kind: "finished-after-release"; reservation: ClosedReservation; burns: BurnChange }
  /** Its outcome was recorded before (a re-sent close): nothing was written, the first close stands. */
  /** `refundedAfterSale`: this call was the marketplace's refund of a sale, recorded now (once). */
  | { kind: "already-closed"; reservation: ClosedReservation; refundedAfterSale?: true }
  /** No reservation with this id on this marketplace: nothing was written. */
  | { kind: "unknown" };

export interface ReleaseRequest {
  id: number;
  reason: ReleaseReason;
  releasedAt: EpochMs;
}

export type ReleaseResult =
  /** This call freed the SIM; the reservation is closed without an outcome. */
  | { kind: "released"; reservation: ClosedReservation }
  /** Closed or released before, or never created: nothing was written. */
  | { kind: "not-open" };

export interface SmsArrival {
  /** The stored SMS's id (≥ 1). */
  smsId: number;
  /** The SIM that received it: authoritative when known. */
  iccid: string | null;
  /** The receiving port's number (E.164 digits without "+"), for a SIM replaced under the same number. */
  number: string | null;
  at: EpochMs;
}

export type AttachResult =
  /** A delivery row for the holder's marketplace was committed. */
  | { kind: "queued"; reservation: Reservation; deliveryId: number }
  /** This SMS was routed to this reservation before (a re-delivery after a crash): nothing was written. */
  | { kind: "duplicate"; reservation: Reservation; deliveryId: number }
  /** No open reservation holds the SIM: nothing was written, the SMS stays stored and unrouted. */
  | { kind: "no-holder" };

/** One reservation as the admin lists it: open ones have null close fields. */
export interface ReservationListItem extends Reservation {
  outcome: Outcome | null;
  status: number | null;
  finishSum: number | null;
  closedAt: EpochMs | null;
  closeReason: ClosedReservation["closeReason"] | null;
  finishedAt: EpochMs | null;
  /** Set when a sale was refunded afterwards (ClosedReservation.refundedAt). */
  refundedAt?: EpochMs;
  /** SMS routed to it. */
  smsCount: number;
}

export interface ClosedCount {
  market: MarketId;
  outcome: Outcome;
  /** The marketplace's status value. */
  status: number;
  count: number;
}

export interface SalesLedger {
  /** Read the durable state. Called once at start; not on a request path. */
  load(): Promise<LedgerState>;
  /**
   * Group commit: every order in ONE transaction (one fsync for all). Each order is atomic
   * on its own (see ClaimOrder); results come in input order and ids ascend in that
   * order. If the transaction fails, nothing is written and the promise rejects.
   * Ids are ≥ 1 and never reused, on any marketplace, even across restarts.
   */
  claim(orders: readonly ClaimOrder[]): Promise<ClaimResult[]>;
  /**
   * Record the outcome and free the SIM, with the burn in the same transaction:
   *   sold      → the (number, service) pair is sold (every marketplace);
   *   cancelled → this marketplace's cancel count + 1, excluded at `cancelLimit`;
   *   rejected  → excluded on this marketplace;
   *   refunded, released → no burn.
   * Idempotent by id: the first recorded outcome stands.
   */
  close(request: CloseRequest): Promise<CloseResult>;
  /** Free an open reservation's SIM without an outcome (a later close records one, once). */
  release(request: ReleaseRequest): Promise<ReleaseResult>;
  /** Any reservation by id, open or closed. */
  find(id: number): Promise<Reservation | ClosedReservation | undefined>;
  /**
   * Route a stored SMS to the open reservation holding its SIM (by ICCID, else by number)
   * and queue it for that marketplace, in one transaction that finds the holder itself.
   * Idempotent by (SMS, reservation).
   */
  attachSms(sms: SmsArrival): Promise<AttachResult>;
  /** Sold reservations' amounts per SIM × service × marketplace × currency, by when the sale was recorded (≥ since). */
  earnings(since: EpochMs): Promise<EarningsRow[]>;
  /**
   * The same sales per service × marketplace × currency, in that order: what the status
   * page and /metrics show, without a line per SIM (a ledger of 100,000 sales has about as
   * many SIM lines, and a few hundred of these).
   */
  earningsTotals(since: EpochMs): Promise<EarningsTotal[]>;
  /** The same sales per SIM × marketplace × currency (the best SIMs: about a tenth of the cost of every line at 100,000 sales). */
  earningsPerSim(since: EpochMs): Promise<SimEarnings[]>;
  /** Every open reservation and the newest `limit` ones, newest first. */
  recent(limit: number): Promise<ReservationListItem[]>;
  /** Reservations with a recorded outcome, counted per marketplace × outcome × status. */
  closedCounts(): Promise<ClosedCount[]>;
}
