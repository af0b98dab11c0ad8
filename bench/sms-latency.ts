/**
 * SMS at the modem → PUSH_SMS at Onlinesim (issue 6), with 64 and 256 busy modems, half
 * of the SMS arriving right after a delete (issue 14).
 *
 * The real daemon runs in this process (bench/daemon-harness.ts: startDaemon on N
 * simulated modems over real pseudo-terminals, mode v1, push.url = the fake Onlinesim in
 * this process). Every sellable number is ordered through the partner endpoint (GET_NUMBER
 * over HTTP, as Onlinesim does) and the fake is told about each operation, so each PUSH_SMS
 * is accepted. Then, for MEASURE_MS, every ordered modem receives an SMS every
 * SMS_EVERY_MS (phases spread over the pool), and a second one the moment the module has
 * executed the AT+CMGD of the first: it is stored in the slot that delete freed and its
 * +CMTI goes out right behind the OK, in the same read, as on the real devices whose SMS
 * waited for the 60 s sweep. Every modem of the pool also answers an AT+CSQ every
 * CSQ_EVERY_MS through the daemon's own port channel (PortSession.runRaw, queued with the
 * daemon's commands): the modems are busy, an SMS read may wait behind a command, as on a
 * working pool.
 *
 * Latency = injectSms() (the network hands the SMS to the module, +CMTI goes out) → the
 * fake's PUSH_SMS handler has the request (body parsed). The modem's own command latency
 * is measured at the same time on the same ports: the AT+CSQ round trips (call → final
 * result, through the same pty, behind the same queue). The path is also split where the
 * whole SMS reaches the port map (read from the modem, its part committed, joined): before
 * that it is modem traffic (one AT+CPMS="ME";+CMGR=<i> round trip per +CMTI),
 * after it two durable commits (store, route to the outbox) and the POST to Onlinesim.
 *
 * Run twice: with the simulator's default (replies at once) and with every reply delayed
 * by 40 ms (a realistic USB module), to see how the difference scales with the module.
 * The first run also compares the idle daemon with this VM's udevadm and without it
 * (see hideUdevadm in daemon-harness.ts); the SMS are measured without it.
 */
import { randomInt } from "node:crypto";
import { monitorEventLoopDelay, performance as perf } from "node:perf_hooks";
import type { SimulatedModem } from "../src/sim/simulated-modem.js";
import { describeBaseline, durableCommitBaseline, type CommitBaseline } from "./fsync-baseline.js";
import type { BenchResult } from "./result.js";
import { BENCH_KEY, hideUdevadm, percentile, sleep, startBenchDaemon, waitFor, type BenchDaemon } from "./daemon-harness.js";

const MODEM_COUNTS = [64, 256] as const;
const MEASURE_MS = 12_000;
/**
 * Per port at 64 modems. A larger pool keeps the pool's total at that of 64 (each of 256
 * ports is asked four times less often): two shared cores cannot serve 1,024 AT+CSQ/s
 * through ptys with room to spare, and a saturated daemon measures its own backlog, not
 * the SMS path. The measurement lasts at least one SMS period.
 */
const SMS_EVERY_MS = 4_000;
const CSQ_EVERY_MS = 250;
const perPort = (ms: number, modems: number) => (ms * modems) / 64;
/** After the last injection: SMS still in flight get this long to arrive. */
const DRAIN_MS = 10_000;
const IDLE_MS = 3_000;
const LATENCIES = [0, 40] as const;

/** Issue 6 (at 64 modems) and issue 14 (max at most twice the p95, at 64 and 256). */
export const TARGETS = { p50OverModemMs: 20, p95Ms: 150, maxOverP95: 2 } as const;

interface Ordered {
  portId: string;
  path: string;
  number: string;
  activationId: number;
}

/** GET_SERVICES, then GET_NUMBER per country until NO_NUMBERS: one open activation per sellable SIM. */
async function orderEverything(b: BenchDaemon, modems: number): Promise<Ordered[]> {
  const post = async (body: Record<string, unknown>): Promise<any> => {
    const res = await fetch(b.partnerUrl, { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ ...body, key: BENCH_KEY }) });
    return res.json();
  };
  const services = (await post({ action: "GET_SERVICES" })) as { countryList: Array<{ country: string; operatorMap: Record<string, Record<string, number>> }> };
  const out: Ordered[] = [];
  for (const { country, operatorMap } of services.countryList) {
    const service = Object.keys(operatorMap["any"] ?? {})[0];
    if (!service) continue;
    for (let i = 0; i < modems; i++) {
      const r = (await post({ action: "GET_NUMBER", country, operator: "any", service, sum: 1 })) as { status: string; number?: number; activationId?: number };
      if (r.status !== "SUCCESS") break;
      const view = b.daemon.map.snapshot().find((p) => p.number?.replace(/^\+/, "") === String(r.number));
      if (!view) throw new Error(`bench: sold number ${r.number} is on no port`);
      b.fake.openOperation({ activationId: r.activationId!, number: String(r.number) });
      out.push({ portId: view.id, path: view.path, number: String(r.number), activationId: r.activationId! });
    }
  }
  return out;
}

