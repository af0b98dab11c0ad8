/**
 * The v1 partner endpoint over real HTTP (issue 6): GET_SERVICES and GET_NUMBER latency
 * (p50/p99) and throughput at 256 ready SIMs, with autocannon as the load generator.
 *
 * The server (bench/partner-worker.ts) runs in a worker thread: buildPartnerServer over a
 * real OnlinesimEngine (the sales core) on the real SQLite store, GET_NUMBER through orderNumber (group
 * commit), info logging to /dev/null — the daemon's request path without the modems.
 * autocannon runs on this thread; every latency is one request's write → full answer as
 * autocannon's client saw it (its own histogram has 1 ms resolution, so the samples are
 * taken from its per-response events and the percentiles computed here).
 *
 * GET_NUMBER never measures an empty pool: each round orders ORDERS_PER_ROUND numbers (fewer
 * than the SIMs, services cycled), checks every answer was SUCCESS with a distinct number,
 * then cancels them all with FINISH_ACTIVATION (status 4, also measured) before the next
 * round. NO_NUMBERS/ERROR answers are counted and reported on their own row.
 *
 * Closed loop: N connections, each sending its next request when the previous answer is
 * in, so "N connections" means N requests in flight at once. Onlinesim itself polls
 * GET_SERVICES every 2 minutes and orders one number at a time; these loads are far above
 * that, the 1-connection rows are the latency of a request alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import autocannon from "autocannon";
import { durableCommitBaseline, type CommitBaseline } from "./fsync-baseline.js";
import type { BenchResult } from "./result.js";
import type { PartnerWorkerData } from "./partner-worker.js";

const SIMS = 256;
const SERVICES = ["telegram", "whatsapp", "google", "facebook", "vk"];
const KEY = "bench-partner-key-0123456789";
/** Per concurrency level. */
const GET_SERVICES_MS = 3_000;
const GET_NUMBER_MS = 3_000;
const FLOOR_MS = 2_000;
const FSYNC_MS = 1_000;
const MAX_ROUNDS = 40;
/** Below the 256 SIMs, so the last order of a round still finds free SIMs. */
const ORDERS_PER_ROUND = 200;
const CONNECTIONS = [1, 16] as const;
const HEADERS = { "content-type": "application/json; charset=utf-8" };

export const TARGETS = { getServicesP99Ms: 2, getNumberP99Ms: 20 } as const;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Run {
  /** Latency (ms) of every answer, by outcome (SUCCESS, NO_NUMBERS, HTTP_500, …). */
  latencies: Map<string, number[]>;
  /** First request written → last answer in. */
  elapsedMs: number;
  errors: number;
  timeouts: number;
}

/**
 * One autocannon run; `classify` turns each answer body into an outcome (and may collect
 * from it). Bounded by `amount` or by `durationMs`.
 */
async function cannon(
  url: string,
  opts: { connections: number; amount?: number; durationMs?: number; body: () => string; classify: (status: number, body: string) => string },
): Promise<Run> {
  const latencies = new Map<string, number[]>();
  let last = "";
  let first = 0;
  let end = 0;
  const instance = autocannon({
    url,
    connections: opts.connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: (opts.durationMs ?? 1_000) / 1000 }),
    timeout: 10,
    // How often autocannon looks at its stop flag (default 1 s would pad every round).
    sampleInt: 10,
    requests: [
      {
        method: "POST",
        path: "/",
        headers: HEADERS,
        setupRequest: (req) => ({ ...req, body: opts.body() }),
        onResponse: (status, body) => {
          last = opts.classify(status, body);
        },
      },
    ],
  } as autocannon.Options) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on("start", () => (first = performance.now()));
  // Emitted right after onResponse for the same answer (same client, same turn).
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
    end = performance.now();
    let list = latencies.get(last);
    if (!list) latencies.set(last, (list = []));
    list.push(ms);
  });
  const result = await instance;
  return { latencies, elapsedMs: end - first, errors: result.errors, timeouts: result.timeouts };
}

const statusOf = (status: number, body: string): string => {
  if (status !== 200) return `HTTP_${status}`;
  try {
    return String((JSON.parse(body) as { status?: unknown }).status ?? "NO_STATUS");
  } catch {
    return "NOT_JSON";
  }
};

interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  perSecond: number;
}

function summarise(samples: number[], elapsedMs: number): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN, perSecond: sorted.length / (elapsedMs / 1000) };
}

function others(latencies: Map<string, number[]>, expected: string): string {
  const rest = [...latencies].filter(([k]) => k !== expected).map(([k, v]) => `${v.length} ${k}`);
  return rest.length ? rest.join(", ") : "none";
}

