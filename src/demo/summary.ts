/**
 * The demo's summary: what a newcomer watches scroll by. Every tick prints one line for the
 * rack and one per marketplace, each short enough for an 80–120 column terminal.
 */
import { DEMO_MARKETS, type DemoMarket } from "./marketplaces.js";

/** What one marketplace's fake reports. */
export interface MarketCounts {
  /** GET_NUMBER requests, and how many got a number. */
  orders: number;
  issued: number;
  /** SMS delivered to the marketplace (accepted PUSH_SMS). */
  delivered: number;
  /** Delivered with exactly the text the service sent, and how many differed (should be 0). */
  exact: number;
  mismatched: number;
  /** Operations the marketplace closed, by FINISH_ACTIVATION status. */
  finishes: Record<1 | 3 | 4 | 5, number>;
  /** Credited by status 3, per currency code (RUB, USD), less refunds. */
  earnings: Record<string, number>;
  /** What the fake found the daemon got wrong (should be 0), and the latest one. */
  violations: number;
  lastViolation?: string;
}

export interface DemoCounts {
  startedAt: number;
  ports: number;
  sellable: number;
  markets: Record<DemoMarket, MarketCounts>;
  /** Numbers in the last Onlinesim v2 sendNumbersOnline list, and SMS sent by addMessages. */
  listed: number;
  v2Messages: number;
}

export function emptyMarketCounts(): MarketCounts {
  return { orders: 0, issued: 0, delivered: 0, exact: 0, mismatched: 0, finishes: { 1: 0, 3: 0, 4: 0, 5: 0 }, earnings: {}, violations: 0 };
}

/**
 * Printed once under the URLs: what the summary's fields mean. `finished` counts the
 * statuses each marketplace closed its operations with (FINISH_ACTIVATION's 1, 3, 4 and 5,
 * the same four in both protocols; the README's demo section says the same).
 */
export const SUMMARY_LEGEND: readonly string[] = [
  "  summary: a line for the rack (ports sellable now), then one per marketplace: orders placed (GET_NUMBER) ·",
  "           SMS delivered to it (exact = text unchanged) · finished S:N = operations it closed with status S:",
  "           3 sold (code received, paid), 1 number not wanted for that service, 4 cancelled (no SMS),",
  "           5 cancelled and refunded · earned by status 3 · v2 listed = numbers in Onlinesim's v2 list",
];

const clock = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/** "36.70 RUB", "36.70 RUB + 0.1200 USD"; nothing earned yet reads "0 RUB". */
function money(earnings: Record<string, number>): string {
  const sums = Object.entries(earnings).filter(([, v]) => v !== 0);
  if (sums.length === 0) return "0 RUB";
  return sums.map(([currency, v]) => `${currency === "USD" ? v.toFixed(4) : v.toFixed(2)} ${currency}`).join(" + ");
}

export function formatMarketLine(name: DemoMarket, c: MarketCounts, extra = ""): string {
  const f = c.finishes;
  return (
    `  ${name.padEnd(9)} orders ${c.orders} · delivered ${c.delivered} (exact ${c.exact}${c.mismatched ? `, MISMATCHED ${c.mismatched}` : ""})` +
    ` · finished 1:${f[1]} 3:${f[3]} 4:${f[4]} 5:${f[5]} · earned ${money(c.earnings)}${extra}` +
    (c.violations ? ` · VIOLATIONS ${c.violations}` : "")
  );
}

/** One tick: the rack's line, then a line per marketplace. */
export function formatSummary(c: DemoCounts, now = Date.now()): string[] {
  return [
    `[${clock(now - c.startedAt)}] ports ${c.sellable}/${c.ports} sellable`,
    ...DEMO_MARKETS.map((m) => formatMarketLine(m, c.markets[m], m === "onlinesim" ? ` · v2 listed ${c.listed}` : "")),
  ];
}
