/**
 * How long a faulty module stays for sale (issue 12, defect 5; target ≤ 5 s for each
 * fault, with the default settings).
 *
 * The released daemon (bench/released-daemon.ts: `bin/simgate.js run`, compiled, in its
 * own process) on 64 simulated modems over pseudo-terminals, every timing at its default.
 * On TRIALS ready modems per fault, at a random moment (so the fault lands anywhere in
 * the probe cycle), the simulator injects (ROUNDS rounds, so ROUNDS × TRIALS samples a fault):
 *   - hang: no echo, no reply, no URC;
 *   - dropped reply: the next reply is swallowed;
 *   - slow replies: every reply 3 s late (twice the 1.5 s answer threshold);
 *   - garbage: 200 junk bytes a second, also while idle.
 * Detection = the injection → the daemon's log line saying the port left `ready` (the
 * same tick the port map changes and the engine stops offering it). Then the fault is
 * healed and recovery = the heal → the port `ready` again. All trials of all faults run
 * at once on different modems; each wait is bounded.
 *
 * `SIMGATE_BENCH_BIN=/path/to/older/bin/simgate.js` measures another build the same way.
 */
import { randomInt } from "node:crypto";
import type { SimulatedPoolModem } from "../src/sim/pool.js";
import type { BenchResult } from "./result.js";
import { percentile, sleep } from "./daemon-harness.js";
import { SIMGATE_BIN, startReleasedDaemon, type ReleasedDaemon } from "./released-daemon.js";

const MODEMS = 64;
const TRIALS = 12;
/** Rounds of TRIALS per fault, one after the other on the same modems (each healed and back on sale first). */
const ROUNDS = 2;
/** Injections spread over this long, so they land at every phase of the 3 s probe cycle. */
const SPREAD_MS = 6_000;
const DETECT_MAX_MS = 30_000;
const RECOVER_MAX_MS = 60_000;

export const TARGETS = { detectionMs: 5_000 } as const;

interface Fault {
  name: string;
  inject(m: SimulatedPoolModem): void;
  heal(m: SimulatedPoolModem): void;
}

const FAULTS: Fault[] = [
  { name: "hang", inject: (m) => (m.modem.faults.hang = true), heal: (m) => (m.modem.faults.hang = false) },
  { name: "dropped reply", inject: (m) => m.modem.faults.dropNext(1), heal: () => undefined },
  { name: "slow replies (3 s each)", inject: (m) => (m.modem.faults.latencyMs = 3_000), heal: (m) => (m.modem.faults.latencyMs = 0) },
  { name: "garbage (200 B/s)", inject: (m) => (m.modem.faults.noiseBytesPerSecond = 200), heal: (m) => (m.modem.faults.noiseBytesPerSecond = 0) },
];

interface Trial {
  fault: string;
  detectMs: number | null;
  state: string | null;
  recoverMs: number | null;
}

const leftReady = (port: string) => (l: Record<string, unknown>) => l["event"] === "port-state" && l["port"] === port && l["from"] === "ready";
const backReady = (port: string) => (l: Record<string, unknown>) => l["event"] === "port-state" && l["port"] === port && l["to"] === "ready";

async function trial(d: ReleasedDaemon, fault: Fault, m: SimulatedPoolModem): Promise<Trial> {
  await sleep(randomInt(0, SPREAD_MS));
  const left = d.nextLog(leftReady(m.path), DETECT_MAX_MS);
  // Date.now(): the daemon's log lines carry its epoch-ms clock, the same one.
  const t0 = Date.now();
  fault.inject(m);
  const detected = await left.catch(() => null);
  const back = d.nextLog(backReady(m.path), RECOVER_MAX_MS);
  const t1 = Date.now();
  fault.heal(m);
  const recovered = detected ? await back.catch(() => null) : (back.catch(() => undefined), null);
  return {
    fault: fault.name,
    detectMs: detected ? detected.at - t0 : null,
    state: detected ? String(detected.line["to"]) : null,
    recoverMs: recovered ? recovered.at - t1 : null,
  };
}

function rows(trials: Trial[], fault: string): BenchResult[] {
  const mine = trials.filter((t) => t.fault === fault);
  // A trial that never left (or never came back) within its bound counts as the bound, shown as "> bound".
  const sorted = (ms: Array<number | null>, bound: number) => ms.map((v) => v ?? bound + 1).sort((a, b) => a - b);
  const detect = sorted(mine.map((t) => t.detectMs), DETECT_MAX_MS);
  const recover = sorted(mine.filter((t) => t.detectMs !== null).map((t) => t.recoverMs), RECOVER_MAX_MS);
  const s = (v: number, bound: number) => (v > bound ? `> ${bound / 1000} s` : `${(v / 1000).toFixed(2)} s`);
  const summary = (v: number[], bound: number) => `p95 ${s(percentile(v, 95), bound)}, max ${s(v.at(-1) ?? 0, bound)}`;
  const max = detect.at(-1) ?? Number.POSITIVE_INFINITY;
  const states = [...new Set(mine.map((t) => t.state ?? "none"))].join(", ");
  const missed = mine.filter((t) => t.detectMs === null).length;
  return [
    {
      name: `module fault → off sale, ${fault}: p50`,
      value: Math.min(percentile(detect, 50), DETECT_MAX_MS),
      unit: "ms",
      note: `${summary(detect, DETECT_MAX_MS)} over ${mine.length} injections${missed ? ` (${missed} never left within ${DETECT_MAX_MS / 1000} s)` : ""}; state ${states}; target ≤ ${TARGETS.detectionMs / 1000} s (max): ${max <= TARGETS.detectionMs ? "met" : "NOT met"}`,
    },
    {
      name: `module fault healed → back on sale, ${fault}: p50`,
      value: recover.length ? Math.min(percentile(recover, 50), RECOVER_MAX_MS) : 0,
      unit: "ms",
      note: recover.length ? `${summary(recover, RECOVER_MAX_MS)} over ${recover.length}` : "none left the offers",
    },
  ];
}

export async function benchLiveness(): Promise<BenchResult[]> {
  const d = await startReleasedDaemon({ modems: MODEMS, seed: "bench" });
  try {
    const ready = d.ready();
    if (ready.length < FAULTS.length * TRIALS) throw new Error(`bench: only ${ready.length} ready modems for ${FAULTS.length * TRIALS} trials`);
    const trials: Trial[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      trials.push(...(await Promise.all(FAULTS.flatMap((fault, f) => Array.from({ length: TRIALS }, (_, i) => trial(d, fault, ready[f * TRIALS + i]!))))));
    }
    const out = FAULTS.flatMap((f) => rows(trials, f.name));
    if (process.env["SIMGATE_BENCH_BIN"]) for (const r of out) r.note = `${r.note ?? ""}; binary ${SIMGATE_BIN}`;
    return out;
  } finally {
    await d.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchLiveness()) process.stdout.write(`${r.name}: ${r.value.toFixed(0)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
}
