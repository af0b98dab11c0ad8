/**
 * The daemon's earnings, all time and today, kept in memory for the status page and
 * /metrics, which read them on every build and every scrape.
 *
 * Why not ask the ledger each time: its totals (`earningsTotals(0)`, per service ×
 * marketplace × currency) scan every sold reservation ever, 0.1–0.2 s at 100,000 sales on
 * the SQLite store, holding the event loop all along (orders wait). So the book reads the
 * ledger once, when the admin listener starts, and then adds each sale the sales core
 * announces ("outcome-recorded", src/sales/events.ts): a sold close, or one recorded after
 * a release; a sale refunded later leaves them again ("sale-refunded"). "Today" starts at local midnight of the daemon's host; at the next midnight
 * it starts again, empty, and takes the sales recorded from then on.
 *
 * The book keeps the recorded outcomes too, counted per marketplace × status value (the
 * ledger's `closedCounts`, then every "outcome-recorded", sold or not): the status page's
 * closed activations and /metrics' `simgate_activations_closed_total` read them, for the
 * same reason (a scan of every reservation ever is no thing to do per scrape).
 *
 * Sales announced before the first read is done are not added (the read has them). The
 * read is three queries, all time, today and the closed counts: an outcome recorded between
 * them would be in one and not another, so a read during which one was announced is made
 * again (a few times at most, then kept). This is exact on a store that resolves a write in the turn it
 * commits (the SQLite store, the in-memory ledger): a sale the read saw is announced
 * before the read's answer is seen. A store across a network would need the read to say
 * which sales it counted.
 */
import { EarningsTally, type SaleTotal } from "./earnings-report.js";
import { localMidnight } from "./local-day.js";

/** A recorded outcome as the sales core announces it; its `ClosedReservation` fits. */
export interface RecordedOutcome {
  outcome: string;
  market: string;
  service: string;
  number: string;
  iccid: string;
  currency: string;
  /** The price offered, counted when the close named no amount (as the ledger counts it). */
  sum: number;
  finishSum: number | null;
  finishedAt: number | null;
  closedAt: number;
  /** The marketplace's own status value of the close. */
  status: number | null;
}

/** Recorded outcomes of one marketplace with one status value; the sales ledger's `ClosedCount` fits. */
export interface ClosedCountLine {
  market: string;
  status: number;
  count: number;
}

/** What the book reads: the sales core (its ledger, and its events). */
export interface EarningsSource {
  readonly ledger: { earningsTotals(since: number): Promise<SaleTotal[]>; closedCounts(): Promise<ClosedCountLine[]> };
  on(event: "outcome-recorded", listener: (r: RecordedOutcome) => void): unknown;
  /** A sale the marketplace refunded later: it leaves the totals it was counted in. */
  on(event: "sale-refunded", listener: (r: RecordedOutcome) => void): unknown;
}

/** A first read repeated this often without settling is kept (see the header). */
const MAX_READS = 5;

/**
 * One window's sales per marketplace, and per marketplace × service (each with its
 * currency). No line per SIM: at 100,000 sales that is as many lines and some 80 MB, for
 * a view only `simgate earnings --by sim` asks for, and it asks the ledger.
 */
class Window {
  readonly markets = new EarningsTally(["market"]);
  readonly services = new EarningsTally(["market", "service"]);
  constructor(readonly start: number) {}

  add(line: SaleTotal): void {
    this.markets.add(line);
    this.services.add(line);
  }

  static of(start: number, lines: readonly SaleTotal[]): Window {
    const w = new Window(start);
    for (const l of lines) w.add(l);
    return w;
  }
}

/** Recorded outcomes per marketplace × status value, all time. */
export class ClosedTally {
  readonly #counts = new Map<string, Map<number, number>>();

  add(line: ClosedCountLine): void {
    let perStatus = this.#counts.get(line.market);
    if (!perStatus) this.#counts.set(line.market, (perStatus = new Map()));
    perStatus.set(line.status, (perStatus.get(line.status) ?? 0) + line.count);
  }

