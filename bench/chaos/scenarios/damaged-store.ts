/**
 * Damaged database files: a store with two open activations, damaged in one way at a time,
 * then `simgate run` on it. Each must be refused at start with one line (what is wrong and
 * what to do), or — where the damage is somewhere the daemon never reads — start with its
 * state intact. Never a silent fresh start: that re-sells numbers still in open activations
 * and hands out activation ids again (issue 12, defect 1).
 */
import { closeSync, cpSync, mkdirSync, openSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createRng, seedFrom, type Rng } from "../../../src/sim/rng.js";
import { timing, type CaseResult } from "../result.js";
import { DaemonExited, Rig, until } from "../rig.js";

export interface DamagedStoreOptions {
  dir: string;
  seed: string;
  log: (line: string) => void;
}

export const DAMAGED_STORE_DEFAULTS: Omit<DamagedStoreOptions, "dir" | "log"> = { seed: "chaos" };

interface Damage {
  name: string;
  apply: (db: string, rng: Rng) => void;
}

const PAGE = 4096;

function overwrite(file: string, at: number, bytes: Buffer): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

const randomBytes = (rng: Rng, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rng.int(0, 255)));

const DAMAGES: Damage[] = [
  { name: "zero bytes", apply: (db) => truncateSync(db, 0) },
  { name: "truncated to its first page", apply: (db) => truncateSync(db, PAGE) },
  { name: "truncated to half", apply: (db) => truncateSync(db, Math.floor(statSync(db).size / 2 / PAGE) * PAGE) },
  { name: "header overwritten with random bytes", apply: (db, rng) => overwrite(db, 0, randomBytes(rng, 100)) },
  {
    name: "256 random bytes flipped after the header page",
    apply: (db, rng) => {
      const size = statSync(db).size;
      for (let i = 0; i < 256; i++) overwrite(db, rng.int(PAGE, size - 1), randomBytes(rng, 1));
    },
  },
  {
    name: "every page after the first overwritten with random bytes",
    apply: (db, rng) => {
      const size = statSync(db).size;
      for (let at = PAGE; at < size; at += PAGE) overwrite(db, at, randomBytes(rng, PAGE));
    },
  },
  {
    name: "another application's SQLite database",
    apply: (db) => {
      rmSync(db);
      const other = new Database(db);
      other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('alice');");
      other.close();
    },
  },
  { name: "a text file", apply: (db) => writeFileSync(db, "this is not a database\n") },
  {
    name: "a directory named simgate.db",
    apply: (db) => {
      rmSync(db);
      mkdirSync(db);
    },
  },
  { name: "garbage WAL file beside an intact store", apply: (db, rng) => writeFileSync(`${db}-wal`, randomBytes(rng, 3 * PAGE)) },
];

interface Outcome {
  damage: string;
  result: "refused" | "refused (several lines)" | "started, state intact" | "started FRESH" | "started, state damaged";
  line: string;
  ms: number;
  doubleAssigned: number;
}

