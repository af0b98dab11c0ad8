/**
 * Keeps the store's SIM table (first/last seen, learned own number, home network) in step
 * with the port map. Writes only when what the table holds for a port's SIM changes — a
 * signal update every poll must not cost an fsync per port.
 */
import type { Logger } from "../log/logger.js";
import type { PortMap, PortView } from "../modem/port-map.js";

/**
 * What this needs of the SIM registry: one write per change. It may answer later (a store
 * across the network, issue 17): a write that fails, at once or later, is logged and
 * asked again at the SIM's next change. The SQLite store's SimRepository fits.
 */
export interface SimRegistry {
  recordSim(port: PortView): unknown;
}

export function recordSims(map: PortMap, sims: SimRegistry, log: Logger): () => void {
  const last = new Map<string, string>();
  const onChange = (port: PortView): void => {
    if (!port.iccid) return;
    const fingerprint = [port.iccid, port.imsi, port.number, port.mcc, port.mnc, port.networkOperator].join("|");
    if (last.get(port.id) === fingerprint) return;
    // Only the cache of learned numbers suffers from a failed write: the number is asked again after a restart.
    const failed = (err: unknown): void => {
      if (last.get(port.id) === fingerprint) last.delete(port.id);
      log.error({ event: "sim-record-failed", err, port: port.id, iccid: port.iccid }, "could not record the SIM in the store");
    };
    try {
      const written = sims.recordSim(port);
      last.set(port.id, fingerprint);
      if (written instanceof Promise) written.catch(failed);
    } catch (err) {
      failed(err);
    }
  };
  map.on("changed", onChange);
  for (const port of map.snapshot()) onChange(port);
  return () => {
    map.off("changed", onChange);
  };
}
