/**
 * `GET /metrics` on the admin listener: Prometheus text format. What an operator alerts
 * on: ports not ready, nothing sellable, pushes failing or piling up in the outbox, the v2
 * list going stale, modems timing out. Every value is read at scrape time from the same
 * sources as /api/status (port map, engine, store, senders), so the two always agree.
 *
 * Counters read from the store (SMS received, activations closed, earnings) survive a
 * restart; Prometheus treats that like any counter that did not reset. Earnings are per
 * marketplace and currency (metrics-earnings.ts).
 */
import type { FastifyInstance } from "fastify";
import type { PortState } from "../../modem/port-state.js";
import { daemonStatus } from "./status-document.js";
import type { AdminContext } from "./plugins.js";
import { AtCounters } from "./metrics-at.js";
import { CONTENT_TYPE, Exposition, type Sample } from "./metrics-format.js";
import { VERSION } from "../../package-info.js";
import { EarningsBook } from "./earnings-book.js";
import { writeEarningsMetrics } from "./metrics-earnings.js";
import { writeMarketMetrics } from "./metrics-markets.js";

/** Every port state, so a state with no ports reads 0 instead of vanishing. */
const STATES: Record<PortState, true> = {
  absent: true,
  probing: true,
  "no-sim": true,
  "sim-locked": true,
  "sim-error": true,
  registering: true,
  roaming: true,
  denied: true,
  "no-number": true,
  "number-invalid": true,
  ready: true,
  degraded: true,
  unresponsive: true,
  "not-answering": true,
  noisy: true,
  gone: true,
};
/** The documented FINISH statuses (docs/protocols/onlinesim-v1.md#finish_activation), always present; others appear when they happen. */
const FINISH_STATUSES = ["1", "3", "4", "5"];

const seconds = (ms: number): number => ms / 1000;

