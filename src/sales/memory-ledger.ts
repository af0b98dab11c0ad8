/**
 * The ledger port (ledger.ts) kept in memory, with exactly the contract the SQLite store
 * keeps on disk: for unit, property and restart tests, and for tools that need a core
 * without a file. "Durable" here means "kept in this object": a test that throws the core
 * away and opens a new one on the same MemoryLedger (or on `fromSnapshot(snapshot())`)
 * simulates a crash after the last committed write.
 *
 * Each operation runs whole at one moment, as a transaction does; `turnsBeforeWrite`
 * makes every call wait that many event-loop turns first, like a store across a network,
 * so tests see the core's requests overlap. Returned records are copies.
 */
import { burnFor } from "./burns.js";
import type {
  AttachResult,
  ClaimOrder,
  ClaimResult,
  ClosedCount,
  CloseRequest,
  CloseResult,
  LedgerState,
  ReleaseRequest,
  ReleaseResult,
  ReservationListItem,
  SalesLedger,
  SmsArrival,
} from "./ledger.js";
import type { ClosedReservation, EarningsRow, EarningsTotal, EpochMs, MarketUsage, Outcome, Reservation, SimEarnings, SoldPair } from "./types.js";

/** As a store keeps it: the close fields are absent while open. */
type Stored = Reservation &
  Partial<{ outcome: Outcome | null; status: number | null; finishSum: number | null; closedAt: EpochMs; closeReason: ClosedReservation["closeReason"]; finishedAt: EpochMs | null; refundedAt: EpochMs }>;

export interface Delivery {
  id: number;
  smsId: number;
  reservationId: number;
  createdAt: EpochMs;
}

export interface MemoryLedgerSnapshot {
  nextId: number;
  nextDeliveryId: number;
  reservations: Stored[];
  sold: SoldPair[];
  usage: MarketUsage[];
  deliveries: Delivery[];
}

const pairKey = (number: string, service: string): string => `${number}\u0000${service}`;
const usageKey = (market: string, number: string, service: string): string => `${market}\u0000${number}\u0000${service}`;

export class MemoryLedger implements SalesLedger {
  #nextId = 1;
  #nextDeliveryId = 1;
  readonly #reservations = new Map<number, Stored>();
  /** The open reservations by number and by ICCID: the stores' unique indexes. */
  readonly #openByNumber = new Map<string, Stored>();
  readonly #openByIccid = new Map<string, Stored>();
  readonly #sold = new Map<string, SoldPair>();
  readonly #usage = new Map<string, MarketUsage>();
  readonly #deliveries: Delivery[] = [];
  readonly #deliveryByPair = new Map<string, Delivery>();
  /** Test hook: the next write rejects before changing anything (a failed transaction). */
  failNextWrite = false;
  /** Committed writes, so tests can assert "nothing was written". */
  writes = 0;
  /** Event-loop turns each call waits before it runs (0 = it runs in the caller's turn). */
  turnsBeforeWrite: number;

  constructor(opts: { turnsBeforeWrite?: number } = {}) {
    this.turnsBeforeWrite = opts.turnsBeforeWrite ?? 0;
  }

  static fromSnapshot(snapshot: MemoryLedgerSnapshot, opts: { turnsBeforeWrite?: number } = {}): MemoryLedger {
    const l = new MemoryLedger(opts);
    const copy = structuredClone(snapshot);
    l.#nextId = copy.nextId;
    l.#nextDeliveryId = copy.nextDeliveryId;
    for (const r of copy.reservations) {
      l.#reservations.set(r.id, r);
      if (r.closedAt === undefined) {
        l.#openByNumber.set(r.number, r);
        l.#openByIccid.set(r.iccid, r);
      }
    }
    for (const s of copy.sold) l.#sold.set(pairKey(s.number, s.service), s);
    for (const u of copy.usage) l.#usage.set(usageKey(u.market, u.number, u.service), u);
    for (const d of copy.deliveries) {
      l.#deliveries.push(d);
      l.#deliveryByPair.set(`${d.smsId}/${d.reservationId}`, d);
    }
    return l;
  }

