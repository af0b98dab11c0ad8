import type { ProbeResult } from "./probe.js";

/**
 * Per-port states, named as in the lifecycle the port map will run (issue 4):
 * a port is `ready` (sellable) only with a ready SIM whose ICCID, IMSI and own number are
 * known and that is registered (home or roaming).
 */
export type PortState = "ready" | "registering" | "degraded" | "no-sim" | "sim-locked" | "sim-error" | "unresponsive";

export function stateFromProbe(probe: ProbeResult, allowRoaming = true): PortState {
  if (probe.sim === "absent") return "no-sim";
  if (probe.sim === "pin" || probe.sim === "puk") return "sim-locked";
  if (probe.sim !== "ready") return "sim-error";
  const registered = probe.registration === "home" || (allowRoaming && probe.registration === "roaming");
  if (!registered) return "registering";
  if (!probe.iccid || !probe.imsi || !probe.number) return "degraded";
  return "ready";
}
