/**
 * Keeps the store's SIM table (first/last seen, learned own number, home network) in step
 * with the port map. Writes only when what the table holds for a port's SIM changes — a
 * signal update every poll must not cost an fsync per port.
 */
import type { Logger } from "../log/logger.js";
import type { PortMap, PortView } from "../modem/port-map.js";
import type { SimRepository } from "../store/index.js";

export function recordSims(map: PortMap, sims: SimRepository, log: Logger): () => void {
  const last = new Map<string, string>();
  const onChange = (port: PortView): void => {
    if (!port.iccid) return;
    const fingerprint = [port.iccid, port.imsi, port.number, port.mcc, port.mnc, port.networkOperator].join("|");
    if (last.get(port.id) === fingerprint) return;
    try {
      sims.recordSim(port);
      last.set(port.id, fingerprint);
    } catch (err) {
      // Only the cache of learned numbers suffers: the number is asked again after a restart.
      log.error({ event: "sim-record-failed", err, port: port.id, iccid: port.iccid }, "could not record the SIM in the store");
    }
  };
  map.on("changed", onChange);
  for (const port of map.snapshot()) onChange(port);
  return () => {
    map.off("changed", onChange);
  };
}
