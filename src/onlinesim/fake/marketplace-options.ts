/** Options and counters of the fake Onlinesim's buyer (marketplace.ts). */
import type { FinishStatus } from "../schemas.js";

export interface MarketplaceOptions {
  /** Partner (our daemon) v1 base URL. */
  partnerUrl: string;
  key: string;
  paths?: { getServices?: string; getNumber?: string; finishActivation?: string };
  /** GET_SERVICES period; Onlinesim: 120 000 (docs/protocols/onlinesim-v1.md#get_services). 0 = no automatic polling (call pollOnce). */
  pollMs?: number;
  /** Order period. 0 = no automatic orders (call orderOnce). */
  orderEveryMs?: number;
  seed?: number;
  /** Stop ordering after this many GET_NUMBER requests. */
  maxOrders?: number;
  /** No SMS within this window ⇒ FINISH 4 or 5 (Onlinesim: up to 15 min, docs/protocols/onlinesim-v1.md#get_number). */
  smsWindowMs?: number;
  /** Delay between an accepted SMS and FINISH 3. */
  closeAfterSmsMs?: number;
  /** Share of operations closed with status 1 (docs/protocols/onlinesim-v1.md#finish_activation). */
  status1Rate?: number;
  /** Share of orders carrying exceptionPhoneSet (docs/protocols/onlinesim-v1.md#get_number). */
  exceptionRate?: number;
  /** Per-request deadline (docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us: 10 000). */
  deadlineMs?: number;
  /** Pause before FINISH is re-sent after a failure/timeout. */
  finishRetryMs?: number;
  maxFinishAttempts?: number;
  /** The module count the partner declared; counts above it are violations (docs/protocols/onlinesim-v1.md#get_services-rule-1). */
  moduleCount?: number;
  /** Orders stop this long after an over-report (docs/protocols/onlinesim-v1.md#get_services-rule-1: 30 min, automatic). */
  blockMs?: number;
  /**
   * Share of acknowledged FINISHes sent once more, as Onlinesim does when our SUCCESS arrived
   * after its deadline (docs/protocols/onlinesim-v1.md#finish_activation): the partner must answer SUCCESS again (Q11). Default 0.
   */
  resendFinishRate?: number;
  /** Close operations on the random plan (default true); false = tests call finish(). */
  autoFinish?: boolean;
  /**
   * Each issued operation's outcome in turn (the list repeats) instead of at random:
   * "sms" = its service texts the number and it is finished with 3 once the SMS arrives
   * (with 4 if none arrives within smsWindowMs); 1 = finished with 1 at once, 4 and 5 =
   * no SMS, finished with that status after smsWindowMs. Every listed status then shows
   * up within one round, whatever the timing (the demo and its test rely on that).
   */
  outcomes?: readonly MarketplaceOutcome[];
  /**
   * Before buying, wait up to this long for the partner to answer GET_SERVICES (retried
   * quietly), as when Onlinesim is up before a partner that is still starting; only then
   * do failed polls count as violations. 0 (default) = poll at once.
   */
  awaitPartnerMs?: number;
  bearer?: boolean;
  fetch?: typeof fetch;
  /**
   * Called for every issued operation (the fake's "services" send their SMS from here);
   * `sms` is the outcome's say when `outcomes` is set, undefined when it is left to chance.
   */
  onIssued?: (op: import("./operations.js").Operation, sms: boolean | undefined) => void;
  /**
   * Every valid GET_SERVICES answer, with when it was asked and when it came: a test holds
   * the counts against the partner's own record of who held which SIM in that window.
   */
  onOffers?: (offers: readonly import("./offers.js").Offer[], window: { sentAt: number; receivedAt: number }) => void;
}

export type MarketplaceOutcome = "sms" | 1 | 4 | 5;

export function isMarketplaceOutcome(v: string): boolean {
  return v === "sms" || v === "1" || v === "4" || v === "5";
}

export interface Violation {
  at: number;
  what: "GET_SERVICES" | "GET_NUMBER" | "FINISH_ACTIVATION";
  detail: string;
}

export interface MarketplaceStats {
  polls: number;
  pollFailures: number;
  orders: number;
  issued: number;
  noNumbers: number;
  /** Over-report blocks imposed, and whether one is running now (docs/protocols/onlinesim-v1.md#get_services-rule-1). */
  blocks: number;
  blocked: boolean;
  orderFailures: number;
  finishes: Record<FinishStatus, number>;
  finishAttempts: number;
  finishRetries: number;
  /** Deliberate re-sends after an acknowledged FINISH (resendFinishRate). */
  finishResends: number;
  earnings: number;
  open: number;
}

export type ResolvedMarketplaceOptions = Required<Omit<MarketplaceOptions, "moduleCount" | "fetch" | "paths" | "bearer" | "onIssued" | "onOffers" | "outcomes">> &
  Pick<MarketplaceOptions, "moduleCount" | "outcomes" | "onOffers"> & { paths: { getServices: string; getNumber: string; finishActivation: string } };

export function resolveMarketplaceOptions(o: MarketplaceOptions): ResolvedMarketplaceOptions {
  return {
    partnerUrl: o.partnerUrl,
    key: o.key,
    paths: {
      getServices: o.paths?.getServices ?? "/getServices", // Q2 defaults
      getNumber: o.paths?.getNumber ?? "/getNumber",
      finishActivation: o.paths?.finishActivation ?? "/finishActivation",
    },
    pollMs: o.pollMs ?? 120_000, // docs/protocols/onlinesim-v1.md#get_services: every 2 min
    orderEveryMs: o.orderEveryMs ?? 5_000,
    seed: o.seed ?? 1,
    maxOrders: o.maxOrders ?? 100,
    smsWindowMs: o.smsWindowMs ?? 30_000, // a demo-sized stand-in for the 15-min operation (docs/protocols/onlinesim-v1.md#get_number)
    closeAfterSmsMs: o.closeAfterSmsMs ?? 200,
    status1Rate: o.status1Rate ?? 0.1,
    exceptionRate: o.exceptionRate ?? 0.3,
    deadlineMs: o.deadlineMs ?? 10_000, // docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us
    finishRetryMs: o.finishRetryMs ?? 1_000, // re-send pause: not documented [U]
    maxFinishAttempts: o.maxFinishAttempts ?? 10,
    resendFinishRate: o.resendFinishRate ?? 0,
    autoFinish: o.autoFinish ?? true,
    outcomes: o.outcomes !== undefined && o.outcomes.length > 0 ? o.outcomes : undefined,
    awaitPartnerMs: o.awaitPartnerMs ?? 0,
    moduleCount: o.moduleCount,
    onOffers: o.onOffers,
    blockMs: o.blockMs ?? 30 * 60_000, // docs/protocols/onlinesim-v1.md#get_services-rule-1, docs/protocols/onlinesim.md#timing-and-penalties
  };
}
