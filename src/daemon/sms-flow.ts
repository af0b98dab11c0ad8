/**
 * The daemon's SMS path, from a whole message on the port map to the outgoing queues:
 *
 *   part on the modem → store.acceptPart (durable; the modem may delete it)
 *     → port's long-lived assembler → whole SMS on the map ("sms-received")
 *     → store.sms.storeMessage → engine.routeSms → outbox row → PushSmsSender.wake()
 *                                               ↘ not a v1 activation's → v2 queue (mode v2/both)
 *
 * One assembler per port for the life of the process, rebuilt from the store's
 * unassembled parts the first time the port asks for it: a multipart message whose parts
 * straddle a port reopen or a daemon restart is still joined into one SMS, and a message
 * that completed from stored parts alone is stored and routed right then.
 */
import type { Logger } from "../log/logger.js";
import type { OnlinesimEngine } from "../markets/onlinesim/engine.js";
import type { RouteOutcome } from "../sales/core.js";
import type { MessageAssembler, CompleteSms } from "../sms/index.js";
import type { PortMap, PortView } from "../modem/port-map.js";
import { restoreAssembler, type Store } from "../store/index.js";

/** Reassembly wait for missing parts (the codec's default): after it the parts are delivered as they are. */
const REASSEMBLY_TIMEOUT_MS = 10 * 60_000;

export interface SmsStored {
  smsId: number;
  sms: CompleteSms;
  /** The receiving port's number (E.164 with "+") when known. */
  number: string | null;
  outcome: RouteOutcome;
}

/**
 * What the SMS path needs of the store for a whole message: keep it durably and give its
 * id. It may answer later (a store across the network, issue 17); the SQLite store's
 * SmsRepository answers at once. Its parts are durable already (acceptPart), and a whole
 * SMS stored but not routed is routed at the next start (route-recovery.ts).
 */
export interface SmsArchive {
  storeMessage(sms: CompleteSms): { id: number } | Promise<{ id: number }>;
}

export interface SmsFlowOptions {
  store: Store;
  engine: Pick<OnlinesimEngine, "routeSms">;
  map: PortMap;
  logger: Logger;
  /** Every stored and routed SMS (wake the PUSH_SMS sender, queue for v2, count). */
  onStored: (stored: SmsStored) => void;
  clock?: () => number;
}

export interface SmsFlow {
  /** SessionSmsOptions.assembler: the port's long-lived assembler. */
  assemblerFor(portId: string): MessageAssembler;
  stop(): void;
}

export function startSmsFlow(opts: SmsFlowOptions): SmsFlow {
  const { store, engine, map, logger } = opts;
  const archive: SmsArchive = store.sms;
  const clock = opts.clock ?? Date.now;
  const log = logger.child({ component: "sms-flow" });
  const assemblers = new Map<string, MessageAssembler>();

  const storeAndRoute = (portId: string, sms: CompleteSms, number: string | null, iccid: string | null): void => {
    const failed = (err: unknown): void => log.error({ event: "sms-store-failed", err, port: portId }, "could not store a whole SMS (its parts are stored); not routed");
    // routeSms never rejects: a store failure is its "failed" outcome, and the SMS stays stored.
    const route = (smsId: number): void =>
      void engine.routeSms({ smsId, portId, iccid: sms.iccid ?? iccid, number, receivedAt: clock() }).then((outcome) => opts.onStored({ smsId, sms, number, outcome }));
    let stored: { id: number } | Promise<{ id: number }>;
    try {
      stored = archive.storeMessage(sms);
    } catch (err) {
      failed(err);
      return;
    }
    // A synchronous store routes in the same turn, as before; an asynchronous one once it answers.
    if (stored instanceof Promise) stored.then((s) => route(s.id), failed);
    else route(stored.id);
  };

  const onSms = (port: PortView, sms: CompleteSms): void => storeAndRoute(port.id, sms, port.number, port.iccid);
  map.on("sms-received", onSms);

  return {
    assemblerFor(portId) {
      const known = assemblers.get(portId);
      if (known) return known;
      const restored = restoreAssembler(store.sms, portId, REASSEMBLY_TIMEOUT_MS, log);
      assemblers.set(portId, restored.assembler);
      if (restored.parts > 0) log.info({ event: "sms-parts-restored", port: portId, parts: restored.parts, completed: restored.completed.length }, "stored SMS parts re-fed after a restart");
      const port = map.get(portId);
      for (const sms of restored.completed) storeAndRoute(portId, sms, port?.number ?? null, port?.iccid ?? null);
      return restored.assembler;
    },
    stop: () => {
      map.off("sms-received", onSms);
    },
  };
}
