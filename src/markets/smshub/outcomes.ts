/**
 * FINISH_ACTIVATION statuses (SMSHUB appendix 4, docs/protocols/smshub.md) in the sales
 * core's neutral words (market-port.ts CloseOutcome):
 *
 *   1  "no longer provide numbers for that service" (e.g. sold for it before) → rejected
 *   3  sold, the reward is credited                                           → sold
 *   4  cancelled; the number may be given 3 more times (4 in total)           → cancelled, cancelLimit 4
 *   5  the user was refunded                                                  → refunded
 *   any other Uint: undocumented; still a close (refusing it would hold the SIM while the
 *   marketplace re-sends the same FINISH forever)                            → released
 */
import type { CloseOutcome } from "../market-port.js";
import type { SmshubDialect } from "./dialects.js";

export const FINISH_STATUSES = [1, 3, 4, 5] as const;

export function outcomeOf(status: number, dialect: Pick<SmshubDialect, "cancelLimit">): CloseOutcome {
  switch (status) {
    case 1:
      return { kind: "rejected" };
    case 3:
      return { kind: "sold" };
    case 4:
      return { kind: "cancelled", cancelLimit: dialect.cancelLimit };
    case 5:
      return { kind: "refunded" };
    default:
      return { kind: "released", why: `undocumented FINISH status ${status}` };
  }
}
