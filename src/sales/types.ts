/**
 * The sales core's vocabulary: what is sold, to whom, and how a sale ends, in words that
 * belong to no marketplace. A marketplace adapter (src/markets/<name>/) translates its own
 * names, codes, statuses and money into these and back; the core never sees a wire shape.
 *
 * Identity of a SIM: its number (E.164 digits without "+", e.g. "79161234567") and its
 * ICCID. What a service remembers is the phone number an account was registered with, so
 * burns ("sold for this service") belong to the number.
 */

/** A marketplace as configured in this daemon, e.g. "onlinesim" or "smshub"; unique per daemon. */
export type MarketId = string;
/** Our own canonical service id, lower case ("telegram"); each adapter maps it to its marketplace's code. */
export type ServiceId = string;
/** Milliseconds since the Unix epoch (Date.now()). */
export type EpochMs = number;
/** ISO 4217 alphabetic code of the currency a marketplace pays in: "RUB", "USD". */
export type CurrencyCode = string;

/**
 * How a reservation ended, in neutral words; what each does to the (number, service) pair:
 *   sold       the number is now registered with the service: burned for it on EVERY marketplace
 *   cancelled  no sale; the marketplace's cancel count for the pair goes up, and at the
 *              marketplace's limit the pair is burned for that marketplace only
 *   refunded   the buyer got the money back: nothing earned, nothing burned
 *   rejected   the marketplace asks us to stop offering this number for this service: burned
 *              for that marketplace only (another marketplace judges for itself)
 *   released   ended for a reason the marketplace did not define (an undocumented status):
 *              nothing earned, nothing burned
 * The SIM is free again in every case.
 */
export type Outcome = "sold" | "cancelled" | "refunded" | "rejected" | "released";
export const OUTCOMES: readonly Outcome[] = ["sold", "cancelled", "refunded", "rejected", "released"];

/** An outcome with what it needs: the cancel limit is the marketplace's rule (SMSHUB: 4 in total). */
export type CloseOutcome =
  | { kind: "sold" }
  | { kind: "cancelled"; cancelLimit: number }
  | { kind: "refunded" }
  | { kind: "rejected" }
  | { kind: "released"; why: string };

/**
 * Why a reservation's SIM was freed:
 *   finish       the marketplace closed it (the normal end)
 *   operator     closed by hand (`simgate activations close`), with a marketplace status
 *   undelivered  our answer carrying the reservation never reached the marketplace, so it
 *                will never close it
 *   overdue      released by the marketplace's policy long past its operation time, without a close
 */
export type CloseReason = "finish" | "operator" | "undelivered" | "overdue";
/** The two reasons that free a SIM without an outcome (a late close may still record one). */
export type ReleaseReason = Extract<CloseReason, "undelivered" | "overdue">;

/** A SIM as a reservation names it. */
export interface SimRef {
  /** E.164 digits without "+". */
  number: string;
  iccid: string;
  /** The module it sat in when it was reserved; informational only. */
  portId: string | null;
}

/** A candidate SIM for a claim, with the names the buyer's marketplace uses for its country and operator. */
export interface ClaimCandidate extends SimRef {
  country: string;
  operator: string;
}

/**
 * A reservation: one buyer (a marketplace) holds one SIM for one service. `id` is ours, a
 * positive integer that is never reused on any marketplace; it is what the marketplaces of
 * the SMSHUB family (Onlinesim v1 among them) quote back as their activation id.
 */
export interface Reservation extends SimRef {
  id: number;
  market: MarketId;
  /** As the marketplace names them (informational): `operator` is the SIM's real operator, never "any". */
  country: string;
  operator: string;
  service: ServiceId;
  /** What the marketplace offered to pay if it ends "sold". */
  sum: number;
  currency: CurrencyCode;
  createdAt: EpochMs;
}

export type NewReservation = Omit<Reservation, "id">;

/** A reservation whose SIM is free again: closed by its marketplace or the operator, or released. */
export interface ClosedReservation extends Reservation {
  /**
   * Set when the marketplace refunded this sale after it was recorded as sold: the outcome
   * stays "sold" (the number is used up for the service) but it is no longer earned.
   */
  refundedAt?: EpochMs;
  /** The neutral outcome; null while a released reservation has had no close. */
  outcome: Outcome | null;
  /** The marketplace's own status value as received; null exactly when `outcome` is. */
  status: number | null;
  /** The amount the close itself named (Onlinesim's FINISH `sum`), else null. */
  finishSum: number | null;
  /** When the SIM was freed. */
  closedAt: EpochMs;
  closeReason: CloseReason;
  /** When the outcome was recorded (equals closedAt unless it came after a release); null while none came. */
  finishedAt: EpochMs | null;
}

/** The number was sold for the service: it is used up for it on every marketplace. */
export interface SoldPair {
  number: string;
  service: ServiceId;
  /** Who sold it (for the record). */
  market: MarketId;
  at: EpochMs;
}

/** What one marketplace remembers of one (number, service) pair. Absent = never cancelled nor rejected there. */
export interface MarketUsage {
  market: MarketId;
  number: string;
  service: ServiceId;
  cancels: number;
  /** Not offered for this service on this marketplace (rejected, or its cancel limit reached). */
  excluded: boolean;
}

/** Sold reservations per service × marketplace × currency: the earnings book without its SIMs. */
export interface EarningsTotal {
  market: MarketId;
  service: ServiceId;
  currency: CurrencyCode;
  sold: number;
  amount: number;
}

/** Sold reservations per SIM × marketplace × currency: the earnings book without its services. */
export interface SimEarnings {
  market: MarketId;
  number: string;
  iccid: string;
  currency: CurrencyCode;
  sold: number;
  amount: number;
}

/** One line of the earnings book: per SIM × service × marketplace × currency. */
export interface EarningsRow {
  market: MarketId;
  service: ServiceId;
  number: string;
  iccid: string;
  currency: CurrencyCode;
  /** Sold reservations counted. */
  sold: number;
  /** Their amounts: the close's own amount when it named one, else the price offered. */
  amount: number;
}
