/**
 * SIGKILL campaign: the daemon dies at random (seeded) moments while Onlinesim buys,
 * services text the numbers, the daemon pushes the SMS and the buyer closes the
 * operations; the modems (another process) keep receiving while it is dead. Each kill is
 * followed by a random downtime and a restart on the same state directory and ports. At
 * the end the buyer stops, the backlog drains, and the books are compared:
 *   lost            an SMS a service sent that never reached Onlinesim;
 *   duplicated      an SMS Onlinesim accepted more than once;
 *   double-assigned an activation id given twice, or a number given out while the buyer
 *                   still held it (by the buyer's books and by the daemon's store);
 *   corrupted       a pushed text that no service sent to that operation.
 * A duplicate is expected only where a kill landed while an accepted PUSH_SMS's answer
 * was still on its way back (the front door delays answers by `latencyMs`, as a WAN
 * does) or not yet recorded, and the resend came from the restarted daemon; each one is
 * checked against the kill times, and one that no kill explains is reported as such.
 */
import { createRng, seedFrom } from "../../../src/sim/rng.js";
import { KillWindows } from "../kill-window.js";
import { accountAssignments, accountSms, deliveryNote, doubleAssigned, type Ledger } from "../ledger.js";
import { timing, type CaseResult } from "../result.js";
import { DaemonExited, Rig, sleep } from "../rig.js";
import { auditStore, type StoreAudit } from "../store-audit.js";

export interface KillOptions {
  dir: string;
  kills: number;
  modems: number;
  services: number;
  seed: string;
  /** How long the daemon lives after /readyz 200 before the kill: short lives hit the restart burst. */
  uptimeMs: { short: [number, number]; long: [number, number]; shortShare: number };
  downtimeMs: [number, number];
  /** Answers from Onlinesim take this long to come back (the window a kill turns into a duplicate). */
  latencyMs: number;
  orderEveryMs: number;
  drainTimeoutMs: number;
  log: (line: string) => void;
}

export const KILL_DEFAULTS: Omit<KillOptions, "dir" | "log"> = {
  kills: 80,
  modems: 16,
  services: 300,
  seed: "chaos",
  uptimeMs: { short: [200, 1_500], long: [1_500, 6_000], shortShare: 0.4 },
  downtimeMs: [200, 2_500],
  latencyMs: 100,
  orderEveryMs: 150,
  drainTimeoutMs: 90_000,
};

export interface KillRecord {
  at: number;
  generation: number;
  uptimeMs: number;
  downtimeMs: number;
  /** Spawn → /readyz 200 of the restart that followed. */
  restartMs: number | null;
  /** Spawn → the next GET_NUMBER answered SUCCESS. */
  sellingAgainMs: number | null;
  pushesInFlight: number;
}

export interface KillCampaign {
  result: CaseResult;
  kills: KillRecord[];
  /** Duplicates no kill explains (a push accepted far from any kill, then sent again). */
  unexplainedDuplicates: number;
  pushesInFlightAtKills: number;
  killsWithPushInFlight: number;
  store: StoreAudit;
  drained: boolean;
}

export async function runKillCampaign(o: KillOptions): Promise<KillCampaign> {
  const rng = createRng(seedFrom(o.seed));
  const between = ([min, max]: [number, number]): number => rng.int(min, max);
  const rig = await Rig.start({
    dir: o.dir,
    modems: o.modems,
    seed: o.seed,
    services: o.services,
    market: { latencyMs: o.latencyMs, orderEveryMs: o.orderEveryMs, seed: seedFrom(o.seed) },
  });
  const kills: Array<Omit<KillRecord, "pushesInFlight" | "sellingAgainMs">> = [];
  const spawns: number[] = [];
  let crashes = 0;
  try {
    let run = await rig.startDaemon();
    spawns.push(run.spawnedAt);
    o.log(`kill: daemon up in ${run.readyAt - run.spawnedAt} ms; ${o.kills} kills to go`);
    for (let i = 0; i < o.kills; i++) {
      const uptime = rng.next() < o.uptimeMs.shortShare ? between(o.uptimeMs.short) : between(o.uptimeMs.long);
      const downtime = between(o.downtimeMs);
      await sleep(uptime);
      if (run.child.hasExited()) crashes++;
      const at = await rig.killDaemon();
      await sleep(downtime);
      let restartMs: number | null = null;
      try {
        run = await rig.startDaemon();
        restartMs = run.readyAt - run.spawnedAt;
      } catch (err) {
        // A daemon that does not come back is the worst outcome: report it, stop the campaign.
        kills.push({ at, generation: rig.generation - 1, uptimeMs: uptime, downtimeMs: downtime, restartMs: null });
        throw err instanceof DaemonExited ? new Error(`after kill ${i + 1}: ${err.message}`) : err;
      }
      spawns.push(run.spawnedAt);
      kills.push({ at, generation: rig.generation - 1, uptimeMs: uptime, downtimeMs: downtime, restartMs });
      if ((i + 1) % 10 === 0 || i + 1 === o.kills) o.log(`kill: ${i + 1}/${o.kills} (restart ${restartMs} ms)`);
    }
    const drain = await rig.drain(o.drainTimeoutMs);
    o.log(`kill: backlog ${drain.drained ? "drained" : "NOT drained"} in ${drain.ms} ms`);
    const { ledger, stats } = await rig.ledger();
    await rig.stopDaemon();
    const store = auditStore(rig.stateDir, ledger.orders);
    return judge(o, ledger, stats, kills, spawns, store, drain.drained, crashes);
  } finally {
    await rig.close();
  }
}

