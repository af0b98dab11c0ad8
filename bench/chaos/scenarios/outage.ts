/**
 * Marketplace outage: Onlinesim's PUSH_SMS endpoint fails for `outageMs` while the buyer
 * keeps ordering and services keep texting, so a backlog builds up; then it comes back and
 * the backlog must drain, in full, once per SMS. One rig, four outages in turn:
 *   down  the port refuses connections;
 *   500   every PUSH_SMS answers HTTP 500;
 *   hang  connections are accepted and never answered;
 *   slow  every PUSH_SMS is accepted, but its answer comes 15 s later (past a 10 s
 *         deadline): a sender that retries while the first attempt is still being
 *         processed pushes it twice.
 * Per outage: the SMS sent during it, lost / duplicated / altered, numbers assigned twice,
 * PUSH_SMS attempts the daemon made during the outage (its own metric) and those that
 * reached Onlinesim, the backlog when it came back, and the time to drain it.
 */
import { accountAssignments, accountSms, corruptedNote, deliveryNote, doubleAssigned, sliceLedger } from "../ledger.js";
import { timing, type CaseResult } from "../result.js";
import { Rig, sleep, until } from "../rig.js";

export interface OutageOptions {
  dir: string;
  modems: number;
  services: number;
  seed: string;
  outageMs: number;
  /** How long Onlinesim holds each answer in the slow case. */
  slowAnswerMs: number;
  drainTimeoutMs: number;
  modes: OutageMode[];
  log: (line: string) => void;
}

export type OutageMode = "down" | "500" | "hang" | "slow";

export const OUTAGE_DEFAULTS: Omit<OutageOptions, "dir" | "log"> = {
  modems: 16,
  services: 300,
  seed: "chaos",
  outageMs: 30_000,
  slowAnswerMs: 15_000,
  drainTimeoutMs: 120_000,
  modes: ["down", "500", "hang", "slow"],
};

const PUSH_PATH = "/v1/PUSH_SMS";

export async function runOutages(o: OutageOptions): Promise<CaseResult[]> {
  const rig = await Rig.start({
    dir: o.dir,
    modems: o.modems,
    seed: o.seed,
    services: o.services,
    // Three SMS per operation, so the backlog is a few times the module count.
    market: { smsPerOrder: 3, smsDelayMs: { min: 300, max: 1_500 }, orderEveryMs: 150, latencyMs: 20 },
  });
  const results: CaseResult[] = [];
  try {
    await rig.startDaemon();
    await until("the first SMS delivered", async () => (await rig.ledger()).ledger.pushes.some((p) => p.answer === "SUCCESS"), 90_000, 500);
    for (const mode of o.modes) {
      results.push(await oneOutage(rig, o, mode));
      await rig.marketCall("/orders", { on: true });
      await sleep(3_000);
    }
    await rig.stopDaemon();
    return results;
  } finally {
    await rig.close();
  }
}

async function oneOutage(rig: Rig, o: OutageOptions, mode: OutageMode): Promise<CaseResult> {
  const failedBefore = (await rig.metric("simgate_push_sms_total", '{result="failed"}')) ?? 0;
  const deliveredBefore = (await rig.metric("simgate_push_sms_total", '{result="delivered"}')) ?? 0;
  const hungBefore = (await rig.marketCall("/network", {})).hungConnections as number;
  const t0 = Date.now();
  if (mode === "down") await rig.marketCall("/network", { mode: "down" });
  if (mode === "hang") await rig.marketCall("/network", { mode: "hang" });
  if (mode === "500") await rig.marketCall("/fail", { path: PUSH_PATH, status: 500 });
  if (mode === "slow") await rig.marketCall("/fail", { path: PUSH_PATH, delayMs: o.slowAnswerMs });
  o.log(`outage ${mode}: ${o.outageMs / 1000} s`);
  await sleep(o.outageMs);
  const t1 = Date.now();
  const backlog = (await rig.metric("simgate_push_sms_pending")) ?? 0;
  const attempts = ((await rig.metric("simgate_push_sms_total", '{result="failed"}')) ?? 0) - failedBefore + ((await rig.metric("simgate_push_sms_total", '{result="delivered"}')) ?? 0) - deliveredBefore;
  const hung = ((await rig.marketCall("/network", {})).hungConnections as number) - hungBefore;
  // Back: new requests are answered at once (answers already held in the slow case still take their time).
  await rig.marketCall("/clear-failures", {});
  await rig.marketCall("/network", { mode: "up" });
  const drain = await rig.drain(o.drainTimeoutMs);
  o.log(`outage ${mode}: backlog ${backlog}, ${drain.drained ? `drained in ${drain.ms} ms` : "NOT drained"}`);
  const { ledger } = await rig.ledger();
  const phase = sliceLedger(ledger, t0, t1);
  const reached = phase.pushArrivals.length;
  const sms = accountSms(phase, ledger.texts);
  const assign = accountAssignments(phase);
  const checks = [
    { what: "0 lost", ok: sms.lost.length === 0 },
    { what: "0 double-assigned", ok: doubleAssigned(assign) === 0 },
    { what: "0 corrupted", ok: sms.corrupted.length === 0 },
    { what: "the backlog drained", ok: drain.drained },
  ];
  if (mode === "slow") checks.push({ what: "0 duplicates under a slow Onlinesim", ok: sms.duplicated.length === 0 });
  // Requests while it was out, counted where they can be seen: a refused connection only
  // by the daemon, a hanging one by the network, an answered one by Onlinesim.
  const requests = mode === "down" ? attempts : mode === "hang" ? hung : reached;
  const seenBy = { down: "refused; the daemon's count", hang: `left hanging; the daemon counted ${attempts} timed out by then`, "500": `reached Onlinesim; the daemon counted ${attempts}`, slow: `reached Onlinesim; the daemon counted ${attempts}` }[mode];
  const perMinute = ((60_000 * requests) / (t1 - t0)).toFixed(0);
  return {
    scenario: "outage",
    case: { down: "down (refused)", "500": "HTTP 500", hang: "hang (no answer)", slow: `slow (answers after ${o.slowAnswerMs / 1000} s)` }[mode],
    sms: sms.sent,
    lost: sms.lost.length,
    duplicated: sms.duplicated.length,
    doubleAssigned: doubleAssigned(assign),
    corrupted: sms.corrupted.length,
    detection: null,
    recovery: drain.drained ? timing([drain.ms]) : null,
    checks,
    notes: [
      `${o.outageMs / 1000} s outage: ${requests} PUSH_SMS requests (${perMinute}/min; ${seenBy}); backlog ${backlog} SMS when it came back`,
      `recovery = Onlinesim back → every SMS of the outage accepted${drain.drained ? "" : ` (NOT drained within ${o.drainTimeoutMs / 1000} s)`}; ${deliveryNote(phase)}`,
      ...(sms.corrupted.length ? [corruptedNote(sms)] : []),
    ],
    details: { mode, requests, attempts, reachedOnlinesim: reached, hungConnections: hung, backlog, drainMs: drain.ms, lost: sms.lost.slice(0, 30), duplicated: sms.duplicated.slice(0, 30), corrupted: sms.corrupted.slice(0, 30), overlaps: assign.overlaps },
  };
}
