/**
 * The engine config the daemon actually runs with, derived from the validated config.
 *
 * - Rent (onlinesim.v1.rent) is sold as the reserved service `rent`: its count is then the
 *   `rent` key of every operator map (docs/protocols/onlinesim-v1.md#get_services-rent option a), a rent order is an activation of
 *   service `rent` (its SMS go to PUSH_SMS (RENT)), and only FINISH_ACTIVATION closes it.
 * - A simulated pool with no services configured sells a few demo services, so
 *   `simgate run --simulate 8` with no config file answers GET_SERVICES with real counts.
 *   On hardware an empty list stays empty (sell nothing until told what to sell) and the
 *   daemon says so at start.
 */
import type { EngineConfig } from "../markets/onlinesim/engine-config.js";
import type { Config } from "../config/schema.js";

export const DEMO_SERVICES = ["telegram", "whatsapp", "google", "facebook", "vk"] as const;

export function effectiveEngineConfig(config: Readonly<Config>, simulating: boolean): Readonly<EngineConfig> {
  const base = config.engine;
  const services = base.services.length === 0 && simulating ? [...DEMO_SERVICES] : [...base.services];
  if (config.onlinesim.v1.rent && !services.includes("rent")) services.push("rent");
  return Object.freeze({ ...base, services });
}
