/**
 * The demo's two fake marketplaces, started as a user would start them: `simgate
 * fake-onlinesim` (Onlinesim v1 + PUSH_SMS + v2) and `simgate fake-market --protocol smshub`
 * (the SMSHUB agent protocol), both buying the same simulated SIMs from one daemon. Here:
 * the command line of each, and how its --json summary reads as the demo's counts.
 */
import type { MarketCounts } from "./summary.js";

/** The marketplaces of the demo, in the order the summary shows them. */
export const DEMO_MARKETS = ["onlinesim", "smshub"] as const;
export type DemoMarket = (typeof DEMO_MARKETS)[number];

/** The keys both sides of each marketplace use: demo values, never real ones. */
export const DEMO_KEYS: Readonly<Record<DemoMarket, string>> = { onlinesim: "demo-partner-key", smshub: "demo-smshub-key" };

/**
 * Both fakes' buyers close their operations with these outcomes in turn (src/onlinesim/
 * fake/marketplace-options.ts, src/markets/smshub/fake/buyer.ts): most get their SMS and are
 * finished 3, and one in ten each is finished 1, 4 and 5, so every status shows up within
 * the first minute on each marketplace — and the demo's test can rely on it instead of luck.
 */
export const DEMO_OUTCOMES = ["sms", "sms", "1", "sms", "4", "sms", "sms", "5", "sms", "sms"] as const;

/** An operation whose SMS did not come within this is cancelled (4): short, so the demo keeps moving. */
const SMS_WINDOW_MS = "15000";

/**
 * SMSHUB polls GET_SERVICES every 10–20 s; the demo's fake polls every 2–4 s so its counts
 * follow the rack (and the other marketplace's orders) on stage rather than a quarter
 * minute late.
 */
export const DEMO_SMSHUB_POLL_MS = "2000-4000";

export interface FakeArgs {
  port: number;
  /** The daemon's admin URL: the fakes' "services" text the ordered numbers through it. */
  adminUrl: string;
  orderEveryMs: number;
  modems: number;
  /** Wait this long for the daemon to answer before buying (it starts after the fakes). */
  awaitMs: number;
}

export function fakeOnlinesimArgs(o: FakeArgs & { partnerUrl: string }): string[] {
  return [
    "fake-onlinesim", "--listen", `127.0.0.1:${o.port}`, "--partner", o.partnerUrl, "--sms-via", o.adminUrl, "--key", DEMO_KEYS.onlinesim,
    "--poll-ms", "2000", "--order-every-ms", String(o.orderEveryMs), "--sms-window-ms", SMS_WINDOW_MS, "--outcomes", DEMO_OUTCOMES.join(","),
    "--await-partner-ms", String(o.awaitMs), "--modules", String(o.modems), "--summary-ms", "1000", "--json",
  ];
}

/**
 * `--shared-pool`: Onlinesim buys the same SIMs, so a SIM counted in SMSHUB's last poll may
 * be Onlinesim's by the time SMSHUB orders it. The daemon then answers a clean NO_NUMBERS
 * (docs/protocols/smshub.md#one-inventory-on-several-marketplaces); the fake counts it as
 * contested but, knowing it is not the only buyer, does not call the counts false (the
 * two-marketplace e2e test holds such cases against the daemon's ledger). Every other
 * check holds.
 */
export function fakeSmshubArgs(o: FakeArgs & { agentUrl: string }): string[] {
  return [
    "fake-market", "--protocol", "smshub", "--listen", `127.0.0.1:${o.port}`, "--agent", o.agentUrl, "--sms-via", o.adminUrl, "--key", DEMO_KEYS.smshub,
    "--poll-ms", DEMO_SMSHUB_POLL_MS, "--order-every-ms", String(o.orderEveryMs), "--sms-window-ms", SMS_WINDOW_MS, "--outcomes", DEMO_OUTCOMES.join(","),
    "--await-agent-ms", String(o.awaitMs), "--modules", String(o.modems), "--summary-ms", "1000", "--shared-pool", "--json",
  ];
}

type Json = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const finishesOf = (v: unknown): MarketCounts["finishes"] => {
  const f = obj(v);
  return { 1: num(f[1]), 3: num(f[3]), 4: num(f[4]), 5: num(f[5]) };
};
const lastViolation = (s: Json): { lastViolation?: string } => (typeof s["lastViolation"] === "string" ? { lastViolation: s["lastViolation"] } : {});

/** A `simgate fake-onlinesim --json` summary (FakeOnlinesimStats): earnings are roubles; v2 is Onlinesim's alone. */
export function onlinesimCounts(s: Json): { market: MarketCounts; listed: number; v2Messages: number } {
  const sms = obj(s["servicesSms"]);
  const v2 = obj(s["v2"]);
  return {
    market: {
      orders: num(s["orders"]),
      issued: num(s["issued"]),
      delivered: num(s["pushSms"]),
      exact: num(sms["exact"]),
      mismatched: num(sms["mismatched"]),
      finishes: finishesOf(s["finishes"]),
      earnings: { RUB: num(s["earnings"]) },
      violations: num(s["violations"]),
      ...lastViolation(s),
    },
    listed: num(v2["lastNumbers"]),
    v2Messages: num(v2["messages"]),
  };
}

/** A `simgate fake-market --protocol smshub --json` summary (FakeSmshubStats): earnings per currency. */
export function smshubCounts(s: Json): MarketCounts {
  const sms = obj(s["servicesSms"]);
  const earnings = Object.fromEntries(Object.entries(obj(s["earnings"])).map(([currency, v]) => [currency, num(v)]));
  return {
    orders: num(s["orders"]),
    issued: num(s["issued"]),
    delivered: num(obj(s["pushSms"])["accepted"]),
    exact: num(sms["exact"]),
    mismatched: num(sms["mismatched"]),
    finishes: finishesOf(s["finishes"]),
    earnings,
    violations: num(s["violations"]),
    ...lastViolation(s),
  };
}
