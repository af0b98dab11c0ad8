import { ActivationEngine } from "../../src/engine/engine.js";
import { parseEngineConfig, type EngineConfigInput } from "../../src/config/engine-schema.js";
import type { PortInput } from "../../src/engine/inventory.js";
import { MemoryPersistence } from "../../src/engine/memory-persistence.js";

/** A ready port with a SIM of the given network; the number is derived from `n` unless given. */
export function port(n: number, opts: Partial<PortInput> & { net?: string } = {}): PortInput {
  const net = opts.net ?? "25001";
  const mcc = net.slice(0, 3);
  const mnc = net.slice(3);
  const cc = mcc === "250" ? "7" : mcc === "262" ? "49" : mcc === "310" ? "1" : "44";
  return {
    id: opts.id ?? `port-${n}`,
    state: opts.state ?? "ready",
    present: opts.present ?? true,
    iccid: opts.iccid === undefined ? `8970101${String(n).padStart(12, "0")}` : opts.iccid,
    number: opts.number === undefined ? `+${cc}9${String(n).padStart(9, "0")}` : opts.number,
    mcc: opts.mcc === undefined ? mcc : opts.mcc,
    mnc: opts.mnc === undefined ? mnc : opts.mnc,
  };
}

export function makeEngine(config: EngineConfigInput = {}, persistence = new MemoryPersistence(), clock: () => number = () => 1_000_000) {
  const engine = new ActivationEngine({ persistence, config: parseEngineConfig({ services: ["facebook", "telegram"], ...config }), clock });
  return { engine, persistence };
}

/** The `any` counts of one country, or undefined. */
export function anyCounts(engine: ActivationEngine, country = "russia"): Record<string, number> | undefined {
  return engine.getServices().countryList.find((c) => c.country === country)?.operatorMap["any"];
}
