/**
 * Order storm: `concurrency` buyers at once hammer the partner endpoint with GET_NUMBER,
 * FINISH_ACTIVATION (some of them sent twice at the same moment, as Onlinesim re-sends)
 * and GET_SERVICES, up to `requests` requests or `maxMs`, whichever comes first. Every
 * answer must be HTTP 200 in the protocol's shape (src/onlinesim/schemas.ts); no number may
 * be given out while a buyer still holds it, no activation id twice (checked on the
 * buyers' books and on the daemon's store afterwards).
 */
import { createRng, seedFrom } from "../../../src/sim/rng.js";
import { check, FinishActivationResponse, GetNumberResponse, GetServicesResponse } from "../../../src/onlinesim/schemas.js";
import { accountAssignments, doubleAssigned, type FinishRecord, type Ledger, type OrderRecord } from "../ledger.js";
import { timing, type CaseResult } from "../result.js";
import { CHAOS_KEY, Rig, serviceNames, until } from "../rig.js";
import { auditStore } from "../store-audit.js";

export interface StormOptions {
  dir: string;
  modems: number;
  services: number;
  seed: string;
  concurrency: number;
  requests: number;
  maxMs: number;
  log: (line: string) => void;
}

export const STORM_DEFAULTS: Omit<StormOptions, "dir" | "log"> = {
  modems: 16,
  services: 300,
  seed: "chaos",
  concurrency: 64,
  requests: 24_000,
  maxMs: 90_000,
};

/** FINISH statuses as a buyer spreads them: mostly refunds and cancels (the number comes back), some sales. */
const STATUSES = [5, 5, 5, 4, 4, 3, 1] as const;

export async function runStorm(o: StormOptions): Promise<CaseResult> {
  const rig = await Rig.start({ dir: o.dir, modems: o.modems, seed: o.seed, services: o.services });
  try {
    await rig.startDaemon();
    await until("every modem for sale", async () => (await rig.offered()) >= o.modems - 1, 90_000, 500);
    const r = await storm(rig, o);
    await rig.stopDaemon();
    const store = auditStore(rig.stateDir, r.ledger.orders);
    const assign = accountAssignments(r.ledger);
    const double = doubleAssigned(assign) + store.overlaps.length;
    const t = timing(r.latencies);
    return {
      scenario: "storm",
      case: `${r.sent.toLocaleString("en-US")} requests, ${o.concurrency} concurrent`,
      sms: null,
      lost: null,
      duplicated: null,
      doubleAssigned: double,
      corrupted: null,
      detection: null,
      recovery: null,
      checks: [
        { what: "0 double-assigned", ok: double === 0 },
        { what: "every answer HTTP 200 in the protocol's shape", ok: r.badShapes.length === 0 },
        { what: "no acknowledged order missing from the store", ok: store.missing.length === 0 },
      ],
      notes: [
        `${assign.issued} numbers issued, ${r.finishes} FINISH (${r.twinFinishes} sent twice at once), ${r.noNumbers} NO_NUMBERS, ${r.polls} GET_SERVICES in ${(r.ms / 1000).toFixed(1)} s (${((1000 * r.sent) / r.ms).toFixed(0)} req/s)`,
        `latency p50 ${Math.round(t?.p50 ?? 0)} ms, p95 ${Math.round(t?.p95 ?? 0)} ms, max ${Math.round(t?.max ?? 0)} ms; ${r.badShapes.length} answers out of shape`,
      ],
      details: { badShapes: r.badShapes.slice(0, 30), assignments: assign, store },
    };
  } finally {
    await rig.close();
  }
}

interface StormRun {
  ledger: Ledger;
  sent: number;
  ms: number;
  latencies: number[];
  badShapes: Array<{ action: string; status: number; body: string; problems: string[] }>;
  finishes: number;
  twinFinishes: number;
  noNumbers: number;
  polls: number;
}

