/**
 * Grouping earnings (src/http/admin/earnings-report.ts) over any lines, any grouping and
 * any limit: a row never mixes currencies, the totals of a currency are exactly the sum of
 * its lines (to 1/10,000, whatever the order), each currency shows its best `limit` groups
 * in order and counts the rest, and `by` reads as people write it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { earningsReport, parseDimensions, type Dimension, type SaleLine } from "../../src/http/admin/earnings-report.js";

const line: fc.Arbitrary<SaleLine> = fc.record({
  market: fc.constantFrom("onlinesim", "smshub", "grizzly"),
  service: fc.constantFrom("telegram", "whatsapp", "vk"),
  number: fc.constantFrom("79160000001", "79160000002", "4915100000003"),
  iccid: fc.constantFrom("8970100000000000001", "8970100000000000002"),
  currency: fc.constantFrom("RUB", "USD", "EUR"),
  sold: fc.integer({ min: 1, max: 5 }),
  // Amounts with up to four decimals, as the SMSHUB family sends them.
  amount: fc.integer({ min: 0, max: 10_000_000 }).map((n) => n / 10_000),
});
const dims: fc.Arbitrary<Dimension[]> = fc.subarray(["market", "service", "sim"] as Dimension[], { minLength: 1 });
const units = (n: number) => Math.round(n * 10_000);

describe("earnings report", () => {
  it("keeps every currency apart, its totals exact, its best groups first, at most `limit` shown", () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 60 }), fc.array(line, { maxLength: 20 }), dims, fc.integer({ min: 1, max: 8 }), (window, today, by, limit) => {
        const r = earningsReport(window, today, by, limit);
        const currencies = [...new Set([...window, ...today].map((l) => l.currency))].sort();
        expect(r.currencies.map((c) => c.currency)).toEqual(currencies);
        for (const c of r.currencies) {
          const mine = window.filter((l) => l.currency === c.currency);
          const mineToday = today.filter((l) => l.currency === c.currency);
          expect(units(c.amount)).toBe(mine.reduce((u, l) => u + units(l.amount), 0));
          expect(c.sold).toBe(mine.reduce((n, l) => n + l.sold, 0));
          expect(units(c.today.amount)).toBe(mineToday.reduce((u, l) => u + units(l.amount), 0));
          const rows = r.rows.filter((x) => x.currency === c.currency);
          expect(rows).toHaveLength(Math.min(limit, c.groups));
          expect(c.shown).toBe(rows.length);
          for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.amount).toBeGreaterThanOrEqual(rows[i]!.amount);
          // A hidden group never earned more than the last one shown.
          if (rows.length < c.groups) {
            const shownUnits = rows.reduce((u, x) => u + units(x.amount), 0);
            expect(units(c.amount) - shownUnits).toBeLessThanOrEqual(units(rows[rows.length - 1]!.amount) * (c.groups - rows.length));
          }
        }
        for (const row of r.rows) {
          // The keys are exactly the dimensions asked for, and the currency.
          const keys = Object.keys(row).filter((k) => !["sold", "amount", "today", "currency"].includes(k)).sort();
          expect(keys).toEqual(by.flatMap((d) => (d === "sim" ? ["number", "iccid"] : [d])).sort());
          const matches = (l: SaleLine) => l.currency === row.currency && keys.every((k) => l[k as keyof SaleLine] === row[k as keyof typeof row]);
          expect(units(row.amount)).toBe(window.filter(matches).reduce((u, l) => u + units(l.amount), 0));
          expect(row.today.sold).toBe(today.filter(matches).reduce((n, l) => n + l.sold, 0));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("reads `by` as people write it: any order, any case, spaces; refuses anything else by name", () => {
    expect(parseDimensions("market")).toEqual(["market"]);
    expect(parseDimensions("SIM, Market")).toEqual(["market", "sim"]);
    expect(parseDimensions("service,market,service")).toEqual(["market", "service"]);
    expect(parseDimensions("market,port")).toEqual({ problem: "expected market, service, sim or a comma-separated list of them, got 'port'" });
    expect(parseDimensions("market,")).toEqual({ problem: "expected market, service, sim or a comma-separated list of them, got ''" });
  });
});
