/**
 * An in-memory sales core implementing src/markets/market-port.ts exactly as its comments
 * say, for building and testing marketplace adapters without the engine. It is also the
 * reference the real core can be compared with: one ledger of who holds each SIM across
 * every market, burned pairs, the cancel limit, earnings, and SMS routed to the holder.
 */
import type {
  CloseRequest,
  CloseResult,
  HeldSms,
  MarketId,
  OfferCount,
  ReserveRequest,
  ReserveResult,
  SalesPort,
  ServiceId,
} from "../../src/markets/market-port.js";

export interface MemorySim {
  /** E.164 digits without "+". */
  number: string;
  country: string;
  network: string;
}

export interface Reservation {
  market: MarketId;
  id: number;
  number: string;
  service: ServiceId;
  price: ReserveRequest["price"];
  openedAt: number;
  closed?: { outcome: CloseRequest["outcome"]["kind"]; marketStatus: number; at: number };
  withdrawn?: string;
}

export type LedgerEvent =
  | { at: number; kind: "reserved"; market: MarketId; id: number; number: string; service: ServiceId }
  | { at: number; kind: "closed"; market: MarketId; id: number; number: string; outcome: string }
  | { at: number; kind: "withdrawn"; market: MarketId; id: number; number: string };

export interface MemorySalesOptions {
  sims: MemorySim[];
  services: ServiceId[];
  /** Each reserve() waits this long first (a slow store). */
  reserveDelayMs?: number;
}

const pair = (number: string, service: string) => `${number}|${service}`;
const marketPair = (market: string, number: string, service: string) => `${market}|${number}|${service}`;

export class MemorySales implements SalesPort {
  readonly sims: MemorySim[];
  readonly services: ServiceId[];
  /** number → the open reservation holding it. */
  readonly holders = new Map<string, Reservation>();
  /** `${market}#${id}` → reservation, open or closed. */
  readonly reservations = new Map<string, Reservation>();
  /** (number, service) registered with the service: burned on every market. */
  readonly sold = new Set<string>();
  /** (market, number, service) no longer offered on that market (rejected, or cancelled up to the limit). */
  readonly burnedOn = new Set<string>();
  readonly cancels = new Map<string, number>();
  /** market → currency → earned. */
  readonly earnings = new Map<MarketId, Record<string, number>>();
  readonly events: LedgerEvent[] = [];
  /** Every reserve request as received (deadline checks). */
  readonly reserveRequests: Array<ReserveRequest & { receivedAt: number }> = [];
  readonly withdrawals: Array<{ market: MarketId; reservationId: number; reason: string }> = [];
  /** SIM numbers that are offline (not offered, not reservable). */
  readonly offline = new Set<string>();
  /** The next call of this kind resolves "failed" (a store failure). */
  failNext: { reserve?: boolean; close?: boolean } = {};
  reserveDelayMs: number;
  #nextId = 1;
  #nextSmsId = 1;

  constructor(o: MemorySalesOptions) {
    this.sims = o.sims;
    this.services = o.services;
    this.reserveDelayMs = o.reserveDelayMs ?? 0;
  }

