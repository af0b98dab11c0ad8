/**
 * The earnings book behind the status page and /metrics (src/http/admin/earnings-book.ts):
 * the real sales core over the real SQLite store (and over the in-memory ledger that waits
 * event-loop turns, like a store across a network), two marketplaces paying in RUB and
 * USD. Whatever the order of sales, releases, late closes, midnights and the book's first
 * read, the book says exactly what the ledger says, all time and today; currencies are
 * never added together. Its closed activations per marketplace and status are the ledger's
 * `closedCounts`, whatever the outcome.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { EarningsBook } from "../../src/http/admin/earnings-book.js";
import { EarningsTally, type SaleTotal } from "../../src/http/admin/earnings-report.js";
import { localMidnight } from "../../src/http/admin/local-day.js";
import { SalesCore } from "../../src/sales/core.js";
import type { PortInput } from "../../src/sales/inventory.js";
import type { SalesLedger } from "../../src/sales/ledger.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { DEFAULT_RULES } from "../../src/sales/policy.js";
import type { CloseOutcome } from "../../src/sales/types.js";
import { openStore } from "../../src/store/index.js";
import { tempStateDir } from "../store/helpers.js";

const SERVICES = ["telegram", "whatsapp"];
const MARKETS = [
  { id: "onlinesim", currency: "RUB" },
  { id: "smshub", currency: "USD" },
] as const;
const SIMS = 5;
const ports: PortInput[] = Array.from({ length: SIMS }, (_, i) => ({
  id: `p${i}`,
  state: "ready",
  present: true,
  iccid: `89701000000000000${String(i).padStart(2, "0")}`,
  number: `+7916000000${i}`,
  mcc: "250",
  mnc: "01",
}));
/** 2026-12-07 22:00 local: two hours before a midnight. */
const EVENING = new Date(2026, 11, 7, 22, 0, 0).getTime();

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function sqliteLedger(): SalesLedger {
  const t = tempStateDir();
  const store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
  cleanups.push(t.cleanup, () => store.close());
  return store.sales;
}

async function coreOver(ledger: SalesLedger, clock: () => number): Promise<SalesCore> {
  const core = await SalesCore.open({ ledger, markets: MARKETS.map((m) => ({ ...DEFAULT_RULES, id: m.id, services: SERVICES })), clock });
  core.updatePorts(ports);
  return core;
}

/** Per service × marketplace × currency, amounts exact: the way both sides are compared (the ledger's SIM lines, added up). */
const grouped = (lines: readonly SaleTotal[]) =>
  new EarningsTally(["market", "service"])
    .addAll(lines)
    .entries()
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

async function sell(core: SalesCore, market: (typeof MARKETS)[number], service: string, price: number, finishSum: number | null): Promise<number> {
  const r = await core.reserve({ market: market.id, service, excludePrefixes: [], price: { amount: price, currency: market.currency } });
  if (r.status !== "reserved") throw new Error(`no SIM for ${market.id}/${service}`);
  const c = await core.close({ market: market.id, id: r.reservation.id, outcome: { kind: "sold" }, status: 3, finishSum, by: "finish" });
  expect(c.kind).toBe("closed");
  return r.reservation.id;
}

/** The ledger's closed counts per marketplace × status (its rows also split by outcome), as the book keeps them. */
function closedPerStatus(rows: readonly { market: string; status: number; count: number }[]): { market: string; status: number; count: number }[] {
  const sums = new Map<string, { market: string; status: number; count: number }>();
  for (const r of rows) {
    const key = `${r.market}\u0000${r.status}`;
    const line = sums.get(key) ?? { market: r.market, status: r.status, count: 0 };
    line.count += r.count;
    sums.set(key, line);
  }
  return [...sums.values()].sort((a, b) => a.market.localeCompare(b.market) || a.status - b.status);
}

