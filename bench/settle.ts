import { sessionDefaults } from "../src/pool/session-defaults.js";
/**
 * Time until every port of a simulated pool has settled (bring-up complete: identity,
 * SIM, ICCID, IMSI, network, own number), over real pseudo-terminals, with a per-command
 * latency spread evenly from 20 to 80 ms across the modems. Compared with the slowest
 * modem settling alone: a ratio near 1 means the ports really run in parallel.
 * Then the pool is left idle to measure CPU (silence probes, status polls) and memory per port.
 */
import { startSimgate } from "../test/helpers/cli.js";
import { openBytePort } from "../src/transport/serial-port.js";
import { startSimulatedPool, type SimulatedPool } from "../src/sim/pool.js";
import { PortMap } from "../src/modem/port-map.js";
import { ModemPool } from "../src/pool/pool.js";
import type { BenchResult } from "./result.js";

const MIN_LATENCY_MS = 20;
const MAX_LATENCY_MS = 80;
/** Five silence-probe cycles (3 s each at the session default): the number includes the probes. */
const IDLE_MEASURE_MS = 15_000;
/** Let the tail of the bring-up (number caching, GC) finish before measuring idle. */
const IDLE_SETTLE_MS = 1_000;

function latencyFor(index: number, count: number): number {
  return count === 1 ? MAX_LATENCY_MS : Math.round(MIN_LATENCY_MS + ((MAX_LATENCY_MS - MIN_LATENCY_MS) * index) / (count - 1));
}

interface SettleRun {
  settleMs: number;
  ready: number;
  sim: SimulatedPool;
  pool: ModemPool;
}

async function settle(count: number, latencyOverride?: number): Promise<SettleRun> {
  const sim = await startSimulatedPool({ count, dialect: "mixed", seed: "bench", attach: "pty" });
  sim.modems.forEach((m, i) => (m.modem.faults.latencyMs = latencyOverride ?? latencyFor(i, count)));
  const map = new PortMap();
  const pool = new ModemPool({
    map,
    openPort: (path) => openBytePort({ path }),
    session: sessionDefaults(),
  });
  const start = performance.now();
  for (const m of sim.modems) pool.addPort(m.path, m.path);
  await pool.waitSettled(120_000);
  const settleMs = performance.now() - start;
  return { settleMs, ready: map.sellable().length, sim, pool };
}

async function stop(run: SettleRun): Promise<void> {
  await run.pool.close();
  await run.sim.close();
}

export async function benchSettle(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const single = await settle(1, MAX_LATENCY_MS);
  await stop(single);
  out.push({ name: `settle time, 1 modem at ${MAX_LATENCY_MS} ms/command (the slowest alone)`, value: single.settleMs, unit: "ms" });

  for (const count of [8, 64, 256]) {
    const rssBefore = process.memoryUsage().rss;
    const run = await settle(count);
    out.push({
      name: `settle time, ${count} modems at ${MIN_LATENCY_MS}-${MAX_LATENCY_MS} ms/command`,
      value: run.settleMs,
      unit: "ms",
      note: `${(run.settleMs / single.settleMs).toFixed(2)}× the slowest modem alone; ${run.ready}/${count} sellable`,
    });
    if (count === 64 || count === 256) {
      const rssAfter = process.memoryUsage().rss;
      out.push({ name: `marginal RSS per modem, ${count} modems (sessions + simulator)`, value: (rssAfter - rssBefore) / count / 2 ** 20, unit: "MiB" });
    }
    await stop(run);
  }
  for (const count of [64, 256]) out.push(...(await idleCpu(count)));
  return out;
}

/**
 * Idle CPU of simgate alone: the simulated modems run in their own `simgate simulate`
 * process (as real modems are not in our process), we bring the pool up over the ptys and
 * then measure our own CPU over 15 s.
 */
async function idleCpu(count: number): Promise<BenchResult[]> {
  const simulator = startSimgate(["simulate", "--modems", String(count), "--dialect", "mixed", "--seed", "bench", "--json"]);
  try {
    const paths = (await simulator.lines(count, 60_000)).map((l) => (JSON.parse(l) as { path: string }).path);
    const map = new PortMap();
    const pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path }),
      session: sessionDefaults(),
    });
    for (const path of paths) pool.addPort(path, path);
    await pool.waitSettled(120_000);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MEASURE_MS));
    const wall = performance.now() - wallStart;
    const cpu = process.cpuUsage(cpuStart);
    await pool.close();
    const pct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
    return [{ name: `idle CPU of simgate's sessions, ${count} modems, 15 s`, value: pct, unit: "% of one core", note: `${(pct / count).toFixed(4)} % per port; simulator in another process` }];
  } finally {
    await simulator.stop();
  }
}
