/**
 * One clear journal line per thing an operator cares about on the modem side: a port
 * appearing or going, a SIM arriving or leaving, a number learned, a state change, an SMS
 * received. (Orders, finishes and pushes are logged where they happen: engine, senders.)
 * Every line carries `port`, and `iccid`/`number` when known, so `journalctl -u simgate |
 * grep port=…` follows one module. SMS texts (verification codes) stay out of info lines.
 */
import type { Logger } from "../log/logger.js";
import type { PortMap, PortView } from "../modem/port-map.js";
import type { PortState } from "../modem/port-state.js";

/** States an operator should look at: the module or the SIM needs a hand. */
const WARN_STATES: ReadonlySet<PortState> = new Set(["unresponsive", "not-answering", "noisy", "sim-error", "sim-locked", "denied"]);

const who = (p: PortView) => ({ port: p.id, ...(p.iccid ? { iccid: p.iccid } : {}), ...(p.number ? { number: p.number } : {}) });

export function logPortEvents(map: PortMap, logger: Logger): () => void {
  const log = logger.child({ component: "ports" });
  const handlers = {
    "port-added": (p: PortView) => log.info({ event: "port-added", ...who(p), ...(p.path !== p.id ? { path: p.path } : {}) }, "port appeared"),
    "port-removed": (p: PortView) => log.warn({ event: "port-removed", ...who(p) }, "port gone"),
    "sim-changed": (p: PortView, previous: string | null) =>
      p.iccid
        ? log.info({ event: "sim-arrived", ...who(p), imsi: p.imsi, mcc: p.mcc, mnc: p.mnc, ...(previous ? { previousIccid: previous } : {}) }, previous ? "SIM swapped" : "SIM arrived")
        : log.warn({ event: "sim-left", port: p.id, previousIccid: previous }, "SIM left"),
    "number-learned": (p: PortView) => log.info({ event: "number-learned", ...who(p) }, "number learned"),
    "state-changed": (p: PortView, previous: PortState) => {
      const line = { event: "port-state", ...who(p), from: previous, to: p.state, operator: p.networkOperator, signal: p.signal };
      const text = `state ${previous} → ${p.state}`;
      if (WARN_STATES.has(p.state)) log.warn(line, text);
      else log.info(line, p.state === "ready" ? `${text} (sellable)` : text);
    },
    "sms-received": (p: PortView, sms: { sender: string; text: string; parts: unknown[]; missingParts: number[] }) =>
      log.info(
        { event: "sms-received", ...who(p), from: sms.sender, chars: sms.text.length, parts: sms.parts.length, missingParts: sms.missingParts.length || undefined },
        `SMS from ${sms.sender}`,
      ),
  } as const;
  for (const [event, fn] of Object.entries(handlers)) map.on(event as "changed", fn as never);
  return () => {
    for (const [event, fn] of Object.entries(handlers)) map.off(event as "changed", fn as never);
  };
}