/** The bare node:http server of the worker, same connections and duration: what loopback HTTP costs on this machine now. */
async function floorRun(floorUrl: string, connections: number, durationMs: number): Promise<Summary> {
  const body = JSON.stringify({ action: "GET_SERVICES", key: KEY });
  const run = await cannon(floorUrl, { connections, durationMs, body: () => body, classify: statusOf });
  return summarise(run.latencies.get("SUCCESS") ?? [], run.elapsedMs);
}

const conns = (n: number): string => `${n} connection${n > 1 ? "s" : ""}`;

async function benchGetServices(url: string, floorUrl: string, connections: number): Promise<BenchResult[]> {
  const floor = await floorRun(floorUrl, connections, FLOOR_MS);
  const body = JSON.stringify({ action: "GET_SERVICES", key: KEY });
  const run = await cannon(url, { connections, durationMs: GET_SERVICES_MS, body: () => body, classify: statusOf });
  const ok = summarise(run.latencies.get("SUCCESS") ?? [], run.elapsedMs);
  const name = `HTTP GET_SERVICES, ${SIMS} SIMs × ${SERVICES.length} services, ${conns(connections)}`;
  const met = ok.p99 < TARGETS.getServicesP99Ms ? "met" : "NOT met";
  const note = `${ok.count} answers in ${(run.elapsedMs / 1000).toFixed(1)} s, max ${ok.max.toFixed(2)} ms; other answers: ${others(run.latencies, "SUCCESS")}; errors ${run.errors + run.timeouts}`;
  return [
    {
      name: `bare node:http floor, ${conns(connections)}, p50 / p99`,
      value: floor.p50,
      unit: "ms",
      note: `p99 ${floor.p99.toFixed(2)} ms, ${Math.round(floor.perSecond)} req/s: same machine, same threads, no framework, no work`,
    },
    { name: `${name}, p50`, value: ok.p50, unit: "ms", note },
    { name: `${name}, p95`, value: ok.p95, unit: "ms", note },
    { name: `${name}, max`, value: ok.max, unit: "ms", note },
    {
      name: `${name}, p99`,
      value: ok.p99,
      unit: "ms",
      note: `target < ${TARGETS.getServicesP99Ms} ms: ${met}; ${(ok.p99 / floor.p99).toFixed(1)}× the floor's p99${saturation(connections, ok.perSecond)}`,
    },
    { name: `${name}, throughput`, value: ok.perSecond, unit: "req/s", note: `${(ok.perSecond / floor.perSecond).toFixed(2)}× the floor's req/s` },
  ];
}

/** For a closed loop of N connections: the mean wait in the server's queue (Little's law) when it is saturated. */
function saturation(connections: number, perSecond: number): string {
  return connections > 1 ? `; saturated: ${connections} in flight ÷ ${Math.round(perSecond)}/s = ${((connections / perSecond) * 1000).toFixed(1)} ms mean (Little's law)` : "";
}

interface OrderRounds {
  orders: number[];
  finishes: number[];
  orderMs: number;
  finishMs: number;
  rounds: number;
  /** Answers to GET_NUMBER other than SUCCESS (NO_NUMBERS, ERROR, HTTP errors). */
  notSold: Map<string, number>;
  finishOther: Map<string, number>;
}

/** Rounds of ORDERS_PER_ROUND GET_NUMBER, each followed by FINISH_ACTIVATION (status 4) of every order. */
async function orderRounds(url: string, connections: number, budgetMs: number, maxRounds: number): Promise<OrderRounds> {
  const out: OrderRounds = { orders: [], finishes: [], orderMs: 0, finishMs: 0, rounds: 0, notSold: new Map(), finishOther: new Map() };
  const start = performance.now();
  let seq = 0;
  while (out.rounds < maxRounds && performance.now() - start < budgetMs) {
    const ids: number[] = [];
    const numbers = new Set<number>();
    const order = await cannon(url, {
      connections,
      amount: ORDERS_PER_ROUND,
      body: () => JSON.stringify({ action: "GET_NUMBER", key: KEY, country: "russia", operator: "any", service: SERVICES[seq++ % SERVICES.length], sum: 5 }),
      classify: (status, body) => {
        const outcome = statusOf(status, body);
        if (outcome === "SUCCESS") {
          const answer = JSON.parse(body) as { number: number; activationId: number };
          ids.push(answer.activationId);
          if (numbers.has(answer.number)) return "DUPLICATE_NUMBER";
          numbers.add(answer.number);
        }
        return outcome;
      },
    });
    out.orders.push(...(order.latencies.get("SUCCESS") ?? []));
    out.orderMs += order.elapsedMs;
    for (const [k, v] of order.latencies) if (k !== "SUCCESS") out.notSold.set(k, (out.notSold.get(k) ?? 0) + v.length);
    if (ids.length > 0) {
      let j = 0;
      const finish = await cannon(url, {
        connections: Math.min(connections, ids.length),
        amount: ids.length,
        body: () => JSON.stringify({ action: "FINISH_ACTIVATION", key: KEY, activationId: ids[j++ % ids.length], status: 4 }),
        classify: statusOf,
      });
      out.finishes.push(...(finish.latencies.get("SUCCESS") ?? []));
      out.finishMs += finish.elapsedMs;
      for (const [k, v] of finish.latencies) if (k !== "SUCCESS") out.finishOther.set(k, (out.finishOther.get(k) ?? 0) + v.length);
    }
    out.rounds++;
  }
  return out;
}

