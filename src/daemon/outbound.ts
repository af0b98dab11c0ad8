/**
 * The daemon's outgoing side to Onlinesim, chosen by `onlinesim.mode`:
 *  - v1: every SMS queued for an open activation is POSTed as PUSH_SMS at once (wake on
 *    store), and retried from the durable outbox until accepted;
 *  - v2: the list of live numbers is pushed (sendNumbersOnline) on start, periodically and a
 *    few seconds after any change, and every SMS on a live number is queued durably and sent
 *    in addMessages batches;
 *  - both: as above, and an SMS that belongs to a v1 activation goes to PUSH_SMS only, and a
 *    number the sales ledger holds for any buyer is not listed for v2 (one SIM, one buyer at
 *    a time); the daemon calls `activationsChanged` on the core's reservation events.
 * And for each other marketplace (config markets:), whatever the mode: an SMS on a SIM its
 * buyer holds goes to that marketplace only, by its own outbox worker
 * (src/markets/sms-outbox-worker.ts), never to Onlinesim by either route.
 */
import type { Logger } from "../log/logger.js";
import type { PortMap } from "../modem/port-map.js";
import type { Store } from "../store/index.js";
import type { Config } from "../config/schema.js";
import { AddMessagesBatcher, NumbersOnlinePublisher, PushSmsSender, V2Client, type LiveNumber } from "../outbound/index.js";
import { secretScrubber } from "../log/secrets.js";
import { ONLINESIM } from "../markets/onlinesim/v1-market.js";
import { configSecrets } from "../config/redact.js";
import type { SmsStored } from "./sms-flow.js";
import type { OutboundStats } from "../outbound/outbound-stats.js";
import { SmsOutboxWorker } from "../markets/sms-outbox-worker.js";
import { SmshubSmsDelivery } from "../markets/smshub/push-sms.js";
import { marketOutboxOf } from "../store/index.js";
import type { PreparedMarket } from "./markets.js";

export type { OutboundStats };

export interface Outbound {
  start(): void;
  /** A whole SMS was stored and routed (sms-flow.ts). */
  smsStored(stored: SmsStored): void;
  /** A reservation opened or closed (the core's events): in "both" mode its number leaves or rejoins the v2 list. */
  activationsChanged(): void;
  stop(): Promise<void>;
  stats(): OutboundStats;
}

/** The one question the v2 list asks the sales ledger. */
export interface HoldingsView {
  /** Whether any buyer holds this number (E.164, "+" optional) now. */
  isHeld(number: string): boolean;
}

export function startOutbound(opts: { config: Readonly<Config>; key: string; store: Store; engine: HoldingsView; map: PortMap; logger: Logger; markets?: readonly PreparedMarket[] }): Outbound {
  const { config, key, store, engine, map } = opts;
  const log = opts.logger.child({ component: "outbound" });
  const mode = config.onlinesim.mode;
  const v1 = mode === "v1" || mode === "both";
  const v2 = mode === "v2" || mode === "both";

  // Answers that echo our request would carry the key into logs, the store and the admin API.
  const scrub = secretScrubber(configSecrets(config));
  const push = v1 ? new PushSmsSender({ outbox: store.outbox, key, push: config.onlinesim.push, logger: log, scrub }) : undefined;
  // One worker per other marketplace; one without a PUSH_SMS URL keeps its SMS in the outbox (said once here).
  const marketSenders = new Map<string, SmsOutboxWorker>();
  for (const m of opts.markets ?? []) {
    if (m.pushSmsUrl === undefined) {
      log.warn({ event: "market-no-push-url", market: m.id }, `market '${m.id}' has no pushSmsUrl (${m.dialect.title} publishes none): the SMS its buyers get stay in the outbox until it is set`);
      continue;
    }
    const delivery = new SmshubSmsDelivery({ market: m.id, dialect: m.dialect, url: m.pushSmsUrl, key: m.key });
    marketSenders.set(m.id, new SmsOutboxWorker({ market: m.id, delivery, outbox: marketOutboxOf(store.outbox, m.id), logger: log, scrub, concurrency: m.config.pushConcurrency }));
  }
  let publisher: NumbersOnlinePublisher | undefined;
  let batcher: AddMessagesBatcher | undefined;
  const onPortEvent = (): void => publisher?.changed();
  if (v2) {
    const client = new V2Client({ key, v2: config.onlinesim.v2, logger: log, scrub });
    const source = (): LiveNumber[] =>
      map
        .snapshot()
        .filter((p) => p.state === "ready" && p.number !== null && !engine.isHeld(p.number))
        .map((p) => ({ number: p.number as string, mcc: p.mcc, mnc: p.mnc, portId: p.id, since: p.stateSince }));
    publisher = new NumbersOnlinePublisher({ client, v2: config.onlinesim.v2, source, logger: log });
    batcher = new AddMessagesBatcher({ client, repo: store.v2Messages, v2: config.onlinesim.v2, logger: log });
    for (const event of ["state-changed", "number-learned", "sim-changed", "port-removed"] as const) map.on(event, onPortEvent);
  }

  return {
    start() {
      push?.start();
      for (const s of marketSenders.values()) s.start();
      publisher?.start();
      batcher?.start();
    },
    smsStored({ smsId, sms, number, outcome }) {
      const held = outcome.kind === "queued" || outcome.kind === "duplicate";
      // Another marketplace's buyer holds the SIM (issue 15): the SMS is theirs, its outbox row waits for their sender; Onlinesim gets it neither way.
      if (held && outcome.reservation.market !== ONLINESIM) {
        if (outcome.kind === "queued") marketSenders.get(outcome.reservation.market)?.queued(outcome.deliveryId);
        return;
      }
      if (outcome.kind === "queued") push?.queued(outcome.deliveryId); // deliveryId: the outbox row attachSms wrote
      if (!batcher) return;
      // In "both" mode an SMS of a v1 activation is Onlinesim's already (PUSH_SMS); send the rest to v2.
      if (v1 && held) return;
      if (number === null) {
        log.warn({ event: "v2-sms-no-number", smsId, port: sms.portId }, "SMS on a port whose number is unknown: kept in the store, not sent to v2");
        return;
      }
      try {
        store.v2Messages.enqueue(smsId, { number, from: sms.sender, text: sms.text, receivedAt: Date.now() });
        batcher.wake();
      } catch (err) {
        log.error({ event: "v2-enqueue-failed", err, smsId }, "could not queue the SMS for addMessages; it stays in the store");
      }
    },
    activationsChanged() {
      publisher?.changed();
    },
    async stop() {
      for (const event of ["state-changed", "number-learned", "sim-changed", "port-removed"] as const) map.off(event, onPortEvent);
      await Promise.all([push?.stop(), publisher?.stop(), batcher?.stop(), ...[...marketSenders.values()].map((s) => s.stop())]);
    },
    stats: () => ({ mode, push: push?.stats() ?? null, numbersOnline: publisher?.stats() ?? null, addMessages: batcher?.stats() ?? null, markets: [...marketSenders.values()].map((s) => s.stats()) }),
  };
}
