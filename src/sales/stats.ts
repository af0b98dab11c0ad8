/**
 * The core's counters, in total and per marketplace, for the status page and /metrics.
 * Counters only go up; the gauges (open, stale, modules) are read when asked.
 */
import type { MarketId } from "./types.js";

export interface MarketCounters {
  /** Reservations opened (numbers given out). */
  reserved: number;
  /** Orders answered "none" (nothing fits, the store refused, or out of time). */
  none: number;
  /** Outcomes recorded (by the marketplace or the operator), including late ones. */
  closed: number;
  /** Repeated closes answered again, nothing changed. */
  repeatedClose: number;
  /** Closes for an id this marketplace never got. */
  unknownClose: number;
  /** Outcomes recorded for reservations released before. */
  lateClose: number;
  /** Closed by the operator (also counted in `closed`). */
  closedByOperator: number;
  /** Answers that never reached the marketplace: withdrawn at once. */
  undelivered: number;
  /** Released by the overdue policy, with or without an SMS. */
  releasedOverdue: number;
  /** Of those, the ones that had got an SMS. */
  releasedOverdueWithSms: number;
  /** SMS queued for this marketplace's buyer. */
  smsQueued: number;
}

export interface CoreStats extends MarketCounters {
  /** Ready modules (present ports with a ready, identified SIM). */
  modules: number;
  openReservations: number;
  /** Gauge: open reservations older than life × staleFactor at the last check. */
  staleReservations: number;
  /** SMS that arrived on a SIM nobody held. */
  smsUnrouted: number;
  /** The same counters per marketplace. */
  markets: Record<MarketId, MarketCounters>;
}

const zero = (): MarketCounters => ({
  reserved: 0,
  none: 0,
  closed: 0,
  repeatedClose: 0,
  unknownClose: 0,
  lateClose: 0,
  closedByOperator: 0,
  undelivered: 0,
  releasedOverdue: 0,
  releasedOverdueWithSms: 0,
  smsQueued: 0,
});

export class SalesStats {
  readonly #total = zero();
  readonly #markets = new Map<MarketId, MarketCounters>();
  #stale = 0;
  #smsUnrouted = 0;

  #bump(market: MarketId, field: keyof MarketCounters): void {
    this.#total[field]++;
    let m = this.#markets.get(market);
    if (!m) this.#markets.set(market, (m = zero()));
    m[field]++;
  }

  reserved(market: MarketId): void {
    this.#bump(market, "reserved");
  }
  none(market: MarketId): void {
    this.#bump(market, "none");
  }
  closed(market: MarketId, by: "finish" | "operator"): void {
    this.#bump(market, "closed");
    if (by === "operator") this.#bump(market, "closedByOperator");
  }
  repeatedClose(market: MarketId): void {
    this.#bump(market, "repeatedClose");
  }
  unknownClose(market: MarketId): void {
    this.#bump(market, "unknownClose");
  }
  lateClose(market: MarketId): void {
    this.#bump(market, "lateClose");
  }
  undelivered(market: MarketId): void {
    this.#bump(market, "undelivered");
  }
  releasedOverdue(market: MarketId, withSms: boolean): void {
    this.#bump(market, "releasedOverdue");
    if (withSms) this.#bump(market, "releasedOverdueWithSms");
  }
  smsQueued(market: MarketId): void {
    this.#bump(market, "smsQueued");
  }
  smsUnrouted(): void {
    this.#smsUnrouted++;
  }
  setStale(n: number): void {
    this.#stale = n;
  }

  snapshot(gauges: { modules: number; openReservations: number }): CoreStats {
    return {
      ...this.#total,
      ...gauges,
      staleReservations: this.#stale,
      smsUnrouted: this.#smsUnrouted,
      markets: Object.fromEntries([...this.#markets].map(([id, c]) => [id, { ...c }])),
    };
  }
}
