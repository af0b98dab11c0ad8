/**
 * The daemon config the demo writes: everything a real operator would set (services, the
 * PIN of the locked SIM, Onlinesim's URLs), pointed at the fake Onlinesim. It doubles as
 * an example of a working config file: the demo prints where it is.
 */
import { scenarioPool, DEMO_SLOTS } from "../sim/scenarios.js";

export const DEMO_SERVICES = ["telegram", "whatsapp", "google", "facebook", "instagram", "vk"];

export function demoDaemonConfig(opts: { fakeBase: string; modems: number; seed: string }): Record<string, unknown> {
  const rack = scenarioPool("demo", opts.modems, opts.seed);
  const locked = rack[DEMO_SLOTS.pinLocked];
  return {
    logLevel: "info",
    onlinesim: {
      mode: "both",
      push: { url: `${opts.fakeBase}/v1/PUSH_SMS`, rentUrl: `${opts.fakeBase}/v1/PUSH_SMS_RENT`, retryMs: 2_000 },
      v2: { baseUrl: opts.fakeBase, debounceMs: 1_000, addMessagesBatchMs: 1_000 },
    },
    // A health poll every 3 s so the hanging module is noticed quickly on stage (default 15 s).
    modem: { pins: locked ? { [locked.sim.iccid]: locked.sim.pin } : {}, pollIntervalMs: 3_000, commandTimeoutMs: 2_000 },
    engine: { services: DEMO_SERVICES, activationLifeMs: 60_000 },
  };
}
