import { selectDriver } from "../../drivers/registry.js";
import { DEFAULT_NUMBER_RULES } from "../modem/number-rules.js";
import { PinGuard } from "../modem/sim-unlock.js";
import type { SharedSessionOptions } from "./pool.js";

/**
 * Session options with the shipped defaults: drivers chosen by the registry's score, no
 * PINs, the default "my number" USSD rules and an in-memory number cache. The daemon
 * replaces pins, the manual number map and the cache with what config and the store hold.
 */
export function sessionDefaults(overrides: Partial<SharedSessionOptions> = {}): SharedSessionOptions {
  return {
    chooseDriver: (evidence) => selectDriver(evidence).driver,
    pins: {},
    pinGuard: new PinGuard(),
    numbers: { rules: DEFAULT_NUMBER_RULES, manual: {}, cache: new Map<string, string>() },
    ...overrides,
  };
}
