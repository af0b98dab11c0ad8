import type { Registration, SimState } from "../../drivers/generic/index.js";
import type { ProbeResult } from "./probe.js";

/**
 * Per-port lifecycle states (issue 4):
 *
 *   absent → probing → no-sim | sim-locked | sim-error | registering → ready ↔ degraded → gone
 *
 * plus `no-number` (registered and identified, but the SIM's own number is not known yet:
 * not sellable, and the user should see why), `number-invalid` (a number was found but is
 * not valid for its country: never sold; `numberProblem` says why, and the operator sets
 * the number by hand), `roaming` (registered on a foreign network while modem.allowRoaming
 * is off: not sold, and not "still registering" either), `denied` (the network refuses the
 * SIM, +CREG stat 3: barred, unpaid or blocked; not sold, and no wait will fix it, so it is
 * named even on a port that was ready, where a lost network is only `degraded`),
 * `unresponsive` (the port exists but the module does not answer), and two faults of a module that was brought up:
 * `not-answering` (a command has waited past the short answer threshold, or a probe of a
 * silent port did: hung, dropping or slow replies) and `noisy` (it spews bytes no AT
 * response contains). Both take the port off sale the moment they are seen, ahead of the
 * recovery ladder, and clear when the module answers promptly again or the noise stops.
 *
 * The state is never stored on its own: it is derived from the facts we hold about the
 * port, so it cannot drift from them. A port is `ready` (sellable) only when its SIM is
 * ready, ICCID and IMSI are known, it is registered (home, or roaming when allowed) and
 * its own number is known.
 */
export type PortState =
  | "absent"
  | "probing"
  | "no-sim"
  | "sim-locked"
  | "sim-error"
  | "registering"
  | "roaming"
  | "denied"
  | "no-number"
  | "number-invalid"
  | "ready"
  | "degraded"
  | "unresponsive"
  | "not-answering"
  | "noisy"
  | "gone";

export interface PortFacts {
  /** The tty exists right now. */
  present: boolean;
  /** We have seen this port before (distinguishes `gone` from `absent`). */
  everSeen: boolean;
  /** The first probe has finished (answered AT and was identified). */
  probed: boolean;
  /** The module answers; false after the recovery ladder gave up for now. */
  responsive: boolean;
  /** Its last command was answered within the short threshold (false from the moment one was not). */
  answering: boolean;
  /** It is spewing noise (bytes no AT response contains) faster than the configured rate. */
  noisy: boolean;
  sim: SimState | "unknown";
  iccid: string | null;
  imsi: string | null;
  registration: Registration;
  number: string | null;
  /** Why the number found for this SIM was refused (not valid for its country); null or absent when none was. */
  numberProblem?: string | null;
  /** The port was ready with this SIM before: losing a requirement now is `degraded`, not `registering`. */
  wasReady: boolean;
}

export interface StatePolicy {
  /** Sell SIMs that are registered on a foreign network (default true). */
  allowRoaming: boolean;
}

export const DEFAULT_STATE_POLICY: StatePolicy = { allowRoaming: true };

export function isRegistered(registration: Registration, policy: StatePolicy = DEFAULT_STATE_POLICY): boolean {
  return registration === "home" || (policy.allowRoaming && registration === "roaming");
}

export function deriveState(f: PortFacts, policy: StatePolicy = DEFAULT_STATE_POLICY): PortState {
  if (!f.present) return f.everSeen ? "gone" : "absent";
  if (!f.probed) return f.responsive ? "probing" : "unresponsive";
  if (!f.responsive) return f.wasReady ? "degraded" : "unresponsive";
  // Noise first: a module that spews usually does not answer cleanly either, and the noise is the cause to fix.
  if (f.noisy) return "noisy";
  if (!f.answering) return "not-answering";
  if (f.sim === "absent") return "no-sim";
  if (f.sim === "pin" || f.sim === "puk") return "sim-locked";
  if (f.sim !== "ready") return "sim-error";
  // The network's explicit refusal: settled, and the owner must act (top up, unblock, swap).
  if (f.registration === "denied") return "denied";
  const registered = isRegistered(f.registration, policy);
  const identified = f.iccid !== null && f.imsi !== null;
  if (registered && identified && f.number !== null) return "ready";
  if (f.wasReady) return "degraded";
  // The SIM is known and its number was refused: the owner must act, whatever the network does.
  if (identified && f.number === null && f.numberProblem) return "number-invalid";
  if (registered && identified) return "no-number";
  // Roaming while roaming is not sold: a settled state the owner must act on, not a wait.
  if (f.registration === "roaming" && identified) return "roaming";
  return "registering";
}

/** State of a port after one probe (used by `simgate scan`). */
export function stateFromProbe(probe: ProbeResult, policy: StatePolicy = DEFAULT_STATE_POLICY): PortState {
  return deriveState(
    {
      present: true,
      everSeen: true,
      probed: true,
      responsive: true,
      answering: true,
      noisy: false,
      sim: probe.sim,
      iccid: probe.iccid,
      imsi: probe.imsi,
      registration: probe.registration,
      number: probe.number,
      wasReady: false,
    },
    policy,
  );
}
