/**
 * The earnings families of /metrics, from the earnings book (earnings-book.ts): labels are
 * the marketplace, the currency and the service, never a SIM, so the number of series
 * stays marketplaces × services however many SIMs the pool has. Each currency is its own
 * series: a sum over `currency` in a query adds roubles to dollars.
 */
import type { EarningsSnapshot } from "./earnings-book.js";
import { addAmounts } from "./earnings-report.js";
import type { Exposition, Sample } from "./metrics-format.js";

export function writeEarningsMetrics(e: Exposition, book: EarningsSnapshot): void {
  // Before the book's first read nothing is written: a counter read as 0 would look like a reset.
  const markets = book.loaded ? book.allTime.markets.entries() : [];
  e.family(
    "simgate_earnings_total",
    "counter",
    "Earned from sold reservations per marketplace and currency, all time (from the store): the close's amount, else the price offered.",
    markets.map((m) => ({ labels: { market: m.market!, currency: m.currency }, value: m.amount })),
  );
  const sold = new Map<string, Sample & { labels: { market: string; service: string } }>();
  for (const s of book.loaded ? book.allTime.services.entries() : []) {
    const key = `${s.market}\u0000${s.service}`;
    const sample = sold.get(key);
    if (sample) sample.value += s.sold;
    else sold.set(key, { labels: { market: s.market!, service: s.service! }, value: s.sold });
  }
  e.family("simgate_sold_total", "counter", "Reservations sold per marketplace and service, all time (from the store).", sold.values());
  e.single(
    "simgate_earnings_rub_total",
    "counter",
    'RUB earned on every marketplace, all time. Kept for dashboards made before simgate_earnings_total{currency="RUB"}, which has it per marketplace.',
    book.loaded ? addAmounts(markets.filter((m) => m.currency === "RUB").map((m) => m.amount)) : undefined,
  );
}
