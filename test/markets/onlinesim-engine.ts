/**
 * The engine the daemon runs for Onlinesim (OnlinesimEngine: the sales core with the
 * Onlinesim v1 adapter) over the in-memory ledger, for the tests of its GET_SERVICES counts,
 * GET_NUMBER, FINISH_ACTIVATION, release policy and SMS routing.
 */
import { parseEngineConfig, type EngineConfigInput } from "../../src/config/engine-schema.js";
import { silentLogger, type Logger } from "../../src/log/logger.js";
import { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import type { SalesLedger } from "../../src/sales/ledger.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";

export { port } from "../sales/ports.js";

export async function makeEngine<L extends SalesLedger = MemoryLedger>(
  config: EngineConfigInput = {},
  ledger: L = new MemoryLedger() as unknown as L,
  clock: () => number = () => 1_000_000,
  logger: Logger = silentLogger(),
): Promise<{ engine: OnlinesimEngine; ledger: L }> {
  const engine = await OnlinesimEngine.open({ ledger, config: parseEngineConfig({ services: ["facebook", "telegram"], ...config }), clock, logger });
  return { engine, ledger };
}

/** The `any` counts of one country, or undefined. */
export function anyCounts(engine: OnlinesimEngine, country = "russia"): Record<string, number> | undefined {
  return engine.getServices().countryList.find((c) => c.country === country)?.operatorMap["any"];
}