export function collectMetrics(ctx: AdminContext, at: AtCounters, now = Date.now()): string {
  const status = daemonStatus({ map: ctx.map, engine: ctx.engine, outbound: ctx.outbound, store: ctx.store, startedAt: ctx.startedAt });
  const { ports, totals, engine, outbound } = status;
  const e = new Exposition();

  e.family("simgate_build_info", "gauge", "Always 1; the labels say which simgate and which Node.js run.", [{ labels: { version: VERSION, node: process.version }, value: 1 }]);
  e.single("process_start_time_seconds", "gauge", "When the simgate daemon started (Unix time, seconds).", seconds(ctx.startedAt));
  e.single("simgate_uptime_seconds", "gauge", "Seconds since the daemon started.", seconds(now - ctx.startedAt));

  const byState = new Map(Object.keys(STATES).map((s) => [s, 0]));
  for (const p of ports) byState.set(p.state, (byState.get(p.state) ?? 0) + 1);
  e.family("simgate_ports", "gauge", "Ports on the map by state (ready = its SIM can be sold).", [...byState].map(([state, value]) => ({ labels: { state }, value })));
  e.family(
    "simgate_port_signal_dbm",
    "gauge",
    "Signal strength per port in dBm (ports with a known signal).",
    ports.filter((p) => p.signal !== null).map((p) => ({ labels: { port: p.id }, value: p.signal as number })),
  );

  e.family("simgate_sellable_sims", "gauge", "SIMs offered to Onlinesim for at least one service, per country and operator.", totals.sellable.map((s) => ({ labels: { country: s.country, operator: s.operator }, value: s.sims })));
  const offered: Sample[] = [];
  for (const c of ctx.engine.getServices().countryList) {
    for (const [operator, counts] of Object.entries(c.operatorMap)) {
      if (operator === "any") continue;
      for (const [service, value] of Object.entries(counts)) offered.push({ labels: { country: c.country, operator, service }, value });
    }
  }
  e.family("simgate_offered_numbers", "gauge", "GET_SERVICES counts: numbers offered per country, operator and service.", offered);

  e.single("simgate_sms_received_total", "counter", "Whole SMS stored (all time, from the store).", totals.smsTotal);
  e.family("simgate_sms_routed_total", "counter", "Stored SMS by routing outcome since start (queued for PUSH_SMS, or no open activation).", [
    { labels: { result: "queued" }, value: engine.smsQueued },
    { labels: { result: "unrouted" }, value: engine.smsUnrouted },
  ]);

  e.single("simgate_activations_open", "gauge", "Open activations (numbers given out, not finished).", engine.openActivations);
  e.single("simgate_activations_stale", "gauge", "Open activations far past their expected life at the last check.", engine.staleActivations);
  e.family("simgate_activations_released_total", "counter", "Activations freed without a FINISH since start: answer never delivered, or overdue (without / after an SMS).", [
    { labels: { reason: "undelivered" }, value: engine.undelivered },
    { labels: { reason: "overdue" }, value: engine.releasedOverdue - engine.releasedOverdueWithSms },
    { labels: { reason: "overdue_after_sms" }, value: engine.releasedOverdueWithSms },
  ]);
  const closed = { ...Object.fromEntries(FINISH_STATUSES.map((s) => [s, 0])), ...totals.closedActivations };
  e.family("simgate_activations_closed_total", "counter", "Activations finished by FINISH_ACTIVATION or the operator, by status (all time).", Object.entries(closed).map(([s, value]) => ({ labels: { status: s }, value })));
  e.family("simgate_get_number_total", "counter", "GET_NUMBER outcomes since start.", [
    { labels: { result: "assigned" }, value: engine.assigned },
    { labels: { result: "no_numbers" }, value: engine.noNumbers },
  ]);
  const book = EarningsBook.of(ctx.engine.core).snapshot();
  writeEarningsMetrics(e, book);
  // Each marketplace numbers its own statuses: per market, beside the all-markets family above (kept for old dashboards).
  e.family(
    "simgate_reservations_closed_total",
    "counter",
    "Reservations closed by their marketplace or the operator, per marketplace and its status value (all time).",
    book.loaded ? book.closed.entries().map((l) => ({ labels: { market: l.market, status: String(l.status) }, value: l.count })) : [],
  );

  const push = outbound.push;
  e.family(
    "simgate_push_sms_total",
    "counter",
    "PUSH_SMS since start: SMS delivered, failed attempts (retried), SMS given up.",
    push
      ? [
          { labels: { result: "delivered" }, value: push.delivered },
          { labels: { result: "failed" }, value: push.failedAttempts },
          { labels: { result: "gave_up" }, value: push.gaveUp },
        ]
      : [],
  );
  e.single("simgate_push_sms_pending", "gauge", "SMS in the outbox waiting for PUSH_SMS.", push?.pending);
  e.single("simgate_outbox_oldest_pending_age_seconds", "gauge", "Age of the oldest SMS waiting in the outbox (0 when empty).", push ? seconds(push.oldestPendingAgeMs ?? 0) : null);
  e.single("simgate_push_sms_backing_off", "gauge", "1 while a PUSH_SMS URL fails and only one probe goes out per back-off step.", push ? (push.pausedUntil !== null ? 1 : 0) : null);
  e.single("simgate_push_sms_resending", "gauge", "SMS whose PUSH_SMS was in flight when simgate last stopped, being resent one at a time.", push?.resending);

  const online = outbound.numbersOnline;
  e.family("simgate_v2_numbers_online_pushes_total", "counter", "sendNumbersOnline calls since start by result.", online ? [
    { labels: { result: "ok" }, value: online.pushes },
    { labels: { result: "failed" }, value: online.failures },
  ] : []);
  e.single("simgate_v2_last_push_age_seconds", "gauge", "Seconds since Onlinesim last accepted our live-number list.", online?.lastPushAt != null ? seconds(now - online.lastPushAt) : null);
  const messages = outbound.addMessages;
  e.single("simgate_v2_messages_pending", "gauge", "SMS queued for addMessages.", messages?.pending);
  e.single("simgate_v2_messages_oldest_pending_age_seconds", "gauge", "Age of the oldest SMS queued for addMessages (0 when empty).", messages ? seconds(messages.oldestPendingAgeMs ?? 0) : null);
  e.family("simgate_v2_messages_total", "counter", "addMessages since start: SMS sent, failed attempts, SMS given up.", messages ? [
    { labels: { result: "sent" }, value: messages.sent },
    { labels: { result: "failed" }, value: messages.failedAttempts },
    { labels: { result: "gave_up" }, value: messages.gaveUp },
  ] : []);

  const atPorts = at.ports().map((id) => [id, at.read(id)] as const);
  e.family("simgate_at_commands_total", "counter", "AT commands sent per port.", atPorts.map(([port, c]) => ({ labels: { port }, value: c.commands })));
  e.family("simgate_at_timeouts_total", "counter", "AT commands that got no final result in time, per port.", atPorts.map(([port, c]) => ({ labels: { port }, value: c.timeouts })));
  e.family("simgate_at_resyncs_total", "counter", "Channel resyncs after a timeout, per port.", atPorts.map(([port, c]) => ({ labels: { port }, value: c.resyncs })));
  e.family("simgate_port_recoveries_total", "counter", "Recovery steps per port: driver soft reset, or reopening the port.", atPorts.flatMap(([port, c]) => [
    { labels: { port, step: "soft-reset" }, value: c.softResets },
    { labels: { port, step: "reopen" }, value: c.reopens },
  ]));

  const requests: Sample[] = [];
  for (const [key, value] of ctx.partner.requests) {
    const cut = key.lastIndexOf(" ");
    const action = key.slice(0, cut);
    const code = key.slice(cut + 1);
    requests.push({ labels: { action, status: code }, value });
  }
  e.family("simgate_partner_requests_total", "counter", "Partner endpoint requests (Onlinesim calling us) by action and HTTP status.", requests);
  const durations: Sample[] = [];
  for (const [action, [count, totalMs]] of ctx.partner.durations) {
    durations.push({ suffix: "_sum", labels: { action }, value: seconds(totalMs) }, { suffix: "_count", labels: { action }, value: count });
  }
  e.family("simgate_partner_request_duration_seconds", "summary", "Time to answer partner endpoint requests, by action.", durations);
  writeMarketMetrics(e, ctx.marketRequests ?? new Map(), outbound.markets);

  // The state disk: a full one stops every write (no SMS stored, no number sold).
  const space = ctx.store.diskSpace();
  e.single("simgate_state_dir_free_bytes", "gauge", "Free space in the state directory (where simgate.db lives), bytes.", space?.freeBytes);
  e.single("simgate_state_dir_size_bytes", "gauge", "Size of the file system holding the state directory, bytes.", space?.totalBytes);
  e.single("simgate_store_writable", "gauge", "1 while state database writes succeed, 0 while they fail (/readyz is 503 then).", ctx.store.writeHealth().writable ? 1 : 0);
  return e.text();
}

export function metricsPlugin(app: FastifyInstance, ctx: AdminContext): void {
  const at = new AtCounters(ctx.pool, ctx.map);
  app.addHook("onClose", async () => at.close());
  const earnings = EarningsBook.of(ctx.engine.core);
  app.get("/metrics", async (_req, reply) => {
    // The first scrape may come before the book's first read is done; a failed read leaves the earnings out.
    await earnings.settled();
    return reply.type(CONTENT_TYPE).send(collectMetrics(ctx, at));
  });
}