interface Sent {
  text: string;
  at: number;
  /** Arrived while the module deleted the previous SMS (stored in the slot that delete freed). */
  afterDelete: boolean;
}

interface Idle {
  /** Share of wall time the event loop was busy. */
  elu: number;
  lagP99: number;
  lagMax: number;
}

/** The daemon left alone for `ms`: how busy its event loop is and how long it stalls. */
async function idle(ms: number): Promise<Idle> {
  const elu0 = perf.eventLoopUtilization();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  await sleep(ms);
  lag.disable();
  return { elu: perf.eventLoopUtilization(elu0).utilization, lagP99: lag.percentile(99) / 1e6, lagMax: lag.max / 1e6 };
}

interface RunResult {
  modems: number;
  latencyMs: number;
  ready: number;
  ordered: number;
  sms: number[];
  /** The SMS that arrived right after a delete (stored in the slot it freed). */
  afterDelete: number[];
  /** injectSms → whole SMS on the port map; port map → PUSH_SMS at the fake. */
  toMap: number[];
  mapToPush: number[];
  fsync: CommitBaseline;
  /** The daemon's event loop busy share, and its longest stall, during the measurement. */
  elu: number;
  lagMax: number;
  /** Max over every SMS sent: arrival, or the moment we stopped waiting for it. */
  longestWait: number;
  smsEveryMs: number;
  csqEveryMs: number;
  measureMs: number;
  lost: number;
  /** Of which arrived right after a delete. */
  lostAfterDelete: number;
  csq: number[];
  csqErrors: number;
  pushAccepted: number;
  pushRejected: number;
  startMs: number;
  /** Idle with this host's udevadm, then with none (only for the run that compares them). */
  idle?: { host: Idle; absent: Idle };
}

