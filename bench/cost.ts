/**
 * What the daemon costs as released (issue 13, "Cost, measured as released"): the compiled `bin/simgate.js run` in its
 * own process (bench/released-daemon.ts), measured from /proc, with the simulated modems
 * and their pty host in other processes (as hardware is).
 *
 * - Memory: RSS and PSS (/proc/<pid>/smaps_rollup) of a daemon settled on 8, 64 and 256
 *   modems, each a fresh process (with the unit's NODE_OPTIONS, as systemd runs it); the
 *   marginal cost per modem from the differences.
 *   Targets: ≤ 0.3 MB per modem, ≤ 90 MB PSS at 64.
 * - Idle CPU: utime + stime (/proc/<pid>/stat) of the settled daemon on 64 modems over
 *   60 s, next to the AT commands the modems received meanwhile. Target ≤ 1 % of a core.
 * - CPU per received SMS, from the modem to PUSH_SMS accepted: every sellable number is
 *   ordered (GET_NUMBER over HTTP) and the fake Onlinesim told of the operation; then
 *   SMS_COUNT SMS arrive, SMS_PER_SECOND a second across the ordered modems, until the
 *   fake has accepted every PUSH_SMS. The daemon's CPU over that window, minus its idle
 *   rate over the same time, divided by the SMS. Target ≤ 5 ms.
 *
 * `SIMGATE_BENCH_PROFILE=DIR` also runs the SMS part under `node --cpu-prof` and prints
 * where the time went (self time by area and by function) to stderr.
 */
import { mkdirSync, rmSync } from "node:fs";
import type { BenchResult } from "./result.js";
import { sleep, waitFor } from "./daemon-harness.js";
import { readProfile, summariseProfile, type ProfileSummary } from "./cpu-profile.js";
import { RELEASE_KEY, startReleasedDaemon, type ProcessMemory, type ReleasedDaemon } from "./released-daemon.js";

const MEMORY_SIZES = [8, 64, 256] as const;
const IDLE_MODEMS = 64;
const IDLE_MS = 60_000;
/** After the pool settled: numbers learned by USSD, first SMS sweeps, GC. */
const QUIET_MS = 5_000;
const SMS_COUNT = 300;
const SMS_PER_SECOND = 15;
const SMS_DRAIN_MS = 30_000;

export const TARGETS = { perModemMb: 0.3, pssAt64Mb: 90, idlePercent: 1, smsCpuMs: 5 } as const;

const MB = 1e6;
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

interface MemoryPoint extends ProcessMemory {
  modems: number;
  ready: number;
}

async function memoryAt(modems: number): Promise<MemoryPoint> {
  const d = await startReleasedDaemon({ modems, seed: "bench", startTimeoutMs: 180_000 });
  try {
    await sleep(QUIET_MS);
    return { modems, ready: d.ready().length, ...d.memory() };
  } finally {
    await d.close();
  }
}

function memoryRows(points: MemoryPoint[]): BenchResult[] {
  const at = (n: number) => points.find((p) => p.modems === n)!;
  const small = at(8);
  const out: BenchResult[] = points.map((p) => ({
    name: `daemon PSS as released, ${p.modems} modems settled`,
    value: p.pss / MB,
    unit: "MB",
    note: `RSS ${(p.rss / MB).toFixed(1)} MB, private (USS) ${(p.uss / MB).toFixed(1)} MB; ${p.ready}/${p.modems} sellable${p.modems === 64 ? `; target PSS ≤ ${TARGETS.pssAt64Mb} MB: ${verdict(p.pss / MB <= TARGETS.pssAt64Mb)}` : ""}`,
  }));
  for (const n of [64, 256]) {
    const big = at(n);
    const perModem = (big.pss - small.pss) / (n - 8) / MB;
    out.push({
      name: `daemon marginal PSS per modem, 8 → ${n} modems`,
      value: perModem,
      unit: "MB",
      note: `RSS ${((big.rss - small.rss) / (n - 8) / MB).toFixed(3)}, USS ${((big.uss - small.uss) / (n - 8) / MB).toFixed(3)} MB per modem; target ≤ ${TARGETS.perModemMb} MB: ${verdict(perModem <= TARGETS.perModemMb)}`,
    });
  }
  return out;
}

