/**
 * A SIM leaves → its number is gone from the list at Onlinesim (issue 6, target ≤ 5 s).
 *
 * The real daemon in this process (bench/daemon-harness.ts) on 64 simulated modems over
 * pseudo-terminals, mode v2 with the default v2 settings (debounce 3 s, withdrawals after
 * min(debounce, 200 ms)), sendNumbersOnline going to the fake Onlinesim in this process.
 * Once the fake holds the full list, each trial takes one more listed SIM away — the SIM
 * pulled from its slot (pullSim: the module's own URC tells the daemon) or the whole
 * module unplugged (unplug: the tty hangs up) — and times from that call to the first
 * sendNumbersOnline the fake receives without the number. Trials run one after another on
 * different modems (spread over the four simulated dialects), each bounded by TRIAL_MAX_MS.
 */
import type { BenchResult } from "./result.js";
import { percentile, sleep, startBenchDaemon } from "./daemon-harness.js";

const MODEMS = 64;
const PULLS = 10;
const UNPLUGS = 4;
const TRIAL_MAX_MS = 15_000;
/** Between trials, so one trial's push is not the next one's. */
const GAP_MS = 300;

export const TARGETS = { withdrawalMs: 5_000 } as const;

interface Push {
  at: number;
  numbers: Set<string>;
}

export async function benchWithdrawal(): Promise<BenchResult[]> {
  const b = await startBenchDaemon({ modems: MODEMS, seed: "bench", latencyMs: 0, mode: "v2", onlinesim: {}, udev: "absent" });
  try {
    const pushes: Push[] = [];
    const v2 = b.fake.v2;
    const handle = v2.handle.bind(v2);
    v2.handle = (method, call) => {
      const answer = handle(method, call);
      if (method === "sendNumbersOnline" && answer.status === 200) pushes.push({ at: performance.now(), numbers: new Set(v2.stats.lastNumbers.map((n) => n.number)) });
      return answer;
    };
    const listed = (): Set<string> => new Set(v2.stats.lastNumbers.map((n) => n.number));
    // The first full list (pushed at start, or after the last port settled).
    const want = b.ready.map((p) => p.number!);
    const deadline = performance.now() + 30_000;
    while (!want.every((n) => listed().has(n))) {
      if (performance.now() > deadline) throw new Error(`bench: the fake never got the full list (${listed().size}/${want.length})`);
      await sleep(50);
    }
    await sleep(GAP_MS);

    const modemOf = new Map(b.daemon.modems.simulated!.modems.map((m) => [m.path, m]));
    // Different modems, dialects cycling (the pool is generic/simcom/quectel/huawei in turn).
    const victims = b.ready.slice(0, PULLS + UNPLUGS);
    if (victims.length < PULLS + UNPLUGS) throw new Error(`bench: only ${b.ready.length} sellable SIMs`);
    const results: Record<"pull" | "unplug", number[]> = { pull: [], unplug: [] };
    const missed: Record<"pull" | "unplug", number> = { pull: 0, unplug: 0 };
    for (const [i, port] of victims.entries()) {
      const kind = i < PULLS ? "pull" : "unplug";
      const sim = modemOf.get(port.path);
      if (!sim) throw new Error(`bench: no simulated modem at ${port.path}`);
      const number = port.number!;
      if (!listed().has(number)) throw new Error(`bench: ${number} not listed before the trial`);
      const seen = pushes.length;
      const t0 = performance.now();
      if (kind === "pull") sim.modem.pullSim();
      else sim.modem.unplug();
      let gone: Push | undefined;
      while (!gone && performance.now() - t0 < TRIAL_MAX_MS) {
        await sleep(5);
        gone = pushes.slice(seen).find((p) => !p.numbers.has(number));
      }
      if (gone) results[kind].push(gone.at - t0);
      else missed[kind]++;
      await sleep(GAP_MS);
    }

    const out: BenchResult[] = [];
    for (const kind of ["pull", "unplug"] as const) {
      const sorted = [...results[kind]].sort((a, b) => a - b);
      const max = sorted.at(-1) ?? Number.NaN;
      const what = kind === "pull" ? "SIM pulled from its slot" : "module unplugged";
      const n = kind === "pull" ? PULLS : UNPLUGS;
      const ok = missed[kind] === 0 && max <= TARGETS.withdrawalMs;
      const note = `${sorted.length}/${n} trials on different modems${missed[kind] ? `, ${missed[kind]} not withdrawn within ${TRIAL_MAX_MS / 1000} s` : ""}; default v2 debounce; target ≤ ${TARGETS.withdrawalMs / 1000} s: ${ok ? "met" : "NOT met"}`;
      out.push(
        { name: `withdrawal from sendNumbersOnline, ${what}, p50`, value: percentile(sorted, 50), unit: "ms", note },
        { name: `withdrawal from sendNumbersOnline, ${what}, max`, value: max, unit: "ms", note },
      );
    }
    return out;
  } finally {
    await b.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchWithdrawal()) process.stdout.write(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
}
