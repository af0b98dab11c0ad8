/**
 * SalesCore: one inventory sold on several marketplaces. It knows SIMs, services,
 * buyers and outcomes; it knows no marketplace's names, codes, statuses or wire shapes
 * (the adapters in src/markets/ translate). Its input is the port map's snapshot; its
 * durable side is a SalesLedger (ledger.ts), which is also the arbiter of who holds a SIM.
 *
 *   offers(market)      counts per network and service, in memory (no I/O)
 *   reserve(request)    proposes candidates from memory; the ledger's claim decides (group commit)
 *   close(request)      the marketplace's outcome: frees the SIM, burns, books the sale
 *   withdraw(...)       our answer never reached the marketplace: free the SIM now
 *   sweep()             release reservations long past their marketplace's operation time
 *   routeSms(sms)       an SMS goes to whoever holds its SIM, whatever the marketplace
 *
 * Concurrency: several requests may be waiting on the ledger at once. Memory changes only
 * after the ledger answered, and only as the ledger answered (a close applies exactly the
 * burn the store wrote), so a slow or remote store never makes memory claim more than the
 * store holds. While a claim is in flight its first candidate is "proposed" and offered to
 * nobody, which keeps the counts honest and spreads concurrent orders over different SIMs;
 * if the store gives an order none of its candidates, the order answers "none".
 */
import { EventEmitter } from "node:events";
import { silentLogger, type Logger } from "../log/logger.js";
import type { SalesEvents } from "./events.js";
import { Holdings } from "./holdings.js";
import { Inventory, type NetworkOffer, type PortInput, type SimEntry } from "./inventory.js";
import type { BurnChange, ClaimOrder, ClaimResult, CloseResult, SalesLedger, SmsArrival } from "./ledger.js";
import { isStale, releaseAfterMs, shownCount, sweepEveryMs, type MarketRules } from "./policy.js";
import type { ClaimCandidate, ClosedReservation, CloseOutcome, CurrencyCode, MarketId, Reservation, ServiceId } from "./types.js";
import { SalesStats, type CoreStats } from "./stats.js";

export interface SalesCoreOptions {
  ledger: SalesLedger;
  /** Every marketplace this daemon sells on. */
  markets: readonly MarketRules[];
  /** Idle modules held back from every marketplace (the most recently used rest). Default 0. */
  reserveModules?: number;
  logger?: Logger;
  clock?: () => number;
  /** Candidates sent with each claim after the first, taken if the store refuses the first. Default 3. */
  fallbacks?: number;
}

export interface Money {
  amount: number;
  currency: CurrencyCode;
}

export interface ReserveRequest {
  market: MarketId;
  service: ServiceId;
  /** Only SIMs of these home networks (MCC+MNC); undefined = any network. */
  networks?: ReadonlySet<string>;
  /** Only SIMs whose home country is this ISO 3166-1 alpha-2 code; undefined = any. */
  country?: string;
  /** Numbers starting with any of these digit prefixes (country code first) are not given. */
  excludePrefixes: readonly string[];
  /** What the marketplace pays if the reservation ends "sold". */
  price: Money;
  /** Epoch ms after which the marketplace no longer waits: answer "none" rather than reserve later. */
  deadline?: number;
  /** The marketplace's names for the SIM's country and operator, kept with the reservation. Default: ISO country and MCC+MNC. */
  describe?: (sim: SimEntry) => { country: string; operator: string };
}

export type ReserveResult =
  | { status: "reserved"; reservation: Reservation }
  /** Nothing fits: unknown service, every SIM held, burned or excluded, or out of time. */
  | { status: "none" }
  /** The store failed: nothing was reserved. */
  | { status: "failed"; error: string };

export interface CoreCloseRequest {
  market: MarketId;
  id: number;
  outcome: CloseOutcome;
  /** The marketplace's status value as received. */
  status: number;
  finishSum: number | null;
  by: "finish" | "operator";
}

export type CoreCloseResult = Exclude<CloseResult, { burns: BurnChange }> | { kind: "closed" | "finished-after-release"; reservation: ClosedReservation } | { kind: "failed"; error: string };

