/**
 * Modem faults: on a running daemon with every timing at its default, the simulator
 * (sim-host.ts, another process) makes sellable modems misbehave, each fault on
 * `trials` different modems at once, injected at random moments so they land anywhere
 * in the poll cycle:
 *   hang            no echo, no reply, no URC;
 *   dropped replies every reply swallowed (commands still take effect);
 *   slow replies    every reply `slowReplyMs` late (under the 10 s command timeout);
 *   garbage         junk bytes: a steady stream where the simulator has a noise fault,
 *                   else junk in front of every reply.
 * Detection = injection → the daemon's own log line saying the port left `ready` (the same
 * moment the engine stops offering it). The fault is then healed; recovery = heal → the
 * port `ready` again. Each wait is bounded; a fault not detected in time is reported so.
 */
import { createRng, seedFrom } from "../../../src/sim/rng.js";
import { timing, type CaseResult } from "../result.js";
import { Rig, sleep, until } from "../rig.js";

export interface ModemFaultOptions {
  dir: string;
  seed: string;
  trials: number;
  slowReplyMs: number;
  detectMaxMs: number;
  recoverMaxMs: number;
  /** Injections are spread over this long. */
  spreadMs: number;
  log: (line: string) => void;
}

export const MODEM_FAULT_DEFAULTS: Omit<ModemFaultOptions, "dir" | "log"> = {
  seed: "chaos",
  trials: 3,
  slowReplyMs: 3_000,
  detectMaxMs: 30_000,
  recoverMaxMs: 60_000,
  spreadMs: 6_000,
};

/** The issue's target for every module fault, with the default settings. */
export const DETECTION_TARGET_MS = 5_000;

interface Fault {
  name: string;
  set: (supports: string[]) => Record<string, number | boolean>;
}

const FAULTS = (slowReplyMs: number): Fault[] => [
  { name: "hang", set: () => ({ hang: true }) },
  { name: "dropped replies", set: () => ({ dropReplyProbability: 1 }) },
  { name: `slow replies (${slowReplyMs / 1000} s each)`, set: () => ({ latencyMs: slowReplyMs }) },
  { name: "garbage", set: (supports): Record<string, number | boolean> => (supports.includes("noiseBytesPerSecond") ? { noiseBytesPerSecond: 200 } : { garbageProbability: 1 }) },
];

interface Trial {
  fault: string;
  path: string;
  detectMs: number | null;
  /** The state the port went to. */
  state: string | null;
  recoverMs: number | null;
  how: Record<string, number | boolean>;
}

interface PortEvent {
  at: number;
  port: string;
  from: string;
  to: string;
}

export async function runModemFaults(o: ModemFaultOptions): Promise<CaseResult[]> {
  const faults = FAULTS(o.slowReplyMs);
  const modems = faults.length * o.trials + 2;
  const rig = await Rig.start({ dir: o.dir, modems, seed: o.seed, services: 20 });
  try {
    const daemon = await rig.startDaemon();
    const events: PortEvent[] = [];
    const waiters = new Set<() => void>();
    daemon.onLog((l) => {
      if (l["event"] !== "port-state") return;
      events.push({ at: Number(l["time"]), port: String(l["port"]), from: String(l["from"]), to: String(l["to"]) });
      for (const w of waiters) w();
    });
    /** The first port-state event for `port` after `since` that `match`es, or null after `maxMs`. */
    const nextEvent = (port: string, since: number, match: (e: PortEvent) => boolean, maxMs: number): Promise<PortEvent | null> =>
      new Promise((resolve) => {
        const look = (): void => {
          const e = events.find((x) => x.port === port && x.at >= since && match(x));
          if (e) finish(e);
        };
        const finish = (e: PortEvent | null): void => {
          waiters.delete(look);
          clearTimeout(timer);
          resolve(e);
        };
        const timer = setTimeout(() => finish(null), maxMs);
        waiters.add(look);
        look();
      });

    const ready: Array<{ path: string; state: string; number: string | null }> = await until(
      "every modem sellable",
      async () => {
        const ports = (await rig.admin("/api/status")).ports as Array<{ path: string; state: string; number: string | null }>;
        const r = ports.filter((p) => p.state === "ready" && p.number);
        return r.length >= faults.length * o.trials ? r : undefined;
      },
      120_000,
      500,
    );
    const supports: string[] = ((await rig.simCall("/modems")) as Array<{ faults: string[] }>)[0]?.faults ?? [];
    const rng = createRng(seedFrom(`${o.seed}/faults`));
    const victims = ready.map((p) => p.path);
    const trial = async (fault: Fault, path: string): Promise<Trial> => {
      await sleep(rng.int(0, o.spreadMs));
      const how = fault.set(supports);
      const t0 = Date.now();
      await rig.simCall("/faults", { path, set: how });
      const left = await nextEvent(path, t0, (e) => e.from === "ready", o.detectMaxMs);
      const t1 = Date.now();
      await rig.simCall("/faults", { path, clear: true });
      const back = left ? await nextEvent(path, t1, (e) => e.to === "ready", o.recoverMaxMs) : null;
      return { fault: fault.name, path, how, detectMs: left ? left.at - t0 : null, state: left?.to ?? null, recoverMs: back ? back.at - t1 : null };
    };
    o.log(`modem faults: ${faults.length} faults × ${o.trials} modems at once`);
    const trials = await Promise.all(faults.flatMap((f, i) => Array.from({ length: o.trials }, (_, j) => trial(f, victims[i * o.trials + j]!))));
    await rig.stopDaemon();
    return faults.map((f) => judge(f, trials.filter((t) => t.fault === f.name), o));
  } finally {
    await rig.close();
  }
}

function judge(fault: Fault, trials: Trial[], o: ModemFaultOptions): CaseResult {
  const detected = trials.filter((t) => t.detectMs !== null);
  const recovered = trials.filter((t) => t.recoverMs !== null);
  const how = trials[0]?.how ?? {};
  const states = [...new Set(detected.map((t) => t.state))].join(", ");
  return {
    scenario: "modem fault",
    case: fault.name,
    sms: null,
    lost: null,
    duplicated: null,
    doubleAssigned: null,
    corrupted: null,
    detection: timing(detected.map((t) => t.detectMs!)),
    recovery: timing(recovered.map((t) => t.recoverMs!)),
    checks: [
      { what: `detected on every modem within ${DETECTION_TARGET_MS / 1000} s`, ok: detected.length === trials.length && detected.every((t) => t.detectMs! <= DETECTION_TARGET_MS) },
      { what: "back on sale after the fault healed", ok: recovered.length === detected.length && detected.length > 0 },
    ],
    notes: [
      `${detected.length}/${trials.length} modems left the offers within ${o.detectMaxMs / 1000} s${states ? ` (to ${states})` : ""}; ${recovered.length} back on sale within ${o.recoverMaxMs / 1000} s of the heal; simulator fault ${JSON.stringify(how)}`,
    ],
    details: { trials },
  };
}
