/**
 * Activation engine benchmarks (issue 5):
 *  - GET_SERVICES count computation at 256 and 2,048 SIMs × 50 services (target < 1 ms at 2,048);
 *  - GET_NUMBER under 200 concurrent orders: throughput and p99 latency from arrival to
 *    answer, with the in-memory persistence and with durable SQLite commits (target p99 < 20 ms).
 *
 * The durable variant runs on the real store (src/store: SQLite WAL, synchronous=FULL,
 * one fsync per commit) in a temp directory, with group commit (every order is claimed
 * through the sales ledger: one transaction per event-loop turn's orders).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEngineConfig } from "../src/config/engine-schema.js";
import { OnlinesimEngine } from "../src/markets/onlinesim/engine.js";
import type { PortInput } from "../src/sales/inventory.js";
import { MemoryLedger } from "../src/sales/memory-ledger.js";
import { openStore, type Store } from "../src/store/index.js";
import type { BenchResult } from "./result.js";

const SERVICES = Array.from({ length: 50 }, (_, i) => `service${i}`);
const NETS = ["25001", "25002", "25099", "25020", "26201", "26202", "23415", "310260"];

/** The calls the bench makes; the engine the daemon runs fits. */
interface BenchEngine {
  updatePorts(ports: readonly PortInput[]): void;
  getServices(): { countryList: unknown[] };
  orderNumber(req: { country: string; operator: string; service: string; sum: number }): Promise<{ status: "SUCCESS"; activationId: number } | { status: string }>;
  finishActivation(req: { activationId: number; status: number }): unknown;
  stats(): { openActivations: number };
}

/** The engine the daemon runs (sales core + Onlinesim adapter) on the in-memory ledger, or on the SQLite store's. */
function openEngine(store: Store | undefined, config: { services: string[]; cancelLimit?: number }, clock?: () => number): Promise<BenchEngine> {
  return OnlinesimEngine.open({ ledger: store ? store.sales : new MemoryLedger(), config: parseEngineConfig(config), ...(clock ? { clock } : {}) });
}

function ports(count: number): PortInput[] {
  return Array.from({ length: count }, (_, i) => {
    const net = NETS[i % NETS.length]!;
    return { id: `p${i}`, state: "ready", present: true, iccid: `89${String(i).padStart(17, "0")}`, number: `+7900${String(i).padStart(7, "0")}`, mcc: net.slice(0, 3), mnc: net.slice(3) };
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** An engine with `sims` SIMs, ~10% of them in open activations and ~20% with sold/cancelled history. */
async function loadedEngine(sims: number): Promise<BenchEngine> {
  let now = 1;
  const engine = await openEngine(undefined, { services: SERVICES }, () => now++);
  engine.updatePorts(ports(sims));
  const countries = ["russia", "germany", "england", "usa"];
  for (let i = 0; i < sims / 5; i++) {
    const r = await engine.orderNumber({ country: countries[i % 4]!, operator: "any", service: SERVICES[i % 50]!, sum: 1 });
    if (r.status === "SUCCESS" && "activationId" in r) await engine.finishActivation({ activationId: r.activationId, status: i % 2 ? 3 : 4 });
  }
  for (let i = 0; i < sims / 10; i++) await engine.orderNumber({ country: countries[i % 4]!, operator: "any", service: SERVICES[(i * 7) % 50]!, sum: 1 });
  return engine;
}

async function benchCounts(sims: number): Promise<BenchResult[]> {
  const engine = await loadedEngine(sims);
  for (let i = 0; i < 200; i++) engine.getServices();
  const samples: number[] = [];
  const deadline = performance.now() + 700;
  while (performance.now() < deadline && samples.length < 20_000) {
    const t0 = performance.now();
    engine.getServices();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const note = `${samples.length} runs, 50 services, ${engine.stats().openActivations} open activations`;
  return [
    { name: `engine GET_SERVICES counts, ${sims} SIMs, median`, value: percentile(samples, 50) * 1000, unit: "µs", note },
    { name: `engine GET_SERVICES counts, ${sims} SIMs, p95`, value: percentile(samples, 95) * 1000, unit: "µs", note },
    { name: `engine GET_SERVICES counts, ${sims} SIMs, p99`, value: percentile(samples, 99) * 1000, unit: "µs", note },
    { name: `engine GET_SERVICES counts, ${sims} SIMs, max`, value: samples.at(-1)! * 1000, unit: "µs", note },
  ];
}

/**
 * 200 orders arrive at once (each yields to the event loop first, as an HTTP handler does
 * after parsing); latency = arrival → answer, so it includes waiting behind the others.
 * Then every activation is finished (status 4) and the round repeats.
 */
async function benchAssignment(label: string, store: Store | undefined, rounds: number): Promise<BenchResult[]> {
  const engine = await openEngine(store, { services: SERVICES, cancelLimit: 1_000 });
  engine.updatePorts(ports(2048));
  const latencies: number[] = [];
  let orders = 0;
  let busyMs = 0;
  const WARMUP = 5;
  for (let round = -WARMUP; round < rounds; round++) {
    if (round === 0) {
      latencies.length = 0;
      orders = 0;
      busyMs = 0;
    }
    const t0 = performance.now();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const arrived = performance.now();
        await new Promise((r) => setImmediate(r));
        const r = await engine.orderNumber({ country: "russia", operator: "any", service: SERVICES[i % 50]!, sum: 1 });
        latencies.push(performance.now() - arrived);
        return r;
      }),
    );
    busyMs += performance.now() - t0;
    for (const r of results) {
      if (r.status !== "SUCCESS" || !("activationId" in r)) throw new Error(`bench: expected a number, got ${JSON.stringify(r)}`);
      orders++;
    }
    for (const r of results) if ("activationId" in r) await engine.finishActivation({ activationId: r.activationId, status: 4 });
  }
  latencies.sort((a, b) => a - b);
  const note = `${rounds} rounds (after ${WARMUP} warm-up) × 200 concurrent orders, 2048 SIMs, group commit (orderNumber)`;
  return [
    { name: `engine GET_NUMBER ${label}, throughput`, value: orders / (busyMs / 1000), unit: "orders/s", note },
    { name: `engine GET_NUMBER ${label}, p50 latency`, value: percentile(latencies, 50), unit: "ms", note },
    { name: `engine GET_NUMBER ${label}, p95 latency`, value: percentile(latencies, 95), unit: "ms", note },
    { name: `engine GET_NUMBER ${label}, p99 latency`, value: percentile(latencies, 99), unit: "ms", note },
    { name: `engine GET_NUMBER ${label}, max latency`, value: latencies.at(-1)!, unit: "ms", note },
  ];
}

export async function benchEngine(): Promise<BenchResult[]> {
  const results: BenchResult[] = [...(await benchCounts(256)), ...(await benchCounts(2048))];
  results.push(...(await benchAssignment("(memory store)", undefined, 20)));
  const dir = mkdtempSync(join(tmpdir(), "simgate-bench-engine-"));
  try {
    const store = openStore({ stateDir: join(dir, "group") });
    try {
      results.push(...(await benchAssignment("(SQLite store, group commit)", store, 10)));
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchEngine()) process.stdout.write(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
}