/** Commands the simulated modems received while `run` ran. */
async function countingCommands<T>(d: ReleasedDaemon, run: () => Promise<T>): Promise<{ result: T; commands: number }> {
  let commands = 0;
  const count = () => commands++;
  for (const m of d.sim.modems) m.modem.activity.on("command", count);
  try {
    return { result: await run(), commands };
  } finally {
    for (const m of d.sim.modems) m.modem.activity.off("command", count);
  }
}

interface Ordered {
  path: string;
  number: string;
}

/** One open activation per sellable number: GET_SERVICES, then GET_NUMBER per country until none is left. */
async function orderEverything(d: ReleasedDaemon): Promise<Ordered[]> {
  const post = async (body: Record<string, unknown>): Promise<any> =>
    (await fetch(d.partnerUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, key: RELEASE_KEY }) })).json();
  const services = (await post({ action: "GET_SERVICES" })) as { countryList: Array<{ country: string; operatorMap: Record<string, Record<string, number>> }> };
  const byNumber = new Map(d.sim.modems.map((m) => [m.profile.sim.subscriberNumber.replace(/^\+/, ""), m.path]));
  const out: Ordered[] = [];
  for (const { country, operatorMap } of services.countryList) {
    const service = Object.keys(operatorMap["any"] ?? {})[0];
    if (!service) continue;
    for (let i = 0; i < d.sim.modems.length; i++) {
      const r = (await post({ action: "GET_NUMBER", country, operator: "any", service, sum: 1 })) as { status: string; number?: number; activationId?: number };
      if (r.status !== "SUCCESS") break;
      const path = byNumber.get(String(r.number));
      if (!path) throw new Error(`bench: sold number ${r.number} is on no simulated modem`);
      d.fake.openOperation({ activationId: r.activationId!, number: String(r.number) });
      out.push({ path, number: String(r.number) });
    }
  }
  return out;
}

interface SmsRun {
  sms: number;
  ordered: number;
  windowMs: number;
  cpuMs: number;
  idleCpuMs: number;
  /** When the SMS window started and ended, ms after the daemon was spawned (for the profile). */
  fromMs: number;
  toMs: number;
  /** The daemon's memory at the end of the window: V8's young generation grows under load. */
  memoryAfter: ProcessMemory;
}

async function smsCost(d: ReleasedDaemon, idleRate: number): Promise<SmsRun> {
  const ordered = await orderEverything(d);
  if (ordered.length === 0) throw new Error("bench: nothing could be ordered");
  const byPath = new Map(d.sim.modems.map((m) => [m.path, m.modem]));
  const accepted = () => d.fake.stats().pushSms;
  // Warm-up: one SMS per ordered modem, not measured (first-use costs: prepared statements, JIT).
  const warmTarget = accepted() + ordered.length;
  for (const o of ordered) byPath.get(o.path)!.injectSms({ sender: "Telegram", text: `Your code 000000 (warm-up ${o.number})` });
  await waitFor("the warm-up PUSH_SMS", () => (accepted() >= warmTarget ? true : undefined), SMS_DRAIN_MS, 50);
  await sleep(1_000);

  const before = accepted();
  const cpu0 = d.cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < SMS_COUNT; i++) {
    const o = ordered[i % ordered.length]!;
    byPath.get(o.path)!.injectSms({ sender: "Telegram", text: `Your code ${String(100_000 + i)} (bench ${i})` });
    await sleep(1_000 / SMS_PER_SECOND);
  }
  await waitFor("every measured PUSH_SMS accepted", () => (accepted() >= before + SMS_COUNT ? true : undefined), SMS_DRAIN_MS, 20);
  const t1 = performance.now();
  const cpuMs = d.cpuMs() - cpu0;
  const windowMs = t1 - t0;
  return { sms: SMS_COUNT, ordered: ordered.length, windowMs, cpuMs, idleCpuMs: idleRate * windowMs, fromMs: t0 - d.spawnedAt, toMs: t1 - d.spawnedAt, memoryAfter: d.memory() };
}

