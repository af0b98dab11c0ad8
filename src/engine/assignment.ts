/**
 * GET_NUMBER's choice (docs/protocols/onlinesim-v1.md#get_number [C], docs/protocols/onlinesim-v1.md#lifecycle step 2): a SIM of the requested country and
 * operator (or any operator) that is ready, idle, not held back, not sold/excluded for
 * the service and not matched by `exceptionPhoneSet`; least recently used first so the
 * load (and the services' suspicion) spreads over the pool. Ties break on the number so
 * the choice is deterministic in tests.
 *
 * Pure selection: no reservation happens here (engine.ts reserves and commits in the same
 * synchronous turn).
 */
import type { Inventory, SimEntry } from "./inventory.js";
import { isExcluded } from "../markets/onlinesim/prefixes.js";
import type { EngineState } from "./state.js";

export interface PickRequest {
  country: string;
  /** An operator name or "any". */
  operator: string;
  service: string;
  /** Normalised digit prefixes (prefixes.ts). */
  exceptions: readonly string[];
}

export function pickSim(req: PickRequest, inventory: Inventory, state: EngineState): SimEntry | undefined {
  if (!inventory.groups.has(req.country)) return undefined;
  const held = inventory.held(state);
  const anyOperator = req.operator === "any";
  // The LRU list is ordered, so the first fit is the least recently used fit.
  for (const sim of inventory.lru) {
    if (sim.country !== req.country || (!anyOperator && sim.operator !== req.operator)) continue;
    if (!inventory.isOffered(sim, req.service, state, held)) continue;
    if (req.exceptions.length > 0 && isExcluded(sim.number, req.exceptions)) continue;
    return sim;
  }
  return undefined;
}