async function run(modems: number, latencyMs: number, compareIdle: boolean): Promise<RunResult> {
  const smsEvery = perPort(SMS_EVERY_MS, modems);
  const csqEvery = perPort(CSQ_EVERY_MS, modems);
  const measureMs = Math.max(MEASURE_MS, smsEvery);
  const b = await startBenchDaemon({ modems, seed: "bench", latencyMs, mode: "v1", onlinesim: {}, udev: compareIdle ? "host" : "absent" });
  let restorePath = (): void => undefined;
  try {
    let idleRows: RunResult["idle"];
    if (compareIdle) {
      const host = await idle(IDLE_MS);
      restorePath = hideUdevadm(b.dir);
      await sleep(2_000); // the rescan in flight finishes; the next one finds no udev
      idleRows = { host, absent: await idle(IDLE_MS) };
    }
    const ordered = await orderEverything(b, modems);
    const modemOf = new Map(b.daemon.modems.simulated!.modems.map((m) => [m.path, m.modem]));

    // Receipt time at the fake, by text (each text is unique).
    const arrived = new Map<string, number>();
    const push = b.fake.push;
    const handle = push.handle.bind(push);
    push.handle = (call, rent) => {
      const text = (call.body as { text?: unknown } | undefined)?.text;
      if (typeof text === "string" && !arrived.has(text)) arrived.set(text, performance.now());
      return handle(call, rent);
    };

    // The whole SMS on the port map (read from the modem, part stored durably, joined),
    // before sms-flow stores and routes it: splits the path in modem+read / store+push.
    const onMap = new Map<string, number>();
    b.daemon.map.prependListener("sms-received", (_port, sms) => {
      if (!onMap.has(sms.text)) onMap.set(sms.text, performance.now());
    });

    let seq = 0;
    const modemAt = (o: Ordered): SimulatedModem => {
      const modem = modemOf.get(o.path);
      if (!modem) throw new Error(`bench: no simulated modem at ${o.path}`);
      return modem;
    };
    const inject = (o: Ordered, afterDelete = false): Sent => {
      const text = `Your code ${randomInt(100_000, 999_999)} (bench ${++seq})`;
      const at = performance.now();
      modemAt(o).injectSms({ sender: "Telegram", text });
      return { text, at, afterDelete };
    };

    // Warm-up: one SMS per ordered modem, all delivered, not recorded.
    const warm = ordered.map((o) => inject(o));
    await waitFor("the warm-up SMS", () => (warm.every((w) => arrived.has(w.text)) ? true : undefined), 30_000);

    // Busy modems: AT+CSQ through each port's queue, every CSQ_EVERY_MS, random phase.
    let running = true;
    const csq: number[] = [];
    let csqErrors = 0;
    const sessions = b.daemon.map.snapshot().map((p) => b.daemon.pool.session(p.id)).filter((s) => s !== undefined);
    const busy = sessions.map(async (session) => {
      await sleep(randomInt(0, csqEvery));
      while (running) {
        const t0 = performance.now();
        try {
          const r = await session.runRaw("AT+CSQ", 5_000);
          if (r.ok) csq.push(performance.now() - t0);
          else csqErrors++;
        } catch {
          csqErrors++;
        }
        await sleep(Math.max(0, csqEvery - (performance.now() - t0)));
      }
    });

    // The second SMS of each period arrives the moment the module has executed the delete
    // of the first: the freed slot takes it, its +CMTI waits behind the OK (the simulator
    // holds URCs behind the running command's reply) and leaves with it.
    const sent: Sent[] = [];
    const armed = new Map<SimulatedModem, Ordered>();
    for (const o of ordered) {
      const modem = modemAt(o);
      modem.activity.on("executed", (line) => {
        if (!/\+CMGD=\d+$/.test(line) || armed.get(modem) !== o) return;
        armed.delete(modem);
        sent.push(inject(o, true));
      });
    }

    // SMS at a steady rate on every ordered modem, phases spread over the pool.
    const elu0 = perf.eventLoopUtilization();
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const start = performance.now();
    const senders = ordered.map(async (o, i) => {
      await sleep((i * smsEvery) / ordered.length);
      while (performance.now() - start < measureMs) {
        const t0 = performance.now();
        sent.push(inject(o));
        armed.set(modemAt(o), o);
        await sleep(Math.max(0, smsEvery - (performance.now() - t0)));
      }
    });
    await Promise.all(senders);
    const elu = perf.eventLoopUtilization(elu0);
    lag.disable();
    await waitFor("the measured SMS", () => (sent.every((s) => arrived.has(s.text)) ? true : undefined), DRAIN_MS).catch(() => undefined);
    const gaveUpAt = performance.now();
    running = false;
    await Promise.all(busy);

    armed.clear();
    const delivered = sent.filter((s) => arrived.has(s.text) && onMap.has(s.text));
    const sms = delivered.map((s) => arrived.get(s.text)! - s.at);
    const afterDelete = delivered.filter((s) => s.afterDelete).map((s) => arrived.get(s.text)! - s.at);
    // An SMS that never arrived had waited this long when we stopped waiting: the max is at least that.
    const longestWait = Math.max(...sent.map((s) => (arrived.get(s.text) ?? gaveUpAt) - s.at));
    const toMap = delivered.map((s) => onMap.get(s.text)! - s.at);
    const mapToPush = delivered.map((s) => arrived.get(s.text)! - onMap.get(s.text)!);
    const fsync = durableCommitBaseline(b.dir, 1_000);
    const stats = b.fake.stats();
    return {
      modems,
      latencyMs,
      ready: b.ready.length,
      ordered: ordered.length,
      sms,
      afterDelete,
      toMap,
      mapToPush,
      fsync,
      elu: elu.utilization,
      lagMax: lag.max / 1e6,
      longestWait,
      smsEveryMs: smsEvery,
      csqEveryMs: csqEvery,
      measureMs,
      lost: sent.length - sms.length,
      lostAfterDelete: sent.filter((s) => s.afterDelete).length - afterDelete.length,
      csq,
      csqErrors,
      pushAccepted: stats.pushSms,
      pushRejected: stats.pushSmsNoOperation + stats.rejected.length,
      startMs: b.startMs,
      ...(idleRows ? { idle: idleRows } : {}),
    };
  } finally {
    await b.close();
    restorePath();
  }
}