function describeProfile(s: ProfileSummary, sms: number): string {
  const perSms = (ms: number) => `${(ms / sms).toFixed(2)} ms/SMS`;
  const areas = s.areas.slice(0, 12).map(([a, ms]) => `  ${a.padEnd(28)} ${perSms(ms).padStart(14)} ${((100 * ms) / s.busyMs).toFixed(1).padStart(5)} %`);
  const fns = s.functions.slice(0, 20).map(([f, ms]) => `  ${perSms(ms).padStart(14)}  ${f}`);
  return [`profile of the SMS window: ${s.busyMs.toFixed(0)} ms busy, ${perSms(s.busyMs)} (sampling adds overhead)`, "self time by area:", ...areas, "self time by function:", ...fns].join("\n");
}

/** The SMS run under `node --cpu-prof`, in a daemon of its own (the profile is written at its exit); the summary goes to stderr. */
async function profiledSmsCost(dir: string): Promise<SmsRun> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const d = await startReleasedDaemon({ modems: IDLE_MODEMS, seed: "bench", nodeArgs: ["--cpu-prof", "--cpu-prof-dir", dir] });
  let run: SmsRun;
  try {
    await sleep(QUIET_MS);
    const cpu0 = d.cpuMs();
    const t0 = performance.now();
    await sleep(10_000);
    run = await smsCost(d, (d.cpuMs() - cpu0) / (performance.now() - t0));
  } finally {
    await d.close();
  }
  process.stderr.write(`${describeProfile(summariseProfile(readProfile(dir), run.fromMs, run.toMs), run.sms)}\n`);
  return run;
}

/** `parts`: "memory" and/or "cpu" (idle and per SMS); both by default. */
export async function benchCost(parts: readonly string[] = ["memory", "cpu"]): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  if (parts.includes("memory")) {
    const points: MemoryPoint[] = [];
    for (const n of MEMORY_SIZES) points.push(await memoryAt(n));
    out.push(...memoryRows(points));
  }
  if (!parts.includes("cpu")) return out;

  const profileDir = process.env["SIMGATE_BENCH_PROFILE"];
  const d = await startReleasedDaemon({ modems: IDLE_MODEMS, seed: "bench" });
  let run: SmsRun | undefined;
  try {
    await sleep(QUIET_MS);
    const cpu0 = d.cpuMs();
    const t0 = performance.now();
    const { commands } = await countingCommands(d, () => sleep(IDLE_MS));
    const idleMs = performance.now() - t0;
    const idleCpu = d.cpuMs() - cpu0;
    const pct = (100 * idleCpu) / idleMs;
    out.push({
      name: `daemon idle CPU as released, ${IDLE_MODEMS} modems, ${IDLE_MS / 1000} s`,
      value: pct,
      unit: "% of one core",
      note: `${idleCpu} ms CPU (utime+stime, 10 ms ticks) over ${(idleMs / 1000).toFixed(1)} s; ${(commands / (idleMs / 1000)).toFixed(1)} AT commands/s across the pool (silence probes, status polls, SMS sweeps); ${d.ready().length} sellable; target ≤ ${TARGETS.idlePercent} %: ${verdict(pct <= TARGETS.idlePercent)}`,
    });
    if (!profileDir) run = await smsCost(d, idleCpu / idleMs);
  } finally {
    await d.close();
  }
  run ??= await profiledSmsCost(profileDir!);
  const perSms = (run.cpuMs - run.idleCpuMs) / run.sms;
  out.push({
    name: "daemon CPU per received SMS as released (modem → PUSH_SMS accepted)",
    value: perSms,
    unit: "ms",
    note: `${run.sms} SMS at ${SMS_PER_SECOND}/s over ${run.ordered} ordered modems in ${(run.windowMs / 1000).toFixed(1)} s: ${run.cpuMs} ms CPU minus ${run.idleCpuMs.toFixed(0)} ms idle rate${profileDir ? " (under --cpu-prof: inflated)" : ""}; RSS ${(run.memoryAfter.rss / MB).toFixed(1)} MB, USS ${(run.memoryAfter.uss / MB).toFixed(1)} MB right after; target ≤ ${TARGETS.smsCpuMs} ms: ${verdict(perSms <= TARGETS.smsCpuMs)}`,
  });
  return out;
}

// `node --import tsx bench/cost.ts [memory|cpu]`: one part alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchCost(process.argv.length > 2 ? process.argv.slice(2) : undefined)) process.stdout.write(`${r.name}: ${r.value.toFixed(3)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
}
