/** The modem sessions' options from config `modem` and the store (PINs, numbers, SMS hand-off). */
import type { Config } from "../config/schema.js";
import { DEFAULT_NUMBER_RULES } from "../modem/number-rules.js";
import type { MessageAssembler } from "../sms/index.js";
import type { SharedSessionOptions } from "../pool/pool.js";
import { sessionDefaults } from "../pool/session-defaults.js";
import type { Store } from "../store/index.js";

export function daemonSessionOptions(modem: Config["modem"], store: Store, assemblerFor: (portId: string) => MessageAssembler): SharedSessionOptions {
  const own = modem.numberRules.map((r) => ({ ...r, verified: true, note: "config modem.numberRules" }));
  return sessionDefaults({
    pins: modem.pins,
    numbers: { rules: [...own, ...DEFAULT_NUMBER_RULES], manual: modem.numbers, cache: store.sims },
    // acceptPart resolves after the part's transaction committed: only then may the modem delete it.
    sms: { accept: store.acceptPart, sweepIntervalMs: modem.smsSweepMs, assembler: assemblerFor },
    pollIntervalMs: modem.pollIntervalMs,
    livenessProbeMs: modem.livenessProbeMs,
    timeoutsBeforeReset: modem.timeoutsBeforeReset,
    numberRetryMs: modem.numberRetryMs,
    trustVendorRegistration: modem.trustVendorRegistration,
    channel: { defaultTimeoutMs: modem.commandTimeoutMs, answerWithinMs: modem.answerWithinMs, noiseBytesPerMinute: modem.noiseBytesPerMinute },
  });
}
