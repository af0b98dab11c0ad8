/**
 * The daemon's state as one JSON document for the admin API (`GET /api/status`), the CLI's
 * `simgate status` and the status page: the port map with each port's open activation, the
 * engine's counters and the outgoing queues. Numbers, never secrets.
 */
import type { ActivationEngine, EngineStats } from "../engine/index.js";
import type { PortMap } from "../pool/port-map.js";
import type { Store } from "../store/index.js";
import type { Outbound, OutboundStats } from "./outbound.js";

export interface PortStatus {
  id: string;
  path: string;
  state: string;
  stateSince: number;
  operator: string | null;
  mcc: string | null;
  mnc: string | null;
  number: string | null;
  iccid: string | null;
  signal: number | null;
  model: string | null;
  activation: { id: number; service: string; since: number } | null;
}

export interface DaemonStatus {
  at: number;
  ports: PortStatus[];
  engine: EngineStats;
  outbound: OutboundStats;
}

export function daemonStatus(d: { map: PortMap; engine: ActivationEngine; outbound: Outbound; store: Store }): DaemonStatus {
  const ports = d.map.snapshot().map((p): PortStatus => {
    const open = p.number ? d.engine.openActivationFor(p.number) : undefined;
    return {
      id: p.id,
      path: p.path,
      state: p.state,
      stateSince: p.stateSince,
      operator: p.networkOperator,
      mcc: p.mcc,
      mnc: p.mnc,
      number: p.number,
      iccid: p.iccid,
      signal: p.signal,
      model: [p.manufacturer, p.model].filter(Boolean).join(" ") || null,
      activation: open ? { id: open.id, service: open.service, since: open.createdAt } : null,
    };
  });
  return { at: Date.now(), ports, engine: d.engine.stats(), outbound: d.outbound.stats() };
}
