/**
 * Activation engine benchmarks (issue 5):
 *  - GET_SERVICES count computation at 256 and 2,048 SIMs × 50 services (target < 1 ms at 2,048);
 *  - GET_NUMBER under 200 concurrent orders: throughput and p99 latency from arrival to
 *    answer, with the in-memory persistence and with durable SQLite commits (target p99 < 20 ms).
 *
 * The SQLite variant uses a minimal stand-in implementation of EnginePersistence below
 * (same pragmas as src/store/database.ts: WAL, synchronous=FULL) until the store's own
 * implementation is available; swap it in `sqlitePersistence()`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parseEngineConfig } from "../src/engine/config.js";
import { ActivationEngine } from "../src/engine/engine.js";
import type { PortInput } from "../src/engine/inventory.js";
import { MemoryPersistence } from "../src/engine/memory-persistence.js";
import type {
  ActivationRecord,
  AttachOutcome,
  ClosedActivationRecord,
  CloseActivation,
  CloseOutcome,
  EngineDurableState,
  EnginePersistence,
  NewActivation,
} from "../src/engine/persistence.js";
import { ErrorCode, SimgateError } from "../src/errors.js";
import type { BenchResult } from "./result.js";

const SERVICES = Array.from({ length: 50 }, (_, i) => `service${i}`);
const NETS = ["25001", "25002", "25099", "25020", "26201", "26202", "23415", "310260"];

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
function loadedEngine(sims: number, persistence: EnginePersistence = new MemoryPersistence()): ActivationEngine {
  let now = 1;
  const engine = new ActivationEngine({ persistence, config: parseEngineConfig({ services: SERVICES }), clock: () => now++ });
  engine.updatePorts(ports(sims));
  const countries = ["russia", "germany", "england", "usa"];
  for (let i = 0; i < sims / 5; i++) {
    const r = engine.getNumber({ country: countries[i % 4], operator: "any", service: SERVICES[i % 50], sum: 1 });
    if (r.status === "SUCCESS") engine.finishActivation({ activationId: r.activationId, status: i % 2 ? 3 : 4 });
  }
  for (let i = 0; i < sims / 10; i++) engine.getNumber({ country: countries[i % 4], operator: "any", service: SERVICES[(i * 7) % 50], sum: 1 });
  return engine;
}

function benchCounts(sims: number): BenchResult[] {
  const engine = loadedEngine(sims);
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
    { name: `engine GET_SERVICES counts, ${sims} SIMs, p99`, value: percentile(samples, 99) * 1000, unit: "µs", note },
  ];
}

/**
 * 200 orders arrive at once (each yields to the event loop first, as an HTTP handler does
 * after parsing); latency = arrival → answer, so it includes waiting behind the others.
 * Then every activation is finished (status 4) and the round repeats.
 */
async function benchAssignment(label: string, persistence: EnginePersistence, rounds: number, mode: "group" | "single"): Promise<BenchResult[]> {
  const engine = new ActivationEngine({ persistence, config: parseEngineConfig({ services: SERVICES, cancelLimit: 1_000 }) });
  engine.updatePorts(ports(2048));
  const latencies: number[] = [];
  let orders = 0;
  let busyMs = 0;
  const WARMUP = 2;
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
        const req = { country: "russia", operator: "any", service: SERVICES[i % 50], sum: 1 };
        const r = mode === "group" ? await engine.orderNumber(req) : engine.getNumber(req);
        latencies.push(performance.now() - arrived);
        return r;
      }),
    );
    busyMs += performance.now() - t0;
    for (const r of results) {
      if (r.status !== "SUCCESS") throw new Error(`bench: expected a number, got ${JSON.stringify(r)}`);
      orders++;
    }
    for (const r of results) if (r.status === "SUCCESS") engine.finishActivation({ activationId: r.activationId, status: 4 });
  }
  latencies.sort((a, b) => a - b);
  const note = `${rounds} rounds (after ${WARMUP} warm-up) × 200 concurrent orders, 2048 SIMs, ${mode === "group" ? "group commit (orderNumber)" : "one commit per order (getNumber)"}`;
  return [
    { name: `engine GET_NUMBER ${label}, throughput`, value: orders / (busyMs / 1000), unit: "orders/s", note },
    { name: `engine GET_NUMBER ${label}, p50 latency`, value: percentile(latencies, 50), unit: "ms", note },
    { name: `engine GET_NUMBER ${label}, p99 latency`, value: percentile(latencies, 99), unit: "ms", note },
  ];
}