async function storm(rig: Rig, o: StormOptions): Promise<StormRun> {
  const rng = createRng(seedFrom(`${o.seed}/storm`));
  const services = serviceNames(o.services);
  const ledger: Ledger = { orders: [], finishes: [], texts: [], pushes: [], pushArrivals: [] };
  const run: StormRun = { ledger, sent: 0, ms: 0, latencies: [], badShapes: [], finishes: 0, twinFinishes: 0, noNumbers: 0, polls: 0 };
  let countries: string[] = [];
  const started = Date.now();
  const more = (): boolean => run.sent < o.requests && Date.now() - started < o.maxMs;

  /** One request; its answer checked against the schema. Undefined when out of shape. */
  const call = async (action: string, body: Record<string, unknown>, schema: Parameters<typeof check>[0]): Promise<any> => {
    run.sent++;
    const t0 = performance.now();
    let status = 0;
    let text = "";
    try {
      const res = await fetch(rig.partnerUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ action, key: CHAOS_KEY, ...body }), signal: AbortSignal.timeout(15_000) });
      status = res.status;
      text = await res.text();
    } catch (err) {
      run.badShapes.push({ action, status, body: "", problems: [`no answer: ${err instanceof Error ? err.message : String(err)}`] });
      return undefined;
    }
    run.latencies.push(performance.now() - t0);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      run.badShapes.push({ action, status, body: text.slice(0, 200), problems: ["not JSON"] });
      return undefined;
    }
    const checked = check(schema, json);
    if (status !== 200 || !checked.ok) {
      run.badShapes.push({ action, status, body: text.slice(0, 200), problems: checked.ok ? [`HTTP ${status}`] : checked.problems });
      return undefined;
    }
    return checked.value;
  };

  const poll = async (): Promise<void> => {
    run.polls++;
    const r = await call("GET_SERVICES", {}, GetServicesResponse);
    if (r?.status === "SUCCESS") countries = (r.countryList as Array<{ country: string }>).map((c) => c.country);
  };

  const finish = async (activationId: number): Promise<void> => {
    const status = rng.pick(STATUSES);
    const rec: FinishRecord = { activationId, status, firstSentAt: Date.now(), ackAt: null, attempts: 1 };
    ledger.finishes.push(rec);
    run.finishes++;
    const twin = rng.next() < 0.1;
    const body = { activationId, status, ...(status === 3 ? { sum: 10 } : {}) };
    const answers = await Promise.all(twin ? [call("FINISH_ACTIVATION", body, FinishActivationResponse), call("FINISH_ACTIVATION", body, FinishActivationResponse)] : [call("FINISH_ACTIVATION", body, FinishActivationResponse)]);
    if (twin) run.twinFinishes++;
    if (answers.every((a) => a?.status === "SUCCESS")) rec.ackAt = Date.now();
    else if (answers.every((a) => a !== undefined)) run.badShapes.push({ action: "FINISH_ACTIVATION", status: 200, body: JSON.stringify(answers), problems: ["FINISH of an issued activation not answered SUCCESS"] });
  };

  const buyer = async (): Promise<void> => {
    while (more()) {
      if (countries.length === 0 || rng.next() < 0.05) {
        await poll();
        continue;
      }
      const service = rng.pick(services);
      const rec: OrderRecord = { requestedAt: Date.now(), answeredAt: null, outcome: "failed", service };
      ledger.orders.push(rec);
      const r = await call("GET_NUMBER", { country: rng.pick(countries), operator: "any", service, sum: 10 }, GetNumberResponse);
      rec.answeredAt = Date.now();
      if (r?.status === "SUCCESS") {
        Object.assign(rec, { outcome: "issued", activationId: r.activationId, number: String(r.number) });
        // Hold it a moment (other buyers order meanwhile), then close it.
        await new Promise((res) => setTimeout(res, rng.int(0, 50)));
        await finish(r.activationId);
      } else if (r?.status === "NO_NUMBERS") {
        rec.outcome = "no-numbers";
        run.noNumbers++;
      } else rec.outcome = "error";
    }
  };

  await poll();
  await Promise.all(Array.from({ length: o.concurrency }, () => buyer()));
  run.ms = Date.now() - started;
  return run;
}
