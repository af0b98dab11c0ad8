/**
 * onlinesim.share and onlinesim.headroom (issue 15 §5): Onlinesim reads the counts only
 * every 2 minutes, so an operator selling the same SIMs elsewhere shows it a part of the
 * idle SIMs. Held to the core's rule (src/sales/policy.ts shownCount): floor(idle × share)
 * − headroom, never below 0.
 */
import { describe, expect, it } from "vitest";
import { parseEngineConfig } from "../../src/config/engine-schema.js";
import { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { port } from "../sales/ports.js";

async function telegramCount(market: { share?: number; headroom?: number } | undefined, sims: number): Promise<number> {
  const engine = await OnlinesimEngine.open({ ledger: new MemoryLedger(), config: parseEngineConfig({ services: ["telegram"] }), ...(market ? { market } : {}) });
  engine.updatePorts(Array.from({ length: sims }, (_, i) => port(i + 1)));
  return engine.getServices().countryList.find((c) => c.country === "russia")?.operatorMap["any"]?.["telegram"] ?? 0;
}

describe("Onlinesim's share of the pool", () => {
  it("shows every idle SIM by default", async () => {
    expect(await telegramCount(undefined, 10)).toBe(10);
  });

  it("shows floor(idle × share) − headroom when configured, and never a negative count", async () => {
    expect(await telegramCount({ share: 0.5 }, 10)).toBe(5);
    expect(await telegramCount({ share: 0.5, headroom: 2 }, 10)).toBe(3);
    expect(await telegramCount({ share: 0.5 }, 3)).toBe(1);
    expect(await telegramCount({ headroom: 20 }, 10)).toBe(0);
  });
});
