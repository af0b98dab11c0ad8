/**
 * The daemon config the demo writes: everything a real operator would set (services, the
 * PIN of the locked SIM, Onlinesim's URLs, an SMSHUB market), pointed at the two fake
 * marketplaces. It doubles as an example of a working config file: the demo prints where
 * it is.
 */
import { scenarioPool, DEMO_SLOTS } from "../sim/scenarios.js";

export const DEMO_SERVICES = ["telegram", "whatsapp", "google", "facebook", "instagram", "vk"];

/** Where SMSHUB's endpoint is mounted on the partner listener (what the fake SMSHUB buys from). */
export const DEMO_SMSHUB_PATH = "/smshub";

export function demoDaemonConfig(opts: { fakeBase: string; smshubBase: string; modems: number; seed: string }): Record<string, unknown> {
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
    // The same SIMs sold on SMSHUB too, under /smshub on the partner listener; its key comes
    // from SIMGATE_MARKET_SMSHUB_KEY. PUSH_SMS goes to the fake, at the path SMSHUB
    // publishes (docs/protocols/smshub.md#smshub-agent-protocol).
    markets: [{ id: "smshub", dialect: "smshub", path: DEMO_SMSHUB_PATH, pushSmsUrl: `${opts.smshubBase}/agent/api/sms`, services: DEMO_SERVICES }],
  };
}
