/**
 * The other marketplaces' families of /metrics (config markets:): the requests each one
 * sent us, and its SMS outbox worker. Labelled by market id, so one dashboard covers every
 * marketplace; Onlinesim keeps its own families (simgate_partner_*, simgate_push_sms_*).
 */
import type { MarketSmsStats } from "../../outbound/outbound-stats.js";
import type { Exposition, Sample } from "./metrics-format.js";
import type { RequestCounts } from "./plugins.js";

const seconds = (ms: number): number => ms / 1000;

export function writeMarketMetrics(e: Exposition, requests: ReadonlyMap<string, RequestCounts>, senders: readonly MarketSmsStats[]): void {
  const counts: Sample[] = [];
  const durations: Sample[] = [];
  for (const [market, c] of requests) {
    for (const [key, value] of c.requests) {
      const cut = key.lastIndexOf(" ");
      counts.push({ labels: { market, action: key.slice(0, cut), status: key.slice(cut + 1) }, value });
    }
    for (const [action, [count, totalMs]] of c.durations) {
      durations.push({ suffix: "_sum", labels: { market, action }, value: seconds(totalMs) }, { suffix: "_count", labels: { market, action }, value: count });
    }
  }
  e.family("simgate_market_requests_total", "counter", "Requests each other marketplace sent us (markets:), by action and HTTP status.", counts);
  e.family("simgate_market_request_duration_seconds", "summary", "Time to answer each other marketplace's requests, by action.", durations);
  e.family(
    "simgate_market_sms_total",
    "counter",
    "SMS pushed to each other marketplace since start: delivered, failed attempts (retried), given up.",
    senders.flatMap((s) => [
      { labels: { market: s.market, result: "delivered" }, value: s.delivered },
      { labels: { market: s.market, result: "failed" }, value: s.failedAttempts },
      { labels: { market: s.market, result: "gave_up" }, value: s.gaveUp },
    ]),
  );
  e.family("simgate_market_sms_pending", "gauge", "SMS waiting in the outbox for each other marketplace.", senders.map((s) => ({ labels: { market: s.market }, value: s.pending })));
  e.family(
    "simgate_market_sms_oldest_pending_age_seconds",
    "gauge",
    "Age of the oldest SMS waiting for each other marketplace (0 when none).",
    senders.map((s) => ({ labels: { market: s.market }, value: seconds(s.oldestPendingAgeMs ?? 0) })),
  );
  e.family(
    "simgate_market_sms_backing_off",
    "gauge",
    "1 while a marketplace does not answer and only one probe goes out per back-off step.",
    senders.map((s) => ({ labels: { market: s.market }, value: s.pausedUntil !== null ? 1 : 0 })),
  );
}