function rows(r: RunResult): BenchResult[] {
  const sms = [...r.sms].sort((a, b) => a - b);
  const csq = [...r.csq].sort((a, b) => a - b);
  const toMap = [...r.toMap].sort((a, b) => a - b);
  const mapToPush = [...r.mapToPush].sort((a, b) => a - b);
  const afterDelete = [...r.afterDelete].sort((a, b) => a - b);
  const p = (s: number[], q: number) => percentile(s, q);
  const label = r.latencyMs === 0 ? "modem replies at once" : `modem replies after ${r.latencyMs} ms`;
  const prefix = `SMS → PUSH_SMS, ${r.modems} busy modems, ${label}`;
  const over = p(sms, 50) - p(csq, 50);
  // Issue 6 set its targets at 64 modems; the 256-modem rows show how they scale.
  const issue6 = r.modems === 64;
  const context = `${r.sms.length} SMS on ${r.ordered} ordered of ${r.modems} modems (${r.ready} sellable), two per modem every ${r.smsEveryMs} ms for ${r.measureMs / 1000} s, the second arriving while the first is deleted; AT+CSQ on every port every ${r.csqEveryMs} ms`;
  const max = r.longestWait;
  const maxBound = TARGETS.maxOverP95 * p(sms, 95);
  const idleRows: BenchResult[] = r.idle
    ? (["host", "absent"] as const).map((k) => ({
        name: `daemon idle, ${r.modems} simulated modems, ${k === "host" ? "this VM's udevadm (udevd not running, ttyS0 never initialised)" : "no udev (udevadm answers nothing)"}: event loop busy`,
        value: r.idle![k].elu * 100,
        unit: "% of wall time",
        note: `${IDLE_MS / 1000} s; event-loop delay p99 ${r.idle![k].lagP99.toFixed(1)} ms, max ${r.idle![k].lagMax.toFixed(1)} ms`,
      }))
    : [];
  return [
    ...idleRows,
    {
      name: `${prefix}: modem's own AT round trip p50 / p95`,
      value: p(csq, 50),
      unit: "ms",
      note: `p95 ${p(csq, 95).toFixed(2)} ms over ${r.csq.length} AT+CSQ through the daemon's port queues during the run${r.csqErrors ? `, ${r.csqErrors} failed` : ""}`,
    },
    { name: `${prefix}: p50`, value: p(sms, 50), unit: "ms", note: context },
    {
      name: `${prefix}: split p50 (modem → whole SMS on the port map / → PUSH_SMS at the fake)`,
      value: p(toMap, 50),
      unit: "ms",
      note: `then ${p(mapToPush, 50).toFixed(2)} ms (p95 ${p(toMap, 95).toFixed(1)} / ${p(mapToPush, 95).toFixed(1)} ms); the second half is 2 durable commits + a loopback POST; ${describeBaseline(r.fsync)}; daemon event loop busy ${(r.elu * 100).toFixed(0)} % during the run, longest stall ${r.lagMax.toFixed(0)} ms`,
    },
    {
      name: `${prefix}: p50 minus the modem's AT p50`,
      value: over,
      unit: "ms",
      note: issue6 ? `target ≤ ${TARGETS.p50OverModemMs} ms: ${over <= TARGETS.p50OverModemMs ? "met" : "NOT met"}` : `issue 6's target (≤ ${TARGETS.p50OverModemMs} ms) is set at 64 modems`,
    },
    {
      name: `${prefix}: p95`,
      value: p(sms, 95),
      unit: "ms",
      note: issue6 ? `target < ${TARGETS.p95Ms} ms: ${p(sms, 95) < TARGETS.p95Ms ? "met" : "NOT met"}` : `p99 ${p(sms, 99).toFixed(1)} ms`,
    },
    {
      name: `${prefix}: max`,
      value: max,
      unit: "ms",
      note: `${r.lost > 0 ? "at least (some never arrived); " : ""}target ≤ ${TARGETS.maxOverP95} × p95 (${maxBound.toFixed(1)} ms): ${r.lost === 0 && max <= maxBound ? "met" : "NOT met"}; the ${afterDelete.length} SMS that arrived right after a delete: p50 ${p(afterDelete, 50).toFixed(1)}, p95 ${p(afterDelete, 95).toFixed(1)}, max ${(afterDelete.at(-1) ?? Number.NaN).toFixed(1)} ms; p99 of all ${p(sms, 99).toFixed(1)} ms; not arrived within ${DRAIN_MS / 1000} s: ${r.lost} (${r.lostAfterDelete} of them right after a delete); PUSH_SMS accepted ${r.pushAccepted}, refused ${r.pushRejected}; daemon start to settled pool ${(r.startMs / 1000).toFixed(1)} s`,
    },
  ];
}

export async function benchSmsLatency(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  let first = true;
  for (const modems of MODEM_COUNTS) {
    for (const latency of LATENCIES) {
      out.push(...rows(await run(modems, latency, first)));
      first = false;
    }
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchSmsLatency()) process.stdout.write(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
}