async function benchGetNumber(url: string, connections: number, fsync: CommitBaseline): Promise<BenchResult[]> {
  const r = await orderRounds(url, connections, GET_NUMBER_MS, MAX_ROUNDS);
  const sold = summarise(r.orders, r.orderMs);
  const fin = summarise(r.finishes, r.finishMs);
  const name = `HTTP GET_NUMBER, ${SIMS} SIMs, ${conns(connections)}`;
  const met = sold.p99 < TARGETS.getNumberP99Ms ? "met" : "NOT met";
  const notSold = [...r.notSold].map(([k, v]) => `${v} ${k}`).join(", ") || "none";
  const note = `${sold.count} numbers sold in ${r.rounds} rounds of ${ORDERS_PER_ROUND} (pool never below ${SIMS - ORDERS_PER_ROUND} free), max ${sold.max.toFixed(2)} ms`;
  return [
    { name: `${name}, p50 (SUCCESS answers)`, value: sold.p50, unit: "ms", note },
    { name: `${name}, p95 (SUCCESS answers)`, value: sold.p95, unit: "ms", note },
    { name: `${name}, max (SUCCESS answers)`, value: sold.max, unit: "ms", note },
    {
      name: `${name}, p99 (SUCCESS answers)`,
      value: sold.p99,
      unit: "ms",
      note: `target < ${TARGETS.getNumberP99Ms} ms: ${met}; p50 ${(sold.p50 / fsync.p50).toFixed(1)}× and p99 ${(sold.p99 / fsync.p99).toFixed(1)}× one durable commit alone${saturation(connections, sold.perSecond)}`,
    },
    { name: `${name}, throughput (SUCCESS answers)`, value: sold.perSecond, unit: "orders/s", note: "each SUCCESS committed to SQLite (group commit) before the answer" },
    { name: `${name}, answers other than SUCCESS`, value: [...r.notSold.values()].reduce((a, b) => a + b, 0), unit: "answers", note: notSold },
    {
      name: `HTTP FINISH_ACTIVATION (status 4), ${conns(connections)}, p50 / p99`,
      value: fin.p50,
      unit: "ms",
      note: `p99 ${fin.p99.toFixed(2)} ms, ${fin.perSecond.toFixed(0)} req/s over ${fin.count}; other answers: ${[...r.finishOther].map(([k, v]) => `${v} ${k}`).join(", ") || "none"}`,
    },
  ];
}

function startServer(data: PartnerWorkerData): Promise<{ url: string; floorUrl: string; close: () => Promise<unknown> }> {
  // tsx's loader is not inherited by a worker whose entry is a .ts file on node 20: register it first.
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./partner-worker.ts", import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, { eval: true, workerData: data });
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (msg: { url: string; floorUrl: string }) =>
      resolve({
        url: msg.url,
        floorUrl: msg.floorUrl,
        close: () =>
          new Promise((done) => {
            const timer = setTimeout(() => void worker.terminate().then(done), 5_000);
            worker.once("message", (m) => {
              clearTimeout(timer);
              void worker.terminate().then(() => done(m));
            });
            worker.postMessage("close");
          }),
      }),
    );
  });
}

export async function benchHttp(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "simgate-bench-http-"));
  const server = await startServer({ stateDir: dir, sims: SIMS, services: SERVICES, key: KEY });
  const out: BenchResult[] = [];
  try {
    // Warm-up (JIT, SQLite pages, sockets): not recorded.
    await cannon(server.url, { connections: 4, durationMs: 1_000, body: () => JSON.stringify({ action: "GET_SERVICES", key: KEY }), classify: statusOf });
    await orderRounds(server.url, 4, 1_000, 3);
    for (const c of CONNECTIONS) out.push(...(await benchGetServices(server.url, server.floorUrl, c)));
    const fsync = durableCommitBaseline(dir, FSYNC_MS);
    out.push({
      name: "SQLite durable commit alone (WAL, synchronous=FULL), same disk, p50 / p99",
      value: fsync.p50,
      unit: "ms",
      note: `p99 ${fsync.p99.toFixed(2)} ms over ${fsync.count} commits: the disk's fsync now, the floor under GET_NUMBER and FINISH`,
    });
    for (const c of CONNECTIONS) out.push(...(await benchGetNumber(server.url, c, fsync)));
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchHttp()) process.stdout.write(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
}