export async function runDamagedStore(o: DamagedStoreOptions): Promise<CaseResult> {
  const rig = await Rig.start({ dir: o.dir, modems: 4, seed: o.seed, services: 5 });
  try {
    // A store with state worth keeping: two open activations.
    await rig.startDaemon();
    await until("numbers for sale", async () => (await rig.offered()) >= 2, 90_000, 500);
    const open: Array<{ activationId: number; number: string }> = [];
    for (let i = 0; i < 2; i++) {
      const r = await order(rig);
      if (!r) throw new Error("damaged store: could not open the activations the store should keep");
      open.push(r);
    }
    await rig.stopDaemon();
    const pristine = join(o.dir, "pristine");
    cpSync(rig.stateDir, pristine, { recursive: true });
    const rng = createRng(seedFrom(`${o.seed}/damage`));
    const outcomes: Outcome[] = [];
    for (const damage of DAMAGES) {
      rmSync(rig.stateDir, { recursive: true, force: true });
      cpSync(pristine, rig.stateDir, { recursive: true });
      damage.apply(join(rig.stateDir, "simgate.db"), rng);
      const outcome = await startOn(rig, damage, open);
      outcomes.push({ ...outcome, line: outcome.line.replaceAll(rig.stateDir, "<state dir>") });
      o.log(`damaged store: ${damage.name} → ${outcomes.at(-1)!.result}`);
    }
    const fresh = outcomes.filter((x) => x.result === "started FRESH" || x.result === "started, state damaged");
    const double = outcomes.reduce((n, x) => n + x.doubleAssigned, 0);
    return {
      scenario: "damaged store",
      case: `${DAMAGES.length} kinds of damage`,
      sms: null,
      lost: null,
      duplicated: null,
      doubleAssigned: double,
      corrupted: null,
      detection: timing(outcomes.filter((x) => x.result.startsWith("refused")).map((x) => x.ms)),
      recovery: null,
      checks: [
        { what: "never a silent fresh start", ok: fresh.length === 0 },
        { what: "refusals in one line", ok: outcomes.every((x) => x.result !== "refused (several lines)") },
        { what: "0 double-assigned", ok: double === 0 },
      ],
      notes: [`detection = start → refusal; ${outcomes.filter((x) => x.result === "refused").length} refused, ${outcomes.filter((x) => x.result === "started, state intact").length} started with their state intact`, ...outcomes.map((x) => `${x.damage}: ${x.result}${x.line ? ` — ${x.line.length > 220 ? `${x.line.slice(0, 220)}…` : x.line}` : ""}`)],
      details: { open, outcomes },
    };
  } finally {
    await rig.close();
  }
}

async function order(rig: Rig): Promise<{ activationId: number; number: string } | undefined> {
  const services = await rig.partner({ action: "GET_SERVICES" });
  const list = (services.json.countryList ?? []) as Array<{ country: string; operatorMap: Record<string, Record<string, number>> }>;
  for (const c of list) {
    if ((c.operatorMap["any"]?.["svc000"] ?? 0) === 0) continue;
    const r = await rig.partner({ action: "GET_NUMBER", country: c.country, operator: "any", service: "svc000", sum: 10 });
    if (r.json.status === "SUCCESS") return { activationId: r.json.activationId, number: String(r.json.number) };
  }
  return undefined;
}

async function startOn(rig: Rig, damage: Damage, open: Array<{ activationId: number; number: string }>): Promise<Outcome> {
  const t0 = Date.now();
  try {
    await rig.startDaemon(60_000);
  } catch (err) {
    if (!(err instanceof DaemonExited)) throw err;
    const lines = err.stderr.split("\n").filter((l) => l.trim() !== "");
    return { damage: damage.name, result: lines.length === 1 ? "refused" : "refused (several lines)", line: lines.join(" | "), ms: Date.now() - t0, doubleAssigned: 0 };
  }
  const ms = Date.now() - t0;
  // It started: does it still know its open activations, and does it keep ids and numbers apart?
  const status = await rig.admin("/api/status");
  const openNow = Number(status.totals?.openActivations ?? status.engine?.openActivations ?? -1);
  await until("numbers for sale", async () => (await rig.offered()) >= 1, 30_000, 500).catch(() => undefined);
  const next = await order(rig).catch(() => undefined);
  const double = next && (next.activationId <= Math.max(...open.map((x) => x.activationId)) || open.some((x) => x.number === next.number)) ? 1 : 0;
  await rig.stopDaemon();
  const result: Outcome["result"] = openNow === open.length && double === 0 ? "started, state intact" : openNow === 0 ? "started FRESH" : "started, state damaged";
  return { damage: damage.name, result, line: `${openNow} open activations after the start${next ? `; next order got id ${next.activationId}` : ""}`, ms, doubleAssigned: double };
}

