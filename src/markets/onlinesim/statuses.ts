/**
 * Onlinesim's FINISH_ACTIVATION statuses (docs/protocols/onlinesim-v1.md, FINISH_ACTIVATION)
 * in the sales core's neutral outcomes (src/sales/types.ts):
 *
 *   1  the number was not ordered for this service       → rejected: not offered for it here again
 *                                                           (SMSHUB words the same code "stop offering
 *                                                           this number for this service")
 *   3  sold successfully                                  → sold: burned for the service everywhere
 *   4  cancelled, the message was not delivered           → cancelled; at `cancelLimit` cancels the
 *                                                           pair is excluded here (default 4 in total,
 *                                                           SMSHUB's "3 more times"; Onlinesim says nothing)
 *   5  refunded because of errors or problems             → refunded
 *   other: undocumented; still a close (refusing it would keep the number busy while
 *   Onlinesim re-sends the same FINISH forever)           → released, history unchanged
 */
import type { CloseOutcome } from "../../sales/types.js";

export const FINISH_STATUSES = [1, 3, 4, 5] as const;

/** FINISH_ACTIVATION statuses in words, as Onlinesim documents them. */
export const STATUS_WORDS: Readonly<Record<number, string>> = { 1: "not for this service", 3: "sold", 4: "cancelled", 5: "refunded" };

export function isKnownStatus(status: number): boolean {
  return (FINISH_STATUSES as readonly number[]).includes(status);
}

export function outcomeOf(status: number, cancelLimit: number): CloseOutcome {
  switch (status) {
    case 1:
      return { kind: "rejected" };
    case 3:
      return { kind: "sold" };
    case 4:
      return { kind: "cancelled", cancelLimit };
    case 5:
      return { kind: "refunded" };
    default:
      return { kind: "released", why: `undocumented FINISH_ACTIVATION status ${status}` };
  }
}