  /** Per status value over every marketplace, keyed by the value as text (the status document's `closedActivations`). */
  byStatus(): Record<string, number> {
    const out: Record<string, number> = {};
    const statuses = [...this.#counts.values()].flatMap((m) => [...m.entries()]).sort(([a], [b]) => a - b);
    for (const [status, count] of statuses) out[String(status)] = (out[String(status)] ?? 0) + count;
    return out;
  }

  /** Per marketplace × status value, ordered by both. */
  entries(): ClosedCountLine[] {
    return [...this.#counts.entries()]
      .flatMap(([market, m]) => [...m.entries()].map(([status, count]) => ({ market, status, count })))
      .sort((a, b) => a.market.localeCompare(b.market) || a.status - b.status);
  }

  static of(lines: readonly ClosedCountLine[]): ClosedTally {
    const t = new ClosedTally();
    for (const l of lines) t.add(l);
    return t;
  }
}

export interface EarningsSnapshot {
  /** False until the first read of the ledger is done: every figure is then empty. */
  loaded: boolean;
  /** Where "today" starts (local midnight, epoch ms). */
  todayStart: number;
  allTime: Window;
  today: Window;
  /** Recorded outcomes (sold or not), all time. */
  closed: ClosedTally;
}

const books = new WeakMap<EarningsSource, EarningsBook>();

export class EarningsBook {
  #allTime: Window | undefined;
  #today: Window | undefined;
  #closed: ClosedTally | undefined;
  /** Outcomes announced so far: a first read that saw this change is made again. */
  #announced = 0;
  #loading: Promise<void> | undefined;

  /** The one book of this sales core (the status document, /metrics and the API share it). */
  static of(source: EarningsSource): EarningsBook {
    let book = books.get(source);
    if (!book) books.set(source, (book = new EarningsBook(source)));
    return book;
  }

  constructor(
    private readonly source: EarningsSource,
    private readonly clock: () => number = Date.now,
  ) {
    source.on("outcome-recorded", (r) => {
      this.#countClosed(r);
      this.#record(r, 1);
    });
    source.on("sale-refunded", (r) => this.#record(r, -1));
  }

  get loaded(): boolean {
    return this.#allTime !== undefined;
  }

  /** Resolves once the ledger was read; a failed read rejects, and the next call tries again. */
  ready(): Promise<void> {
    if (this.#allTime) return Promise.resolve();
    this.#loading ??= this.#load().finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  /** For what serves the figures: waits for the first read; a failed one is served as no earnings rather than an error. */
  async settled(): Promise<void> {
    await this.ready().catch(() => undefined);
  }

  /** All time and today, as far as read (empty before `ready`). */
  snapshot(): EarningsSnapshot {
    const todayStart = localMidnight(this.clock());
    if (!this.#allTime || !this.#today || !this.#closed) return { loaded: false, todayStart, allTime: new Window(0), today: new Window(todayStart), closed: new ClosedTally() };
    if (this.#today.start < todayStart) this.#today = new Window(todayStart);
    return { loaded: true, todayStart, allTime: this.#allTime, today: this.#today, closed: this.#closed };
  }

  /** Sales per service × marketplace × currency since `since` (epoch ms): all time and today from memory, any other window from the ledger. */
  async totals(since: number): Promise<SaleTotal[]> {
    await this.ready();
    const s = this.snapshot();
    if (since <= 0) return toTotals(s.allTime);
    if (since === s.todayStart) return toTotals(s.today);
    return this.source.ledger.earningsTotals(since);
  }

  async #load(): Promise<void> {
    for (let read = 1; ; read++) {
      const before = this.#announced;
      const todayStart = localMidnight(this.clock());
      const [all, today, closed] = await Promise.all([this.source.ledger.earningsTotals(0), this.source.ledger.earningsTotals(todayStart), this.source.ledger.closedCounts()]);
      if (this.#announced !== before && read < MAX_READS) continue;
      this.#allTime = Window.of(0, all);
      this.#today = Window.of(todayStart, today);
      this.#closed = ClosedTally.of(closed);
      return;
    }
  }

  /** Any recorded outcome counts once for its marketplace and status (a refund later changes neither). */
  #countClosed(r: RecordedOutcome): void {
    if (r.status === null) return;
    this.#announced++;
    this.#closed?.add({ market: r.market, status: r.status, count: 1 });
  }

  /** A sale (+1) or the refund of one (−1, taken out of the windows that counted it). */
  #record(r: RecordedOutcome, sign: 1 | -1): void {
    if (r.outcome !== "sold") return;
    this.#announced++;
    if (!this.#allTime || !this.#today) return;
    const line: SaleTotal = { market: r.market, service: r.service, currency: r.currency, sold: sign, amount: sign * (r.finishSum ?? r.sum) };
    this.#allTime.add(line);
    const day = localMidnight(r.finishedAt ?? r.closedAt);
    if (day > this.#today.start) this.#today = new Window(day);
    if (day === this.#today.start) this.#today.add(line);
  }
}

function toTotals(w: Window): SaleTotal[] {
  return w.services.entries().map((e) => ({ market: e.market!, service: e.service!, currency: e.currency, sold: e.sold, amount: e.amount }));
}