  #offerable(market: MarketId, sim: MemorySim, service: ServiceId): boolean {
    return !this.offline.has(sim.number) && !this.holders.has(sim.number) && !this.sold.has(pair(sim.number, service)) && !this.burnedOn.has(marketPair(market, sim.number, service));
  }

  async offers(market: MarketId): Promise<readonly OfferCount[]> {
    const counts = new Map<string, OfferCount>();
    for (const sim of this.sims) {
      for (const service of this.services) {
        const k = `${sim.country}|${sim.network}|${service}`;
        const entry = counts.get(k) ?? { country: sim.country, network: sim.network, service, count: 0 };
        counts.set(k, entry);
        if (this.#offerable(market, sim, service)) entry.count++;
      }
    }
    return [...counts.values()];
  }

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    this.reserveRequests.push({ ...req, receivedAt: Date.now() });
    if (this.reserveDelayMs > 0) await new Promise((r) => setTimeout(r, this.reserveDelayMs));
    if (this.failNext.reserve) {
      this.failNext.reserve = false;
      return { status: "failed", error: "store: disk I/O error" };
    }
    if (Date.now() > req.deadline || !this.services.includes(req.service)) return { status: "none" };
    const sim = this.sims.find(
      (s) =>
        s.country === req.country &&
        (req.networks === undefined || req.networks.includes(s.network)) &&
        !req.excludePrefixes.some((p) => s.number.startsWith(p)) &&
        this.#offerable(req.market, s, req.service),
    );
    if (!sim) return { status: "none" };
    const r: Reservation = { market: req.market, id: this.#nextId++, number: sim.number, service: req.service, price: req.price, openedAt: Date.now() };
    this.holders.set(sim.number, r);
    this.reservations.set(`${r.market}#${r.id}`, r);
    this.events.push({ at: Date.now(), kind: "reserved", market: r.market, id: r.id, number: r.number, service: r.service });
    return { status: "reserved", reservationId: r.id, number: sim.number };
  }

  async close(req: CloseRequest): Promise<CloseResult> {
    if (this.failNext.close) {
      this.failNext.close = false;
      return { status: "failed", error: "store: disk I/O error" };
    }
    const r = this.reservations.get(`${req.market}#${req.reservationId}`);
    if (!r || r.withdrawn !== undefined) return { status: "unknown" };
    if (r.closed) {
      // A refund notified after the sale takes the earning back (market-port.ts "refunded").
      if (req.outcome.kind === "refunded" && r.closed.outcome === "sold") {
        this.#earn(r, -1);
        r.closed = { outcome: "refunded", marketStatus: req.marketStatus, at: Date.now() };
      }
      return { status: "already-closed" };
    }
    const mp = marketPair(r.market, r.number, r.service);
    switch (req.outcome.kind) {
      case "sold":
        this.sold.add(pair(r.number, r.service));
        this.#earn(r, 1);
        break;
      case "cancelled": {
        const n = (this.cancels.get(mp) ?? 0) + 1;
        this.cancels.set(mp, n);
        if (n >= req.outcome.cancelLimit) this.burnedOn.add(mp);
        break;
      }
      case "rejected":
        this.burnedOn.add(mp);
        break;
      case "refunded":
      case "released":
        break;
    }
    r.closed = { outcome: req.outcome.kind, marketStatus: req.marketStatus, at: Date.now() };
    this.holders.delete(r.number);
    this.events.push({ at: Date.now(), kind: "closed", market: r.market, id: r.id, number: r.number, outcome: req.outcome.kind });
    return { status: "closed" };
  }

  async withdraw(req: { market: MarketId; reservationId: number; reason: string }): Promise<void> {
    this.withdrawals.push(req);
    const r = this.reservations.get(`${req.market}#${req.reservationId}`);
    if (!r || r.closed || r.withdrawn !== undefined) return;
    r.withdrawn = req.reason;
    this.holders.delete(r.number);
    this.events.push({ at: Date.now(), kind: "withdrawn", market: r.market, id: r.id, number: r.number });
  }

  /** An SMS arrived on this SIM: for whoever holds it now, or undefined (stored, not routed). */
  smsArrived(number: string, sender: string, text: string): HeldSms | undefined {
    const r = this.holders.get(number.replace(/^\+/, ""));
    if (!r) return undefined;
    return { market: r.market, reservationId: r.id, smsId: this.#nextSmsId++, number: r.number, sender, text };
  }

  earned(market: MarketId): Record<string, number> {
    return { ...(this.earnings.get(market) ?? {}) };
  }

  /** Replays the ledger: no number is ever in two open reservations at once. Returns the violations. */
  ledgerViolations(): string[] {
    const open = new Map<string, string>();
    const out: string[] = [];
    for (const e of this.events) {
      const id = `${e.market}#${e.id}`;
      if (e.kind === "reserved") {
        const holder = open.get(e.number);
        if (holder !== undefined) out.push(`${e.number} reserved by ${id} while held by ${holder}`);
        open.set(e.number, id);
      } else if (open.get(e.number) === id) open.delete(e.number);
    }
    return out;
  }

  #earn(r: Reservation, sign: 1 | -1): void {
    const book = this.earnings.get(r.market) ?? {};
    book[r.price.currency] = Math.round(((book[r.price.currency] ?? 0) + sign * r.price.amount) * 10_000) / 10_000;
    this.earnings.set(r.market, book);
  }
}
