/**
 * After a restart: route the stored SMS that a crash left unrouted. Storing a whole message
 * and routing it (the outbox row) are two transactions (sms-flow.ts); a SIGKILL between
 * them leaves an SMS that is stored and visible but would never reach Onlinesim although
 * its activation is still open. Such an SMS was received on an open activation's SIM after
 * that activation began and has no outbox row: route it now. SMS that arrived before the
 * activation, or on a SIM without one, stay as they are (unrouted on purpose, Q16).
 * The open reservations are every marketplace's, and routing writes the row for whichever
 * one holds the SIM (issue 15): each marketplace's sender then reads only its own rows.
 */
import type { OnlinesimEngine } from "../markets/onlinesim/engine.js";
import type { Logger } from "../log/logger.js";
import type { Store } from "../store/index.js";

export async function routeLeftovers(store: Store, engine: Pick<OnlinesimEngine, "openActivations" | "routeSms">, log: Logger): Promise<number> {
  const open = engine.openActivations();
  if (open.length === 0) return 0;
  const byIccid = new Map(open.map((a) => [a.iccid, a]));
  const since = Math.min(...open.map((a) => a.createdAt));
  let routed = 0;
  for (const sms of store.sms.withoutOutboxSince(since)) {
    const activation = sms.iccid !== null ? byIccid.get(sms.iccid) : undefined;
    if (!activation || sms.receivedAt < activation.createdAt) continue;
    const outcome = await engine.routeSms({ smsId: sms.id, portId: sms.portId, iccid: sms.iccid, number: activation.number, receivedAt: sms.receivedAt });
    if (outcome.kind === "queued") routed++;
  }
  if (routed > 0) log.warn({ event: "sms-routed-after-restart", count: routed }, `${routed} stored SMS of open activations were not routed before the restart; queued now for the marketplace holding each SIM`);
  return routed;
}