function judge(
  o: KillOptions,
  ledger: Ledger,
  stats: Record<string, unknown>,
  kills: Array<Omit<KillRecord, "pushesInFlight" | "sellingAgainMs">>,
  spawns: number[],
  store: StoreAudit,
  drained: boolean,
  crashes: number,
): KillCampaign {
  const sms = accountSms(ledger);
  const assign = accountAssignments(ledger);
  const accepted = ledger.pushes.filter((p) => p.answer === "SUCCESS");
  const windows = new KillWindows(kills.map((k) => k.at), o.latencyMs);
  const issuedAt = ledger.orders.filter((x) => x.outcome === "issued").map((x) => x.answeredAt!);
  const records: KillRecord[] = kills.map((k, i) => {
    const respawn = spawns[i + 1];
    const firstSale = respawn === undefined ? undefined : issuedAt.find((t) => t >= respawn);
    return {
      ...k,
      pushesInFlight: accepted.filter((p) => windows.inFlight(p.at, k.at)).length,
      sellingAgainMs: respawn !== undefined && firstSale !== undefined ? firstSale - respawn : null,
    };
  });
  const unexplained = sms.duplicated.filter((d) => !windows.explains(d.pushes));
  const pushesInFlightAtKills = records.reduce((n, k) => n + k.pushesInFlight, 0);
  const double = doubleAssigned(assign) + store.overlaps.length;
  const dupRate = sms.sent ? sms.duplicated.length / sms.sent : 0;
  const result: CaseResult = {
    scenario: "kill",
    case: `${kills.length} SIGKILLs, ${o.modems} modems, ${o.latencyMs === 0 ? "Onlinesim on loopback" : `Onlinesim answers ${o.latencyMs} ms late`}`,
    sms: sms.sent,
    lost: sms.lost.length,
    duplicated: sms.duplicated.length,
    doubleAssigned: double,
    corrupted: sms.corrupted.length,
    detection: null,
    recovery: timing(records.flatMap((k) => (k.restartMs === null ? [] : [k.restartMs]))),
    checks: [
      { what: "0 lost", ok: sms.lost.length === 0 },
      { what: "0 double-assigned", ok: double === 0 },
      { what: "0 corrupted", ok: sms.corrupted.length === 0 },
      // The 0.5 % target holds where the answer is back at once (the issue's campaign). With
      // an answer delay, a kill repeats every push Onlinesim accepted whose answer was still on
      // its way, whatever the sender does (docs/reliability.md#duplicates-and-kills): there the
      // check is that no more were repeated than were in flight.
      o.latencyMs === 0
        ? { what: "duplicates < 0.5 % of SMS", ok: dupRate < 0.005 }
        : { what: "duplicates no more than the pushes in flight at the kills", ok: sms.duplicated.length <= pushesInFlightAtKills },
      { what: "every duplicate explained by a kill with a push in flight", ok: unexplained.length === 0 },
      { what: "no acknowledged order missing from the store", ok: store.missing.length === 0 },
      { what: "the backlog drained", ok: drained },
    ],
    notes: [
      `${sms.sent} SMS, ${sms.delivered} delivered exactly; duplicates ${sms.duplicated.length} SMS (${sms.duplicatePushes} extra pushes, ${(100 * dupRate).toFixed(2)} %)`,
      `${deliveryNote(ledger)} (downtimes included)`,
      `${records.filter((k) => k.pushesInFlight > 0).length} of ${kills.length} kills landed with an accepted push in flight (${pushesInFlightAtKills} pushes); ${unexplained.length} duplicates no kill explains`,
      `${assign.issued} numbers issued; ${store.orphans.length} activation${store.orphans.length === 1 ? "" : "s"} left open that the buyer never received (the answer died with the process)`,
      `recovery = spawn → /readyz 200; back to selling (spawn → next number issued) p50/max ${fmt(records.map((k) => k.sellingAgainMs))}`,
      ...(crashes ? [`${crashes} times the daemon had already exited before its kill`] : []),
    ],
    details: {
      latencyMs: o.latencyMs,
      kills: records,
      lost: sms.lost.slice(0, 50),
      duplicated: sms.duplicated.slice(0, 50),
      corrupted: sms.corrupted.slice(0, 50),
      unexplainedDuplicates: unexplained.slice(0, 50),
      assignments: { issued: assign.issued, reusedIds: assign.reusedIds, overlaps: assign.overlaps },
      store,
      fake: stats,
    },
  };
  return {
    result,
    kills: records,
    unexplainedDuplicates: unexplained.length,
    pushesInFlightAtKills,
    killsWithPushInFlight: records.filter((k) => k.pushesInFlight > 0).length,
    store,
    drained,
  };
}

function fmt(values: Array<number | null>): string {
  const t = timing(values.filter((v): v is number => v !== null));
  return t ? `${t.p50} / ${t.max} ms` : "—";
}
