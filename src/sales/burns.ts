/**
 * What an outcome does to a (number, service) pair, the one rule every store applies in
 * the same transaction as the close (ledger.ts `close`). Kept apart so the in-memory store
 * and the core's memory follow the SQL of src/store/sales-ledger.ts exactly.
 *
 *   sold       the pair is sold: never offered for the service again, on any marketplace
 *   cancelled  the marketplace's cancel count + 1; excluded there once it reaches the limit
 *   rejected   excluded on that marketplace
 *   refunded   nothing
 *   released   nothing (an undocumented status: the SIM is freed, history unchanged)
 */
import type { BurnChange } from "./ledger.js";
import type { CloseOutcome, EpochMs, MarketId, MarketUsage, ServiceId, SoldPair } from "./types.js";

export interface PairHistory {
  /** Whether the pair was sold before (on any marketplace). */
  sold: boolean;
  /** This marketplace's row, if it has one. */
  usage: MarketUsage | undefined;
}

/** The rows a close writes, or an empty change. Only what changes is returned. */
export function burnFor(outcome: CloseOutcome, pair: { market: MarketId; number: string; service: ServiceId }, history: PairHistory, at: EpochMs): BurnChange {
  const current: MarketUsage = history.usage ?? { market: pair.market, number: pair.number, service: pair.service, cancels: 0, excluded: false };
  switch (outcome.kind) {
    case "sold": {
      if (history.sold) return {};
      const sold: SoldPair = { number: pair.number, service: pair.service, market: pair.market, at };
      return { sold };
    }
    case "cancelled": {
      const cancels = current.cancels + 1;
      return { usage: { ...current, cancels, excluded: current.excluded || cancels >= outcome.cancelLimit } };
    }
    case "rejected":
      return current.excluded ? {} : { usage: { ...current, excluded: true } };
    case "refunded":
    case "released":
      return {};
  }
}