describe("earnings book", () => {
  it("after its first read, adds each sale per marketplace and currency without asking the ledger again", async () => {
    let now = EVENING;
    const ledger = sqliteLedger();
    const core = await coreOver(ledger, () => now);
    await sell(core, MARKETS[0], "telegram", 10, 12.5);
    const book = new EarningsBook(core, () => now);
    await book.ready();
    let reads = 0;
    const totals = ledger.earningsTotals.bind(ledger);
    ledger.earningsTotals = (since) => (reads++, totals(since));
    await sell(core, MARKETS[0], "whatsapp", 8, null); // no amount named: the price offered counts
    await sell(core, MARKETS[1], "telegram", 0.1, 0.0125);
    await sell(core, MARKETS[1], "whatsapp", 0.2, null);
    const s = book.snapshot();
    expect(reads).toBe(0);
    expect(s.allTime.markets.entries().sort((a, b) => a.market!.localeCompare(b.market!))).toEqual([
      { market: "onlinesim", currency: "RUB", sold: 2, amount: 20.5 },
      { market: "smshub", currency: "USD", sold: 2, amount: 0.2125 },
    ]);
    expect(s.today.markets.get({ market: "smshub", currency: "USD" })).toEqual({ sold: 2, amount: 0.2125 });
    expect(s.allTime.services.get({ market: "onlinesim", service: "whatsapp", currency: "RUB" })).toEqual({ sold: 1, amount: 8 });
    expect(grouped(await book.totals(0))).toEqual(grouped(await ledger.earnings(0)));
    expect(await book.totals(0)).toEqual(await totals(0));
  });

  it("counts a sale recorded after its reservation was released (a late close), once", async () => {
    const now = EVENING;
    const ledger = sqliteLedger();
    const core = await coreOver(ledger, () => now);
    const book = new EarningsBook(core, () => now);
    await book.ready();
    const r = await core.reserve({ market: "smshub", service: "telegram", excludePrefixes: [], price: { amount: 0.5, currency: "USD" } });
    if (r.status !== "reserved") throw new Error("no SIM");
    await core.withdraw("smshub", r.reservation.id, "answer lost"); // released: undelivered
    const close = { market: "smshub", id: r.reservation.id, outcome: { kind: "sold" } as CloseOutcome, status: 6, finishSum: 0.45, by: "finish" as const };
    expect((await core.close(close)).kind).toBe("finished-after-release");
    expect((await core.close(close)).kind).toBe("already-closed");
    expect(book.snapshot().allTime.markets.entries()).toEqual([{ market: "smshub", currency: "USD", sold: 1, amount: 0.45 }]);
    expect(grouped(await book.totals(0))).toEqual(grouped(await ledger.earnings(0)));
  });

  it("starts today again at local midnight with the sales recorded since", async () => {
    let now = EVENING;
    const ledger = sqliteLedger();
    const core = await coreOver(ledger, () => now);
    const book = new EarningsBook(core, () => now);
    await sell(core, MARKETS[0], "telegram", 10, null);
    await book.ready();
    expect(book.snapshot().today.markets.entries()).toEqual([{ market: "onlinesim", currency: "RUB", sold: 1, amount: 10 }]);
    now = EVENING + 3 * 3_600_000; // 01:00 the next day
    expect(book.snapshot().todayStart).toBe(localMidnight(now));
    expect(book.snapshot().today.markets.entries()).toEqual([]);
    await sell(core, MARKETS[0], "whatsapp", 7, null);
    const s = book.snapshot();
    expect(s.today.markets.entries()).toEqual([{ market: "onlinesim", currency: "RUB", sold: 1, amount: 7 }]);
    expect(s.allTime.markets.entries()).toEqual([{ market: "onlinesim", currency: "RUB", sold: 2, amount: 17 }]);
    expect(grouped(await book.totals(localMidnight(now)))).toEqual(grouped(await ledger.earnings(localMidnight(now))));
    // Any other window is the ledger's answer.
    expect(grouped(await book.totals(EVENING + 1))).toEqual(grouped(await ledger.earnings(EVENING + 1)));
  });

  it("a first read during which a sale was announced is made again (a store whose reads and writes interleave)", async () => {
    const ledger = sqliteLedger();
    const core = await coreOver(ledger, () => EVENING);
    const book = new EarningsBook(core, () => EVENING);
    const totals = ledger.earningsTotals.bind(ledger);
    let sale: Promise<number> | undefined;
    // All time is read before the sale, today after it: the two halves disagree unless read again.
    ledger.earningsTotals = async (since) => {
      if (since > 0 && sale === undefined) await (sale = sell(core, MARKETS[1], "telegram", 0.3, null));
      return totals(since);
    };
    await book.ready();
    expect(sale).toBeDefined();
    const s = book.snapshot();
    expect(s.allTime.markets.entries()).toEqual([{ market: "smshub", currency: "USD", sold: 1, amount: 0.3 }]);
    expect(s.today.markets.entries()).toEqual([{ market: "smshub", currency: "USD", sold: 1, amount: 0.3 }]);
  });

  it("counts the closed activations per marketplace and status from its first read on, sold or not; a refund after a sale changes no count", async () => {
    let now = EVENING;
    const ledger = sqliteLedger();
    const core = await coreOver(ledger, () => now);
    await sell(core, MARKETS[0], "telegram", 10, null);
    const cancelled = await core.reserve({ market: "smshub", service: "telegram", excludePrefixes: [], price: { amount: 1, currency: "USD" } });
    if (cancelled.status !== "reserved") throw new Error("no SIM");
    await core.close({ market: "smshub", id: cancelled.reservation.id, outcome: { kind: "cancelled", cancelLimit: 4 }, status: 8, finishSum: null, by: "finish" });
    const book = new EarningsBook(core, () => now);
    expect(book.snapshot().closed.entries()).toEqual([]);
    await book.ready();
    expect(book.snapshot().closed.entries()).toEqual([
      { market: "onlinesim", status: 3, count: 1 },
      { market: "smshub", status: 8, count: 1 },
    ]);
    const sold = await sell(core, MARKETS[1], "whatsapp", 0.5, null);
    const refused = await core.reserve({ market: "onlinesim", service: "whatsapp", excludePrefixes: [], price: { amount: 1, currency: "RUB" } });
    if (refused.status !== "reserved") throw new Error("no SIM");
    await core.close({ market: "onlinesim", id: refused.reservation.id, outcome: { kind: "rejected" }, status: 1, finishSum: null, by: "operator" });
    await core.close({ market: "smshub", id: sold, outcome: { kind: "refunded" }, status: 8, finishSum: null, by: "finish" });
    expect(book.snapshot().closed.entries()).toEqual(closedPerStatus(await ledger.closedCounts()));
    expect(book.snapshot().closed.entries()).toEqual([
      { market: "onlinesim", status: 1, count: 1 },
      { market: "onlinesim", status: 3, count: 1 },
      { market: "smshub", status: 3, count: 1 },
      { market: "smshub", status: 8, count: 1 },
    ]);
    // The status document's compatible view: per status value, over every marketplace.
    expect(book.snapshot().closed.byStatus()).toEqual({ "1": 1, "3": 2, "8": 1 });
  });

  it("a first read that fails rejects, and the next one reads again", async () => {
    const ledger = new MemoryLedger();
    const core = await coreOver(ledger, Date.now);
    const book = new EarningsBook(core);
    const totals = ledger.earningsTotals.bind(ledger);
    ledger.earningsTotals = () => Promise.reject(new Error("disk I/O error"));
    await expect(book.ready()).rejects.toThrow("disk I/O error");
    expect(book.snapshot().loaded).toBe(false);
    ledger.earningsTotals = totals;
    await book.ready();
    expect(book.snapshot().loaded).toBe(true);
  });

  type Step =
    | { kind: "sell"; market: 0 | 1; service: number; price: number; finishSum: number | null; wait: boolean }
    | { kind: "cancel"; market: 0 | 1; service: number }
    | { kind: "lateSale"; market: 0 | 1; service: number; finishSum: number | null }
    | { kind: "read" }
    | { kind: "hours"; hours: number };
  const price = fc.integer({ min: 1, max: 99_999 }).map((n) => n / 10_000);
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("sell" as const), market: fc.constantFrom(0 as const, 1 as const), service: fc.nat(1), price, finishSum: fc.option(price), wait: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), market: fc.constantFrom(0 as const, 1 as const), service: fc.nat(1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("lateSale" as const), market: fc.constantFrom(0 as const, 1 as const), service: fc.nat(1), finishSum: fc.option(price) }) },
    { weight: 1, arbitrary: fc.constant({ kind: "read" as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("hours" as const), hours: fc.integer({ min: 1, max: 30 }) }) },
  );

  for (const [name, makeLedger] of [
    ["SQLite store", sqliteLedger],
    ["ledger two turns away", () => new MemoryLedger({ turnsBeforeWrite: 2 })],
  ] as const) {
    it(`says what the ledger says, all time and today, whatever the interleaving (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
          let now = EVENING;
          const ledger = makeLedger();
          const core = await coreOver(ledger, () => now);
          const book = new EarningsBook(core, () => now);
          const inFlight: Promise<unknown>[] = [];
          const reserve = async (m: 0 | 1, service: number, amount: number) => {
            const r = await core.reserve({ market: MARKETS[m].id, service: SERVICES[service]!, excludePrefixes: [], price: { amount, currency: MARKETS[m].currency } });
            return r.status === "reserved" ? r.reservation : undefined;
          };
          for (const s of steps) {
            if (s.kind === "read") inFlight.push(book.ready()); // not awaited: sales go on while it reads
            else if (s.kind === "hours") now += s.hours * 3_600_000;
            else if (s.kind === "sell") {
              const sale = (async () => {
                const r = await reserve(s.market, s.service, s.price);
                if (r) await core.close({ market: r.market, id: r.id, outcome: { kind: "sold" }, status: 3, finishSum: s.finishSum, by: "finish" });
              })();
              if (s.wait) await sale;
              else inFlight.push(sale);
            } else if (s.kind === "cancel") {
              const r = await reserve(s.market, s.service, 1);
              if (r) await core.close({ market: r.market, id: r.id, outcome: { kind: "cancelled", cancelLimit: 4 }, status: 4, finishSum: null, by: "finish" });
            } else {
              const r = await reserve(s.market, s.service, 2);
              if (r) {
                await core.withdraw(r.market, r.id, "answer lost");
                await core.close({ market: r.market, id: r.id, outcome: { kind: "sold" }, status: 3, finishSum: s.finishSum, by: "finish" });
              }
            }
          }
          await Promise.all(inFlight);
          await book.ready();
          const today = localMidnight(now);
          expect(book.snapshot().todayStart).toBe(today);
          expect(grouped(await book.totals(0))).toEqual(grouped(await ledger.earnings(0)));
          expect(grouped(await book.totals(today))).toEqual(grouped(await ledger.earnings(today)));
          const s = book.snapshot();
          const byMarket = (lines: readonly SaleTotal[]) => new EarningsTally(["market"]).addAll(lines).entries().sort((a, b) => a.market!.localeCompare(b.market!));
          expect(s.allTime.markets.entries().sort((a, b) => a.market!.localeCompare(b.market!))).toEqual(byMarket(await ledger.earnings(0)));
          expect(s.today.markets.entries().sort((a, b) => a.market!.localeCompare(b.market!))).toEqual(byMarket(await ledger.earnings(today)));
          for (const e of s.allTime.markets.entries()) expect(e.currency).toBe(MARKETS.find((m) => m.id === e.market)!.currency);
          expect(s.closed.entries()).toEqual(closedPerStatus(await ledger.closedCounts()));
        }),
        { numRuns: 40 },
      );
    }, 120_000);
  }
});
