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
}

/** What a reader of the counters needs (the admin API must not depend on the daemon). */
export interface OutboundStatsSource {
  stats(): OutboundStats;
}
