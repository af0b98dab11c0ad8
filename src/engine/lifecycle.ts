/**
 * FINISH_ACTIVATION semantics (§2.5 [C], §2.9 step 4, Q17): what a close does to the
 * (number, service) usage row. The number is released in every case; simgate never
 * closes an activation on its own (§2.5: "do not close operations on our side").
 *
 *   3  sold            → sold: the number is never counted/offered for this service again (§2.1 rule 3)
 *   4  cancelled       → cancels + 1; at `cancelLimit` the pair is excluded ([R] SMSHUB: 4 in total)
 *   5  refunded        → no usage change (the close itself records the refund)
 *   1  not for service → excluded for this service ([I]; SMSHUB: "stop offering this number for this service")
 *   other              → no usage change; the caller logs it (Q17: "unknown ⇒ release + log")
 */
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

/** An open activation far past its expected life (reported, never closed). */
export function isStale(createdAt: number, now: number, lifeMs: number, factor: number): boolean {
  return now - createdAt > lifeMs * factor;
}