export type RouteOutcome =
  | { kind: "queued" | "duplicate"; reservation: Reservation; deliveryId: number }
  | { kind: "unrouted" }
  /** The store failed; the SMS itself is stored already (the hand-off happened before): retry the routing. */
  | { kind: "failed"; error: string };

interface PendingOrder {
  order: ClaimOrder;
  proposed: ClaimCandidate;
  deadline: number | undefined;
  resolve: (r: ReserveResult) => void;
}

export class SalesCore extends EventEmitter<SalesEvents> {
  readonly #ledger: SalesLedger;
  readonly #markets = new Map<MarketId, MarketRules>();
  /** Each marketplace's services as a set: asked once per order (the rules keep a list). */
  readonly #sells = new Map<MarketId, ReadonlySet<ServiceId>>();
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #fallbacks: number;
  readonly #holdings: Holdings;
  readonly #inventory: Inventory;
  readonly #reportedStale = new Set<number>();
  readonly #stats = new SalesStats();
  #pending: PendingOrder[] = [];
  /** Least recently used first (one comparator for every order, not a closure per order). */
  readonly #lruOrder = (a: SimEntry, b: SimEntry): number => this.#inventory.compare(a, b, this.#holdings);

  private constructor(options: SalesCoreOptions, holdings: Holdings) {
    super();
    this.#ledger = options.ledger;
    for (const m of options.markets) {
      this.#markets.set(m.id, m);
      this.#sells.set(m.id, new Set(m.services));
    }
    this.#log = (options.logger ?? silentLogger()).child({ component: "sales" });
    this.#clock = options.clock ?? Date.now;
    this.#fallbacks = options.fallbacks ?? 3;
    this.#holdings = holdings;
    this.#inventory = new Inventory(options.reserveModules ?? 0, this.#log);
  }

  /** Load the ledger and start. */
  static async open(options: SalesCoreOptions): Promise<SalesCore> {
    const state = await options.ledger.load();
    const core = new SalesCore(options, Holdings.fromLedger(state));
    core.#log.info({ event: "engine-loaded", openActivations: state.open.length }, "engine state loaded");
    return core;
  }

  /** The rules of a marketplace this core sells on. */
  rules(market: MarketId): MarketRules | undefined {
    return this.#markets.get(market);
  }