export async function benchEngine(): Promise<BenchResult[]> {
  const results: BenchResult[] = [...benchCounts(256), ...benchCounts(2048)];
  results.push(...(await benchAssignment("(memory store)", new MemoryPersistence(), 20, "group")));
  const dir = mkdtempSync(join(tmpdir(), "simgate-bench-engine-"));
  try {
    for (const mode of ["group", "single"] as const) {
      const { persistence, close } = sqlitePersistence(join(dir, `engine-${mode}.db`));
      try {
        results.push(...(await benchAssignment(`(SQLite WAL+FULL stand-in, ${mode === "group" ? "group commit" : "commit per order"})`, persistence, 10, mode)));
      } finally {
        close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

/** Minimal durable EnginePersistence for the benchmark (see the file comment). */
function sqlitePersistence(path: string): { persistence: EnginePersistence; close: () => void } {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(`
    CREATE TABLE activations (id INTEGER PRIMARY KEY AUTOINCREMENT, number TEXT NOT NULL, iccid TEXT NOT NULL, port_id TEXT,
      country TEXT NOT NULL, operator TEXT NOT NULL, service TEXT NOT NULL, sum REAL NOT NULL, created_at INTEGER NOT NULL,
      status INTEGER, finish_sum REAL, closed_at INTEGER);
    CREATE UNIQUE INDEX open_number ON activations(number) WHERE closed_at IS NULL;
    CREATE UNIQUE INDEX open_iccid ON activations(iccid) WHERE closed_at IS NULL;
    CREATE TABLE usage (number TEXT NOT NULL, service TEXT NOT NULL, sold INTEGER NOT NULL, cancels INTEGER NOT NULL, excluded INTEGER NOT NULL, PRIMARY KEY (number, service));
    CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, sms_id INTEGER NOT NULL, activation_id INTEGER NOT NULL, created_at INTEGER NOT NULL, UNIQUE (sms_id, activation_id));
  `);
  type Row = { id: number; number: string; iccid: string; port_id: string | null; country: string; operator: string; service: string; sum: number; created_at: number; status: number | null; finish_sum: number | null; closed_at: number | null };
  const toOpen = (r: Row): ActivationRecord => ({ id: r.id, number: r.number, iccid: r.iccid, portId: r.port_id, country: r.country, operator: r.operator, service: r.service, sum: r.sum, createdAt: r.created_at });
  const toClosed = (r: Row): ClosedActivationRecord => ({ ...toOpen(r), status: r.status ?? 0, finishSum: r.finish_sum, closedAt: r.closed_at ?? 0 });
  const insert = db.prepare("INSERT INTO activations (number, iccid, port_id, country, operator, service, sum, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const byId = db.prepare<[number], Row>("SELECT * FROM activations WHERE id = ?");
  const close = db.prepare("UPDATE activations SET status = ?, finish_sum = ?, closed_at = ? WHERE id = ?");
  const upsertUsage = db.prepare("INSERT INTO usage VALUES (?, ?, ?, ?, ?) ON CONFLICT (number, service) DO UPDATE SET sold = excluded.sold, cancels = excluded.cancels, excluded = excluded.excluded");
  const closeTx = db.transaction((c: CloseActivation): CloseOutcome => {
    const row = byId.get(c.id);
    if (!row) return { kind: "unknown" };
    if (row.closed_at !== null) return { kind: "already-closed", activation: toClosed(row) };
    close.run(c.status, c.finishSum, c.closedAt, c.id);
    if (c.usage) upsertUsage.run(c.usage.number, c.usage.service, c.usage.sold ? 1 : 0, c.usage.cancels, c.usage.excluded ? 1 : 0);
    return { kind: "closed", activation: { ...toOpen(row), status: c.status, finishSum: c.finishSum, closedAt: c.closedAt } };
  });
  const createOne = (a: NewActivation): ActivationRecord => {
    try {
      const info = insert.run(a.number, a.iccid, a.portId, a.country, a.operator, a.service, a.sum, a.createdAt);
      return { ...a, id: Number(info.lastInsertRowid) };
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new SimgateError("number busy", ErrorCode.EngineNumberBusy, {}, { cause: err });
      throw err;
    }
  };
  const createMany = db.transaction((inputs: readonly NewActivation[]) => inputs.map(createOne));
  const persistence: EnginePersistence = {
    load(): EngineDurableState {
      const open = db.prepare<[], Row>("SELECT * FROM activations WHERE closed_at IS NULL ORDER BY id").all().map(toOpen);
      const usage = db.prepare<[], { number: string; service: string; sold: number; cancels: number; excluded: number }>("SELECT * FROM usage").all()
        .map((u) => ({ number: u.number, service: u.service, sold: u.sold === 1, cancels: u.cancels, excluded: u.excluded === 1 }));
      const lastUsed = db.prepare<[], { number: string; at: number }>("SELECT number, MAX(created_at) AS at FROM activations GROUP BY number").all();
      return { openActivations: open, usage, lastUsed };
    },
    createActivation: createOne,
    createActivations(inputs: readonly NewActivation[]): ActivationRecord[] {
      return createMany(inputs);
    },
    closeActivation: (c) => closeTx(c),
    findOpenActivationByNumber(number: string) {
      const r = db.prepare<[string], Row>("SELECT * FROM activations WHERE number = ? AND closed_at IS NULL").get(number);
      return r ? toOpen(r) : undefined;
    },
    attachSmsToActivation(): AttachOutcome {
      return { kind: "not-open" };
    },
  };
  return { persistence, close: () => db.close() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchEngine()) process.stdout.write(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
}
