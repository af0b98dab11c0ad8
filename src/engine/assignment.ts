/**
 * GET_NUMBER's choice (§2.3 [C], §2.9 step 2): a SIM of the requested country and
 * operator (or any operator) that is ready, idle, not held back, not sold/excluded for
 * the service and not matched by `exceptionPhoneSet`; least recently used first so the
 * load (and the services' suspicion) spreads over the pool. Ties break on the number so
 * the choice is deterministic in tests.
 *
 * Pure selection: no reservation happens here (engine.ts reserves and commits in the same
 * synchronous turn).
 */
import type { Inventory, SimEntry } from "./inventory.js";
import { isExcluded } from "./prefixes.js";
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
  const ops = inventory.groups.get(req.country);
  if (!ops) return undefined;
  const held = inventory.held(state);
  let best: SimEntry | undefined;
  let bestAt = Infinity;
  const consider = (sims: readonly SimEntry[]): void => {
    for (const sim of sims) {
      if (!inventory.isOffered(sim, req.service, state, held)) continue;
      if (req.exceptions.length > 0 && isExcluded(sim.number, req.exceptions)) continue;
      // Never used sorts before everything (-1 < any epoch time).
      const at = state.lastUsed.get(sim.number) ?? -1;
      if (at < bestAt || (at === bestAt && best !== undefined && sim.number < best.number)) {
        best = sim;
        bestAt = at;
      }
    }
  };
  if (req.operator === "any") for (const sims of ops.values()) consider(sims);
  else {
    const sims = ops.get(req.operator);
    if (sims) consider(sims);
  }
  return best;
}