  snapshot(): MemoryLedgerSnapshot {
    return structuredClone({
      nextId: this.#nextId,
      nextDeliveryId: this.#nextDeliveryId,
      reservations: [...this.#reservations.values()],
      sold: [...this.#sold.values()],
      usage: [...this.#usage.values()],
      deliveries: this.#deliveries,
    });
  }

  /** Test view: the delivery rows (the outbox). */
  deliveries(): Delivery[] {
    return this.#deliveries.map((d) => ({ ...d }));
  }

  async load(): Promise<LedgerState> {
    await this.#turns();
    const open: Reservation[] = [];
    const lastUsed = new Map<string, EpochMs>();
    for (const r of [...this.#reservations.values()].sort((a, b) => a.id - b.id)) {
      if (r.closedAt === undefined) open.push(openView(r));
      lastUsed.set(r.number, Math.max(lastUsed.get(r.number) ?? 0, r.createdAt));
    }
    const withSms = new Set(this.#deliveries.map((d) => d.reservationId));
    return {
      open,
      sold: [...this.#sold.values()].map((s) => ({ ...s })),
      usage: [...this.#usage.values()].filter((u) => u.cancels > 0 || u.excluded).map((u) => ({ ...u })),
      lastUsed: [...lastUsed].map(([number, at]) => ({ number, at })),
      openWithSms: open.filter((r) => withSms.has(r.id)).map((r) => r.id),
    };
  }

  async claim(orders: readonly ClaimOrder[]): Promise<ClaimResult[]> {
    await this.#turns();
    if (orders.length === 0) return [];
    this.#maybeFail();
    const results: ClaimResult[] = [];
    for (const order of orders) {
      const r = order.reservation;
      const sim = order.candidates.find(
        (c) =>
          !this.#openByNumber.has(c.number) &&
          !this.#openByIccid.has(c.iccid) &&
          !this.#sold.has(pairKey(c.number, r.service)) &&
          this.#usage.get(usageKey(r.market, c.number, r.service))?.excluded !== true,
      );
      if (!sim) {
        results.push({ kind: "taken" });
        continue;
      }
      const stored: Stored = { ...r, number: sim.number, iccid: sim.iccid, portId: sim.portId, country: sim.country, operator: sim.operator, id: this.#nextId++ };
      this.#reservations.set(stored.id, stored);
      this.#openByNumber.set(stored.number, stored);
      this.#openByIccid.set(stored.iccid, stored);
      results.push({ kind: "reserved", reservation: openView(stored) });
    }
    this.writes++;
    return results;
  }

  async close(req: CloseRequest): Promise<CloseResult> {
    await this.#turns();
    const r = this.#reservations.get(req.id);
    if (!r || r.market !== req.market) return { kind: "unknown" };
    const released = awaitingClose(r);
    if (r.closedAt !== undefined && !released) {
      // A refund of a sale: recorded once beside the sale, which stays the outcome (and the burn).
      if (r.outcome === "sold" && req.outcome.kind === "refunded" && r.refundedAt === undefined) {
        this.#maybeFail();
        r.refundedAt = req.closedAt;
        this.writes++;
        return { kind: "already-closed", reservation: closedView(r), refundedAfterSale: true };
      }
      return { kind: "already-closed", reservation: closedView(r) };
    }
    this.#maybeFail();
    const burns = burnFor(req.outcome, r, { sold: this.#sold.has(pairKey(r.number, r.service)), usage: this.#usage.get(usageKey(r.market, r.number, r.service)) }, req.closedAt);
    r.outcome = req.outcome.kind;
    r.status = req.status;
    r.finishSum = req.finishSum;
    r.finishedAt = req.closedAt;
    if (!released) {
      r.closedAt = req.closedAt;
      r.closeReason = req.by;
      this.#free(r);
    }
    if (burns.sold) this.#sold.set(pairKey(burns.sold.number, burns.sold.service), { ...burns.sold });
    if (burns.usage) this.#usage.set(usageKey(burns.usage.market, burns.usage.number, burns.usage.service), { ...burns.usage });
    this.writes++;
    return { kind: released ? "finished-after-release" : "closed", reservation: closedView(r), burns };
  }

  async release(req: ReleaseRequest): Promise<ReleaseResult> {
    await this.#turns();
    const r = this.#reservations.get(req.id);
    if (!r || r.closedAt !== undefined) return { kind: "not-open" };
    this.#maybeFail();
    r.outcome = null;
    r.status = null;
    r.finishSum = null;
    r.finishedAt = null;
    r.closedAt = req.releasedAt;
    r.closeReason = req.reason;
    this.#free(r);
    this.writes++;
    return { kind: "released", reservation: closedView(r) };
  }

  async find(id: number): Promise<Reservation | ClosedReservation | undefined> {
    await this.#turns();
    const r = this.#reservations.get(id);
    if (!r) return undefined;
    return r.closedAt === undefined ? openView(r) : closedView(r);
  }

  async attachSms(sms: SmsArrival): Promise<AttachResult> {
    await this.#turns();
    const holder = (sms.iccid !== null ? this.#openByIccid.get(sms.iccid) : undefined) ?? (sms.number !== null ? this.#openByNumber.get(sms.number) : undefined);
    if (!holder) return { kind: "no-holder" };
    const existing = this.#deliveryByPair.get(`${sms.smsId}/${holder.id}`);
    if (existing) return { kind: "duplicate", reservation: openView(holder), deliveryId: existing.id };
    this.#maybeFail();
    const d: Delivery = { id: this.#nextDeliveryId++, smsId: sms.smsId, reservationId: holder.id, createdAt: sms.at };
    this.#deliveries.push(d);
    this.#deliveryByPair.set(`${d.smsId}/${d.reservationId}`, d);
    this.writes++;
    return { kind: "queued", reservation: openView(holder), deliveryId: d.id };
  }

  async earnings(since: EpochMs): Promise<EarningsRow[]> {
    await this.#turns();
    const rows = new Map<string, EarningsRow>();
    for (const r of this.#reservations.values()) {
      if (r.outcome !== "sold" || r.refundedAt !== undefined || r.finishedAt === undefined || r.finishedAt === null || r.finishedAt < since) continue;
      const key = [r.market, r.service, r.number, r.iccid, r.currency].join("\u0000");
      const row = rows.get(key) ?? { market: r.market, service: r.service, number: r.number, iccid: r.iccid, currency: r.currency, sold: 0, amount: 0 };
      row.sold++;
      row.amount += r.finishSum ?? r.sum;
      rows.set(key, row);
    }
    return [...rows.values()].sort(compareEarnings);
  }

  async earningsTotals(since: EpochMs): Promise<EarningsTotal[]> {
    const rows = new Map<string, EarningsTotal>();
    for (const r of await this.earnings(since)) {
      const key = [r.market, r.service, r.currency].join("\u0000");
      const row = rows.get(key) ?? { market: r.market, service: r.service, currency: r.currency, sold: 0, amount: 0 };
      row.sold += r.sold;
      row.amount += r.amount;
      rows.set(key, row);
    }
    return [...rows.values()].sort((a, b) => a.market.localeCompare(b.market) || a.service.localeCompare(b.service) || a.currency.localeCompare(b.currency));
  }

  async earningsPerSim(since: EpochMs): Promise<SimEarnings[]> {
    const rows = new Map<string, SimEarnings>();
    for (const r of await this.earnings(since)) {
      const key = [r.market, r.number, r.iccid, r.currency].join("\u0000");
      const row = rows.get(key) ?? { market: r.market, number: r.number, iccid: r.iccid, currency: r.currency, sold: 0, amount: 0 };
      row.sold += r.sold;
      row.amount += r.amount;
      rows.set(key, row);
    }
    return [...rows.values()].sort((a, b) => a.market.localeCompare(b.market) || a.number.localeCompare(b.number) || a.currency.localeCompare(b.currency) || a.iccid.localeCompare(b.iccid));
  }

  async recent(limit: number): Promise<ReservationListItem[]> {
    await this.#turns();
    const all = [...this.#reservations.values()].sort((a, b) => b.id - a.id);
    const newest = new Set(all.slice(0, limit).map((r) => r.id));
    return all
      .filter((r) => r.closedAt === undefined || newest.has(r.id))
      .map((r) => {
        const closed = r.closedAt === undefined ? undefined : closedView(r);
        return {
          ...openView(r),
          outcome: closed?.outcome ?? null,
          status: closed?.status ?? null,
          finishSum: closed?.finishSum ?? null,
          closedAt: closed?.closedAt ?? null,
          closeReason: closed?.closeReason ?? null,
          finishedAt: closed?.finishedAt ?? null,
          ...(closed?.refundedAt !== undefined ? { refundedAt: closed.refundedAt } : {}),
          smsCount: this.#deliveries.filter((d) => d.reservationId === r.id).length,
        };
      });
  }

  async closedCounts(): Promise<ClosedCount[]> {
    await this.#turns();
    const counts = new Map<string, ClosedCount>();
    for (const r of this.#reservations.values()) {
      if (r.outcome === undefined || r.outcome === null || r.status === undefined || r.status === null) continue;
      const key = `${r.market}\u0000${r.outcome}\u0000${r.status}`;
      const c = counts.get(key) ?? { market: r.market, outcome: r.outcome, status: r.status, count: 0 };
      c.count++;
      counts.set(key, c);
    }
    return [...counts.values()].sort((a, b) => a.market.localeCompare(b.market) || a.status - b.status || a.outcome.localeCompare(b.outcome));
  }

  #free(r: Stored): void {
    if (this.#openByNumber.get(r.number) === r) this.#openByNumber.delete(r.number);
    if (this.#openByIccid.get(r.iccid) === r) this.#openByIccid.delete(r.iccid);
  }

  async #turns(): Promise<void> {
    for (let i = 0; i < this.turnsBeforeWrite; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  #maybeFail(): void {
    if (this.failNextWrite) {
      this.failNextWrite = false;
      throw new Error("simulated store failure (transaction rolled back)");
    }
  }
}

export function compareEarnings(a: EarningsRow, b: EarningsRow): number {
  return a.market.localeCompare(b.market) || a.service.localeCompare(b.service) || a.number.localeCompare(b.number) || a.currency.localeCompare(b.currency) || a.iccid.localeCompare(b.iccid);
}

function openView(r: Stored): Reservation {
  const { id, market, number, iccid, portId, country, operator, service, sum, currency, createdAt } = r;
  return { id, market, number, iccid, portId, country, operator, service, sum, currency, createdAt };
}

/** Released without a close so far. */
function awaitingClose(r: Stored): boolean {
  return r.closedAt !== undefined && (r.closeReason === "undelivered" || r.closeReason === "overdue") && (r.finishedAt ?? null) === null;
}

function closedView(r: Stored): ClosedReservation {
  const finishedAt = r.finishedAt ?? null;
  return {
    ...openView(r),
    outcome: finishedAt === null ? null : (r.outcome ?? null),
    status: finishedAt === null ? null : (r.status ?? null),
    finishSum: r.finishSum ?? null,
    closedAt: r.closedAt ?? 0,
    closeReason: r.closeReason ?? "finish",
    finishedAt,
    ...(r.refundedAt !== undefined ? { refundedAt: r.refundedAt } : {}),
  };
}
