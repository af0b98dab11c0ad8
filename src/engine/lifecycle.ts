/**
 * FINISH_ACTIVATION semantics (docs/protocols/onlinesim-v1.md#finish_activation [C], docs/protocols/onlinesim-v1.md#lifecycle step 4, Q17): what a close does to the
 * (number, service) usage row. The number is released in every case. simgate does not
 * close an operation Onlinesim may still be running (Onlinesim asks partners not to close
 * operations on their side); it releases one only long after the operation time, by the
 * explicit policy of `releaseAfterMs` below, or when Onlinesim never learned its id
 * (engine.ts `withdrawUndelivered`).
 *
 *   3  sold            → sold: the number is never counted/offered for this service again (docs/protocols/onlinesim-v1.md#get_services-rule-3)
 *   4  cancelled       → cancels + 1; at `cancelLimit` the pair is excluded ([R] SMSHUB: 4 in total)
 *   5  refunded        → no usage change (the close itself records the refund)
 *   1  not for service → excluded for this service ([I]; SMSHUB: "stop offering this number for this service")
 *   other              → no usage change; the caller logs it (Q17: "unknown ⇒ release + log")
 */
import type { EngineConfig } from "./config.js";
import type { FinishStatus, UsageRecord } from "./persistence.js";

export const FINISH_STATUSES = [1, 3, 4, 5] as const;

export function isKnownStatus(status: FinishStatus): boolean {
  return (FINISH_STATUSES as readonly number[]).includes(status);
}

/** The usage row after the close, or null when it does not change. */
export function usageAfterClose(current: UsageRecord, status: FinishStatus, cancelLimit: number): UsageRecord | null {
  switch (status) {
    case 3:
      return current.sold ? null : { ...current, sold: true };
    case 4: {
      const cancels = current.cancels + 1;
      return { ...current, cancels, excluded: current.excluded || cancels >= cancelLimit };
    }
    case 1:
      return current.excluded ? null : { ...current, excluded: true };
    default:
      return null;
  }
}

/** An open activation far past its expected life (reported). */
export function isStale(createdAt: number, now: number, lifeMs: number, factor: number): boolean {
  return now - createdAt > lifeMs * factor;
}

/** The service name of rent operations (the partner endpoint passes it for a rent GET_NUMBER without one). */
export const RENT_SERVICE = "rent";

type ReleasePolicy = Pick<EngineConfig, "activationLifeMs" | "releaseFactor" | "releaseWithSmsFactor" | "staleFactor">;

/**
 * The age past which an open activation is released without a FINISH, or null for never.
 * With an SMS the buyer may have used the number and still expect more within the
 * operation, so it waits longer (config.ts says why each default). A rent operation is
 * never released: it may run for months and only Onlinesim closes it.
 */
export function releaseAfterMs(policy: ReleasePolicy, service: string, hasSms: boolean): number | null {
  if (service === RENT_SERVICE) return null;
  const factor = hasSms ? policy.releaseWithSmsFactor : policy.releaseFactor;
  return factor === null ? null : policy.activationLifeMs * factor;
}

/**
 * How often the engine looks for activations to release or report: a quarter of the
 * shortest threshold (so one is released at most a quarter late), at most once a minute
 * and at least every 100 ms (short thresholds exist only in tests).
 */
export function sweepEveryMs(policy: ReleasePolicy): number {
  const factors = [policy.staleFactor, policy.releaseFactor, policy.releaseWithSmsFactor].filter((f): f is number => f !== null);
  const shortest = policy.activationLifeMs * Math.min(...factors);
  return Math.max(100, Math.min(60_000, Math.floor(shortest / 4)));
}
