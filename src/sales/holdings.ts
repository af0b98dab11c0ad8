/**
 * The core's working memory of the ledger: open reservations, burns, last-used times, and
 * the SIMs proposed to orders whose claim is in flight. It mirrors what the store holds;
 * it is rebuilt from `load()` at start and changed only AFTER the matching durable write
 * returned, so the store stays the truth and memory is disposable.
 *
 * Memory decides nothing about who gets a SIM (the store's claim does, ledger.ts); it
 * serves the counts and proposes candidates, and it must never offer a SIM the store has
 * given to someone: a SIM is "held" here from the moment its claim is sent until its
 * reservation is closed or released.
 */
import type { LedgerState } from "./ledger.js";
import type { EpochMs, MarketId, MarketUsage, Reservation, ServiceId, SoldPair } from "./types.js";

export class Holdings {
  readonly open = new Map<number, Reservation>();
  readonly openByNumber = new Map<string, Reservation>();
  readonly openByIccid = new Map<string, Reservation>();
  /** number → services it was sold for (on any marketplace). */
  readonly sold = new Map<string, Set<ServiceId>>();
  /** market → number → service → that marketplace's row. Only rows that differ from the default. */
  readonly usage = new Map<MarketId, Map<string, Map<ServiceId, MarketUsage>>>();
  /**
   * market → number → services excluded there: the part of `usage` an order's pick asks
   * about for every SIM it looks at, kept apart so the common "not excluded" answer is one
   * or two lookups (most rows only count cancels).
   */
  readonly #excluded = new Map<MarketId, Map<string, Set<ServiceId>>>();
  readonly lastUsed = new Map<string, EpochMs>();
  /** Open reservations that got at least one SMS: the release policy waits longer for them. */
  readonly withSms = new Set<number>();
  /**
   * Proposed to an order whose claim has not returned yet. A crash loses them, which is
   * right: nobody was answered. Counted so one SIM may be a candidate of several orders.
   */
  readonly proposedNumbers = new Map<string, number>();
  readonly proposedIccids = new Map<string, number>();
  /** Bumped on every change that can change the counts; lets the inventory cache derived data. */
  version = 0;

  static fromLedger(state: LedgerState): Holdings {
    const h = new Holdings();
    for (const r of state.open) h.addOpen(r);
    for (const s of state.sold) h.setSold(s);
    for (const u of state.usage) h.setUsage(u);
    for (const l of state.lastUsed) h.lastUsed.set(l.number, Math.max(h.lastUsed.get(l.number) ?? 0, l.at));
    for (const id of state.openWithSms) if (h.open.has(id)) h.withSms.add(id);
    return h;
  }

  /** In an open reservation, or proposed to an order in flight: offered to nobody. */
  isHeld(number: string, iccid: string): boolean {
    return this.openByNumber.has(number) || this.openByIccid.has(iccid) || this.proposedNumbers.has(number) || this.proposedIccids.has(iccid);
  }

  /** Sold for the service anywhere, or excluded for it on this marketplace: never offered to it for the service. */
  isBurned(number: string, service: ServiceId, market: MarketId): boolean {
    return this.sold.get(number)?.has(service) === true || this.#excluded.get(market)?.get(number)?.has(service) === true;
  }

  /** number → services excluded on `market` (undefined when none is). */
  excludedOn(market: MarketId): ReadonlyMap<string, ReadonlySet<ServiceId>> | undefined {
    return this.#excluded.get(market);
  }

  usageOf(market: MarketId, number: string, service: ServiceId): MarketUsage | undefined {
    return this.usage.get(market)?.get(number)?.get(service);
  }

  propose(number: string, iccid: string): void {
    this.proposedNumbers.set(number, (this.proposedNumbers.get(number) ?? 0) + 1);
    this.proposedIccids.set(iccid, (this.proposedIccids.get(iccid) ?? 0) + 1);
    this.version++;
  }

  /** The number was chosen for an order at `at`: it sorts as recently used from now on (least-recently-used choice). */
  markUsed(number: string, at: EpochMs): void {
    this.lastUsed.set(number, Math.max(this.lastUsed.get(number) ?? 0, at));
  }

  unpropose(number: string, iccid: string): void {
    decrement(this.proposedNumbers, number);
    decrement(this.proposedIccids, iccid);
    this.version++;
  }

  addOpen(r: Reservation): void {
    this.open.set(r.id, r);
    this.openByNumber.set(r.number, r);
    this.openByIccid.set(r.iccid, r);
    this.lastUsed.set(r.number, Math.max(this.lastUsed.get(r.number) ?? 0, r.createdAt));
    this.version++;
  }

  removeOpen(id: number): Reservation | undefined {
    const r = this.open.get(id);
    if (!r) return undefined;
    this.open.delete(id);
    this.withSms.delete(id);
    if (this.openByNumber.get(r.number)?.id === id) this.openByNumber.delete(r.number);
    if (this.openByIccid.get(r.iccid)?.id === id) this.openByIccid.delete(r.iccid);
    this.version++;
    return r;
  }

  /** An SMS was routed to this open reservation (no effect on counts, so no version bump). */
  markSms(id: number): void {
    if (this.open.has(id)) this.withSms.add(id);
  }

  setSold(s: SoldPair): void {
    let services = this.sold.get(s.number);
    if (!services) this.sold.set(s.number, (services = new Set()));
    services.add(s.service);
    this.version++;
  }

  setUsage(u: MarketUsage): void {
    let perNumber = this.usage.get(u.market);
    if (!perNumber) this.usage.set(u.market, (perNumber = new Map()));
    let perService = perNumber.get(u.number);
    if (!perService) perNumber.set(u.number, (perService = new Map()));
    perService.set(u.service, { ...u });
    let excluded = this.#excluded.get(u.market);
    if (u.excluded) {
      if (!excluded) this.#excluded.set(u.market, (excluded = new Map()));
      let services = excluded.get(u.number);
      if (!services) excluded.set(u.number, (services = new Set()));
      services.add(u.service);
    } else {
      const services = excluded?.get(u.number);
      services?.delete(u.service);
      if (services?.size === 0) excluded!.delete(u.number);
    }
    this.version++;
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