  /**
   * Take the port map's current snapshot. A SIM that left (or stopped being ready) during
   * an open reservation keeps it open and is simply not offered; when it comes back it is
   * still held until its marketplace closes the reservation.
   */
  updatePorts(ports: readonly PortInput[]): void {
    if (this.listenerCount("sim-offered") + this.listenerCount("sim-withdrawn") === 0) {
      this.#inventory.update(ports, this.#holdings);
      return;
    }
    const wasFree = new Map<string, SimEntry>();
    for (const sim of this.#inventory.sims.values()) if (!this.#holdings.isHeld(sim.number, sim.iccid)) wasFree.set(sim.number, sim);
    this.#inventory.update(ports, this.#holdings);
    for (const sim of this.#inventory.sims.values()) {
      if (!wasFree.delete(sim.number) && !this.#holdings.isHeld(sim.number, sim.iccid)) this.emit("sim-offered", ref(sim));
    }
    for (const sim of wasFree.values()) this.emit("sim-withdrawn", ref(sim), "gone");
  }

  /** The live SIMs (ready, identified), held or not. */
  sims(): readonly SimEntry[] {
    return [...this.#inventory.sims.values()];
  }

  /** Bumped whenever the SIM table is rebuilt: lets adapters cache what they derive from the networks. */
  get portsVersion(): number {
    return this.#inventory.portsVersion;
  }

  /**
   * What `market` may be shown now, per network, for `services` (default: all it buys), in
   * that order. Held, proposed, held-back and burned SIMs are not counted; the market's
   * share and headroom are applied.
   */
  offers(market: MarketId, services?: readonly ServiceId[]): NetworkOffer[] {
    const rules = this.#markets.get(market);
    if (!rules) return [];
    const list = services ?? rules.services;
    const offers = this.#inventory.counts(market, list, this.#holdings);
    if (rules.share >= 1 && rules.headroom === 0) return offers;
    for (const o of offers) o.counts = o.counts.map((c) => shownCount(c, rules));
    return offers;
  }

  /** Whether the SIM with this number (E.164, "+" optional) is in an open reservation now, on any marketplace. */
  isHeld(number: string): boolean {
    return this.#holdings.openByNumber.has(number.replace(/^\+/, ""));
  }

  /** The open reservation holding this number (E.164, "+" optional), from memory. */
  holderOf(number: string): Reservation | undefined {
    const r = this.#holdings.openByNumber.get(number.replace(/^\+/, ""));
    return r ? { ...r } : undefined;
  }

  openReservations(market?: MarketId): Reservation[] {
    return [...this.#holdings.open.values()].filter((r) => market === undefined || r.market === market).map((r) => ({ ...r }));
  }

  /** Any reservation by id, open or closed (from memory when open). */
  async find(id: number): Promise<Reservation | ClosedReservation | undefined> {
    const open = this.#holdings.open.get(id);
    return open ? { ...open } : this.#ledger.find(id);
  }

  /**
   * Reserve a SIM for a buyer. The candidates come from memory in least-recently-used
   * order; every order of this event-loop turn is then claimed in one store transaction
   * (one fsync) on the next `setImmediate`, and only then answered. The store takes each
   * order's first candidate that nobody holds; if the transaction fails, every order in it
   * answers "failed" and nothing is held. A crash before the commit loses only
   * reservations nobody was told about.
   */
  reserve(req: ReserveRequest): Promise<ReserveResult> {
    const candidates = this.#sells.get(req.market)?.has(req.service) === true ? this.#candidates(req) : [];
    if (candidates.length === 0) {
      this.#stats.none(req.market);
      this.#log.debug({ event: "no-numbers", market: req.market, service: req.service, country: req.country, exceptions: req.excludePrefixes }, "no number for request");
      return Promise.resolve({ status: "none" });
    }
    const proposed = candidates[0]!;
    this.#holdings.propose(proposed.number, proposed.iccid);
    const createdAt = this.#clock();
    // The proposed SIM goes to the back of the least-recently-used list now, as the claim
    // will put it: the next orders of a burst then find their SIMs at the front instead of
    // scanning past every SIM proposed before them (quadratic in the burst). If the store
    // gives the order a fallback instead, the proposed SIM merely rests a little longer.
    this.#holdings.markUsed(proposed.number, createdAt);
    this.#inventory.touch(proposed.number, this.#holdings);
    const order: ClaimOrder = {
      reservation: { market: req.market, service: req.service, sum: req.price.amount, currency: req.price.currency, createdAt },
      candidates,
    };
    return new Promise((resolve) => {
      this.#pending.push({ order, proposed, deadline: req.deadline, resolve });
      if (this.#pending.length === 1) setImmediate(() => void this.#claimPending());
    });
  }

  #candidates(req: ReserveRequest): ClaimCandidate[] {
    const want = this.#fallbacks + 1;
    const heldBack = this.#inventory.heldBack(this.#holdings);
    const fits: SimEntry[] = [];
    const networks = req.networks ?? this.#inventory.networks();
    if (req.networks?.size === 1) for (const network of req.networks) this.#fits(this.#inventory.lruOf(network), req, want, heldBack, fits);
    else this.#mergedFits(networks, req, want, heldBack, fits);
    const describe = req.describe ?? ((sim: SimEntry) => ({ country: sim.country ?? sim.mcc, operator: sim.network }));
    const candidates: ClaimCandidate[] = new Array(fits.length);
    for (let i = 0; i < fits.length; i++) {
      const sim = fits[i]!;
      const names = describe(sim);
      candidates[i] = { number: sim.number, iccid: sim.iccid, portId: sim.portId, country: names.country, operator: names.operator };
    }
    return candidates;
  }

  /** The first `want` SIMs of an LRU-ordered list that the order may get (so the least recently used fits), appended to `out`. */
  #fits(lru: readonly SimEntry[], req: ReserveRequest, want: number, heldBack: ReadonlySet<string>, out: SimEntry[]): void {
    for (let i = this.#nextFit(lru, 0, req, heldBack); i < lru.length; i = this.#nextFit(lru, i + 1, req, heldBack)) {
      out.push(lru[i]!);
      if (out.length >= want) return;
    }
  }

  /**
   * The best `want` fits over several networks' LRU lists: a merge that takes the least
   * recently used head each time, so each list is scanned only as far as its SIMs are
   * chosen (no collecting `want` fits per network and sorting them per order).
   */
  #mergedFits(networks: Iterable<string>, req: ReserveRequest, want: number, heldBack: ReadonlySet<string>, out: SimEntry[]): void {
    const lists: (readonly SimEntry[])[] = [];
    const at: number[] = [];
    for (const network of networks) {
      const lru = this.#inventory.lruOf(network);
      // A network's SIMs share its country: one of another country is skipped whole, not walked.
      if (req.country !== undefined && lru[0]?.country !== req.country) continue;
      const i = this.#nextFit(lru, 0, req, heldBack);
      if (i < lru.length) {
        lists.push(lru);
        at.push(i);
      }
    }
    while (out.length < want && lists.length > 0) {
      let best = 0;
      for (let k = 1; k < lists.length; k++) if (this.#lruOrder(lists[k]![at[k]!]!, lists[best]![at[best]!]!) < 0) best = k;
      const lru = lists[best]!;
      out.push(lru[at[best]!]!);
      const next = this.#nextFit(lru, at[best]! + 1, req, heldBack);
      if (next < lru.length) at[best] = next;
      else {
        lists.splice(best, 1);
        at.splice(best, 1);
      }
    }
  }

  /** The index of the first SIM at or after `from` that the order may get; `lru.length` if none. */
  #nextFit(lru: readonly SimEntry[], from: number, req: ReserveRequest, heldBack: ReadonlySet<string>): number {
    let i = from;
    for (; i < lru.length; i++) {
      const sim = lru[i]!;
      if (req.country !== undefined && sim.country !== req.country) continue;
      if (!this.#inventory.isIdle(sim, this.#holdings, heldBack)) continue;
      if (this.#holdings.isBurned(sim.number, req.service, req.market)) continue;
      if (req.excludePrefixes.length > 0 && startsWithAny(sim.number, req.excludePrefixes)) continue;
      break;
    }
    return i;
  }

  async #claimPending(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const now = this.#clock();
    const live: PendingOrder[] = [];
    for (const p of batch) {
      if (p.deadline !== undefined && now > p.deadline) {
        this.#holdings.unpropose(p.proposed.number, p.proposed.iccid);
        this.#stats.none(p.order.reservation.market);
        this.#log.warn({ event: "order-past-deadline", market: p.order.reservation.market, service: p.order.reservation.service, lateMs: now - p.deadline }, "order not claimed: its marketplace stopped waiting before the store could take it");
        p.resolve({ status: "none" });
      } else live.push(p);
    }
    if (live.length === 0) return;
    let results: ClaimResult[];
    try {
      results = await this.#ledger.claim(live.map((p) => p.order));
    } catch (err) {
      this.#log.error({ event: "activation-commit-failed", err, orders: live.length }, "could not commit a batch of activations; none issued");
      for (const p of live) {
        this.#holdings.unpropose(p.proposed.number, p.proposed.iccid);
        p.resolve({ status: "failed", error: "activation could not be stored" });
      }
      return;
    }
    live.forEach((p, i) => {
      this.#holdings.unpropose(p.proposed.number, p.proposed.iccid);
      const result = results[i];
      if (result?.kind === "reserved") {
        p.resolve({ status: "reserved", reservation: this.#opened(result.reservation, p.proposed) });
        return;
      }
      this.#stats.none(p.order.reservation.market);
      this.#log.warn(
        { event: "claim-taken", market: p.order.reservation.market, service: p.order.reservation.service, candidates: p.order.candidates.map((c) => c.number) },
        "the store refused every proposed SIM (held by another reservation or burned): answered no numbers",
      );
      p.resolve({ status: "none" });
    });
  }

  /** The reservation is durable: hold it in memory, tell the listeners. */
  #opened(reservation: Reservation, proposed: ClaimCandidate): Reservation {
    this.#holdings.addOpen(reservation);
    // The proposed SIM took its place in the LRU order when it was proposed (same time); a fallback moves now.
    if (reservation.number !== proposed.number) this.#inventory.touch(reservation.number, this.#holdings);
    this.#stats.reserved(reservation.market);
    if (reservation.number !== proposed.number) this.#log.info({ event: "claim-fallback", activationId: reservation.id, proposed: proposed.number, number: reservation.number }, "the store gave the order a fallback SIM");
    this.#log.info(
      { event: "activation-opened", market: reservation.market, port: reservation.portId, number: `+${reservation.number}`, activationId: reservation.id, service: reservation.service, sum: reservation.sum },
      "number issued",
    );
    this.emit("reservation-opened", { ...reservation });
    this.emit("sim-withdrawn", ref(reservation), "held");
    return { ...reservation };
  }

  /**
   * The marketplace's (or the operator's) outcome. Idempotent by id: the first recorded
   * outcome stands. The burn is written by the store in the same transaction, and memory
   * applies exactly what the store wrote.
   */
  async close(req: CoreCloseRequest): Promise<CoreCloseResult> {
    let result: CloseResult;
    try {
      result = await this.#ledger.close({ id: req.id, market: req.market, outcome: req.outcome, status: req.status, finishSum: req.finishSum, closedAt: this.#clock(), by: req.by });
    } catch (err) {
      this.#log.error({ event: "activation-close-failed", err, activationId: req.id, by: req.by }, "could not store the close");
      return { kind: "failed", error: "close could not be stored" };
    }
    const where = (r: Reservation) => ({ market: r.market, port: r.portId, number: `+${r.number}`, service: r.service });
    const byWhom = req.by === "operator" ? "closed by operator" : "closed";
    switch (result.kind) {
      case "closed": {
        const r = result.reservation;
        const wasOpen = this.#holdings.removeOpen(r.id) !== undefined;
        if (!wasOpen) this.#log.error({ event: "finish-memory-drift", activationId: r.id }, "store had an open activation the engine did not know; closed");
        this.#applyBurns(result.burns);
        this.#reportedStale.delete(r.id);
        this.#stats.closed(r.market, req.by);
        this.#log.info(
          { event: "activation-closed", by: req.by, ...where(r), activationId: r.id, status: req.status, outcome: req.outcome.kind, sum: req.finishSum },
          req.by === "operator" ? `activation #${r.id} (+${r.number}) closed by operator with status ${req.status} (${req.outcome.kind}); the number is free again` : "activation closed",
        );
        this.#freed(r);
        this.#recorded(r);
        return { kind: "closed", reservation: r };
      }
      case "finished-after-release": {
        const r = result.reservation;
        this.#holdings.removeOpen(r.id);
        this.#applyBurns(result.burns);
        this.#stats.closed(r.market, req.by);
        this.#stats.lateClose(r.market);
        // Undelivered means the marketplace was never told the id: a close for it says it was after all.
        const level = r.closeReason === "undelivered" ? "warn" : "info";
        this.#log[level](
          { event: "finish-after-release", by: req.by, ...where(r), activationId: r.id, status: req.status, outcome: req.outcome.kind, sum: req.finishSum, releasedAs: r.closeReason },
          `activation #${r.id} ${byWhom} with status ${req.status} after it was released (${r.closeReason}); status recorded, its number stays with whoever has it now`,
        );
        this.#recorded(r);
        return { kind: "finished-after-release", reservation: r };
      }
      case "already-closed": {
        const first = result.reservation;
        if (this.#holdings.removeOpen(first.id)) this.#log.error({ event: "finish-memory-drift", activationId: first.id }, "engine thought this activation open but the store has it closed");
        if (result.refundedAfterSale) {
          this.#log.info(
            { event: "sale-refunded", by: req.by, ...where(first), activationId: first.id, status: req.status, sum: first.finishSum ?? first.sum, currency: first.currency },
            `activation #${first.id} (+${first.number}) was sold, then refunded by ${first.market} (status ${req.status}): no longer counted in the earnings; the number stays used up for ${first.service}`,
          );
          this.emit("sale-refunded", { ...first });
          return result;
        }
        if (req.by === "finish") this.#stats.repeatedClose(first.market);
        const differs = first.closeReason === "operator" && req.by === "finish" && first.status !== req.status;
        this.#log[differs ? "warn" : "info"](
          { event: "finish-repeated", by: req.by, activationId: first.id, status: req.status, firstStatus: first.status, firstBy: first.closeReason },
          differs
            ? `activation #${first.id} was finished with status ${req.status}; the operator had closed it with ${first.status}, which stands`
            : `repeated close of activation #${first.id} answered SUCCESS; the first status (${first.status}) stands`,
        );
        return result;
      }
      case "unknown":
        if (this.#holdings.open.get(req.id)?.market === req.market) {
          this.#log.error({ event: "finish-memory-drift", activationId: req.id }, "engine thought this activation open but the store does not know it");
          this.#holdings.removeOpen(req.id);
        }
        if (req.by === "finish") this.#stats.unknownClose(req.market);
        return result;
    }
  }

  #applyBurns(burns: BurnChange): void {
    if (burns.sold) this.#holdings.setSold(burns.sold);
    if (burns.usage) this.#holdings.setUsage(burns.usage);
  }

  #recorded(r: ClosedReservation): void {
    if (r.outcome !== null) this.emit("outcome-recorded", { ...r, outcome: r.outcome });
  }

  /** The SIM of a reservation that just ended is free for anyone again, if it is still here. */
  #freed(r: ClosedReservation): void {
    this.emit("reservation-closed", { ...r });
    const sim = this.#inventory.sims.get(r.number);
    if (sim && !this.#holdings.isHeld(sim.number, sim.iccid)) this.emit("sim-offered", ref(sim));
  }

  /**
   * The answer carrying this reservation never reached the marketplace (it left, the write
   * failed), so it will never close it: free the SIM at once. The reservation stays in the
   * store as `undelivered` and its id is never issued again; a close for it later is
   * recorded once.
   */
  async withdraw(market: MarketId, id: number, reason: string): Promise<void> {
    const r = this.#holdings.open.get(id);
    if (!r || r.market !== market) {
      this.#log.warn({ event: "activation-undelivered-not-open", market, activationId: id, reason }, `activation #${id} was not delivered (${reason}) but is no longer open; nothing to withdraw`);
      return;
    }
    let result;
    try {
      result = await this.#ledger.release({ id, reason: "undelivered", releasedAt: this.#clock() });
    } catch (err) {
      this.#log.error({ event: "activation-withdraw-failed", err, activationId: id }, "could not store the withdrawal of an undelivered activation; it stays open until the overdue release");
      return;
    }
    this.#holdings.removeOpen(id);
    this.#reportedStale.delete(id);
    if (result.kind === "not-open") {
      this.#log.error({ event: "finish-memory-drift", activationId: id }, "engine thought this activation open but the store has it closed");
      return;
    }
    this.#stats.undelivered(market);
    this.#log.warn(
      { event: "activation-undelivered", market, activationId: id, number: `+${r.number}`, port: r.portId, service: r.service, reason },
      `activation #${id} (+${r.number}, port ${r.portId ?? "unknown"}) withdrawn: the GET_NUMBER answer never reached the marketplace (${reason}); the number is for sale again, the id is never reused`,
    );
    this.#freed(result.reservation);
  }

  /**
   * The periodic check (port-feed.ts `watchStale`, every `sweepEveryMs()`): release the
   * reservations their marketplace's policy gives up on (policy.ts), one warn line and a
   * counter each, then report the stale ones that remain. Returns the released ones. A
   * store failure leaves the reservation open for the next sweep.
   */
  async sweep(now: number = this.#clock()): Promise<Reservation[]> {
    const released: Reservation[] = [];
    for (const r of [...this.#holdings.open.values()]) {
      const rules = this.#markets.get(r.market);
      if (!rules) continue;
      const hasSms = this.#holdings.withSms.has(r.id);
      const limit = releaseAfterMs(rules, r.service, hasSms);
      const ageMs = now - r.createdAt;
      if (limit === null || ageMs <= limit) continue;
      let result;
      try {
        result = await this.#ledger.release({ id: r.id, reason: "overdue", releasedAt: now });
      } catch (err) {
        this.#log.error({ event: "activation-release-failed", err, activationId: r.id }, "could not store the overdue release; trying again at the next check");
        continue;
      }
      this.#holdings.removeOpen(r.id);
      this.#reportedStale.delete(r.id);
      if (result.kind === "not-open") {
        this.#log.error({ event: "finish-memory-drift", activationId: r.id }, "engine thought this activation open but the store has it closed");
        continue;
      }
      this.#stats.releasedOverdue(r.market, hasSms);
      // Minutes, as operators think of the operation time; seconds for the short lives of tests.
      const minutes = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1_000)} s` : `${Math.round(ms / 60_000)} min`);
      this.#log.warn(
        { event: "activation-released", market: r.market, activationId: r.id, number: `+${r.number}`, port: r.portId, service: r.service, ageMs, sms: hasSms, limitMs: limit },
        `released activation #${r.id} (+${r.number}, port ${r.portId ?? "unknown"}, ${r.service}): no ${rules.closeName ?? `close from ${r.market}`} ${minutes(ageMs)} after it was issued (operation time ${minutes(rules.lifeMs)}), ${hasSms ? "after an SMS" : "no SMS"}; the number is for sale again, a late close is still recorded`,
      );
      released.push({ ...r });
      this.#freed(result.reservation);
    }
    this.staleReservations(now);
    return released;
  }

  /** How often `sweep` should run for these marketplaces (policy.ts). */
  sweepEveryMs(): number {
    return sweepEveryMs([...this.#markets.values()]);
  }

  /**
   * Open reservations far past their expected life. Reported loudly (one error log per
   * reservation, and the gauge); `sweep` releases the ones its policy gives up on first.
   */
  staleReservations(now: number = this.#clock()): Reservation[] {
    const stale: Reservation[] = [];
    for (const r of this.#holdings.open.values()) {
      const rules = this.#markets.get(r.market);
      if (!rules || !isStale(r.createdAt, now, rules)) continue;
      stale.push({ ...r });
      if (!this.#reportedStale.has(r.id)) {
        this.#reportedStale.add(r.id);
        this.#log.error({ event: "activation-stale", market: r.market, activationId: r.id, number: r.number, service: r.service, ageMs: now - r.createdAt }, "activation open far past its expected life; waiting for its close or the overdue release");
      }
    }
    this.#stats.setStale(stale.length);
    return stale;
  }

  /**
   * An SMS the store already holds: the store routes it to the open reservation holding
   * its SIM (by ICCID, else by number), whatever the marketplace, and queues it for that
   * marketplace. An SMS on a SIM nobody holds stays stored and unrouted.
   */
  async routeSms(sms: SmsArrival & { portId: string }): Promise<RouteOutcome> {
    let result;
    try {
      result = await this.#ledger.attachSms({ smsId: sms.smsId, iccid: sms.iccid, number: sms.number?.replace(/^\+/, "") ?? null, at: sms.at });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.#log.error({ event: "sms-route-failed", smsId: sms.smsId, error }, "could not queue the SMS for its buyer; it stays stored, retry the routing");
      return { kind: "failed", error };
    }
    if (result.kind === "no-holder") {
      this.#stats.smsUnrouted();
      this.#log.info({ event: "sms-unrouted", smsId: sms.smsId, portId: sms.portId, reason: "no-open-activation" }, "SMS kept without an open activation");
      return { kind: "unrouted" };
    }
    const r = result.reservation;
    this.#holdings.markSms(r.id);
    if (result.kind === "queued") this.#stats.smsQueued(r.market);
    // debug: the SMS has its info line when received and another when delivered (issue 13: log cost per SMS).
    this.#log.debug(
      { event: "sms-routed", market: r.market, port: sms.portId, number: `+${r.number}`, smsId: sms.smsId, activationId: r.id, outboxId: result.deliveryId, duplicate: result.kind === "duplicate" },
      "SMS queued for its buyer",
    );
    return { kind: result.kind, reservation: r, deliveryId: result.deliveryId };
  }

  stats(): CoreStats {
    return this.#stats.snapshot({ modules: this.#inventory.modules, openReservations: this.#holdings.open.size });
  }

  /** The ledger behind this core (reports: earnings, listings). */
  get ledger(): SalesLedger {
    return this.#ledger;
  }
}

const ref = (s: { number: string; iccid: string; portId: string | null }) => ({ number: s.number, iccid: s.iccid, portId: s.portId });

function startsWithAny(number: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (number.startsWith(p)) return true;
  return false;
}
