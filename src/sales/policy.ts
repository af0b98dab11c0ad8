/**
 * Each marketplace's rules as the core applies them, set by its adapter from the config:
 * what it sells, how much of the pool it sees, and how long its reservations live.
 *
 * Share and headroom exist because marketplaces read the counts at very different rates
 * (Onlinesim every 2 minutes, the SMSHUB family every 10–20 s): a SIM sold on one
 * marketplace in between leaves the other's view too high. A marketplace that orders what
 * it was shown and gets "no numbers" may count that against us (SMSHUB's acceptance test
 * does), so a slow reader can be shown less than everything:
 *   count = max(0, floor(idle × share) − headroom)    per network and service.
 * An order beyond what is free still gets a clean "none", never a held SIM.
 */
import type { MarketId, ServiceId } from "./types.js";

export interface MarketRules {
  id: MarketId;
  /** Canonical services this marketplace buys. A service outside the list is "nothing to sell". */
  services: readonly ServiceId[];
  /** Fraction of the idle SIMs shown to this marketplace, 0 < share ≤ 1. Default 1. */
  share: number;
  /** SIMs subtracted from every count shown to it, after the share. Default 0. */
  headroom: number;
  /** Expected length of one reservation (Onlinesim: 15 minutes). */
  lifeMs: number;
  /** An open reservation older than life × this is reported as stale. */
  staleFactor: number;
  /** Released without a close once older than life × this with no SMS; null = never. */
  releaseFactor: number | null;
  /** The same for a reservation that got an SMS; null = never. */
  releaseWithSmsFactor: number | null;
  /** Services whose reservations only the marketplace ends, however long (Onlinesim's rent). */
  neverRelease: readonly ServiceId[];
  /** How operators know this marketplace's close in log lines ("FINISH_ACTIVATION"); default "close from <id>". */
  closeName?: string;
}

export const DEFAULT_RULES: Omit<MarketRules, "id" | "services"> = {
  share: 1,
  headroom: 0,
  lifeMs: 15 * 60_000,
  staleFactor: 4,
  releaseFactor: 4,
  releaseWithSmsFactor: 8,
  neverRelease: [],
};

/** The count a marketplace is shown for `idle` free SIMs of one network and service. */
export function shownCount(idle: number, rules: Pick<MarketRules, "share" | "headroom">): number {
  if (idle <= 0) return 0;
  const shared = rules.share >= 1 ? idle : Math.floor(idle * rules.share);
  return Math.max(0, shared - rules.headroom);
}

/** An open reservation far past its expected life (reported). */
export function isStale(createdAt: number, now: number, rules: Pick<MarketRules, "lifeMs" | "staleFactor">): boolean {
  return now - createdAt > rules.lifeMs * rules.staleFactor;
}

/**
 * The age past which an open reservation is released without a close, or null for never.
 * With an SMS the buyer may have used the number and still expect more within the
 * operation, so it waits longer.
 */
export function releaseAfterMs(rules: MarketRules, service: ServiceId, hasSms: boolean): number | null {
  if (rules.neverRelease.includes(service)) return null;
  const factor = hasSms ? rules.releaseWithSmsFactor : rules.releaseFactor;
  return factor === null ? null : rules.lifeMs * factor;
}

/**
 * How often the core looks for reservations to release or report: a quarter of the
 * shortest threshold of any marketplace (so one is released at most a quarter late), at
 * most once a minute and at least every 100 ms (short thresholds exist only in tests).
 */
export function sweepEveryMs(markets: readonly MarketRules[]): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const m of markets) {
    for (const f of [m.staleFactor, m.releaseFactor, m.releaseWithSmsFactor]) if (f !== null) shortest = Math.min(shortest, m.lifeMs * f);
  }
  if (!Number.isFinite(shortest)) return 60_000;
  return Math.max(100, Math.min(60_000, Math.floor(shortest / 4)));
}
