/** The outgoing side's counters as one object (the daemon's Outbound.stats(), read by the admin API). */
import type { Config } from "../config/schema.js";
import type { AddMessagesBatcher } from "./add-messages.js";
import type { NumbersOnlinePublisher } from "./numbers-online.js";
import type { PushSmsSender } from "./push-sms-sender.js";

export interface OutboundStats {
  mode: Config["onlinesim"]["mode"];
  push: ReturnType<PushSmsSender["stats"]> | null;
  numbersOnline: ReturnType<NumbersOnlinePublisher["stats"]> | null;
  addMessages: ReturnType<AddMessagesBatcher["stats"]> | null;
  /** The other marketplaces' SMS senders (config markets:), one each, in config order. */
  markets: readonly MarketSmsStats[];
}

/** One marketplace's SMS outbox worker (src/markets/sms-outbox-worker.ts SmsOutboxStats fits). */
export interface MarketSmsStats {
  market: string;
  delivered: number;
  failedAttempts: number;
  gaveUp: number;
  pending: number;
  oldestPendingAgeMs: number | null;
  inFlight: number;
  lastError: string | null;
  /** Epoch ms of the next probe while the marketplace does not answer, else null. */
  pausedUntil: number | null;
  resending: number;
}

/** What a reader of the counters needs (the admin API must not depend on the daemon). */
export interface OutboundStatsSource {
  stats(): OutboundStats;
}
