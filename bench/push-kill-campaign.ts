/**
 * PUSH_SMS duplicates under SIGKILL, measured against the real daemon process.
 *
 *   npm run build && node --import tsx bench/push-kill-campaign.ts [--kills 20] [--sms-every-ms 100]
 *        [--kill-after-ms 0-2000] [--latency-ms 50] [--modems 8] [--seed 1]
 *        [--concurrency N (push.concurrency)] [--bin OTHER/bin/simgate.js] [--json]
 *
 * The simulated modems live in this process and keep receiving SMS (one every
 * --sms-every-ms, round robin, each text unique) whether the daemon is alive or not; the
 * fake Onlinesim has an open operation on every number and counts the PUSH_SMS it accepted
 * per SMS. The daemon is SIGKILLed --kills times, each time a random delay after it became
 * ready again (uniform in --kill-after-ms): that is when the backlog gathered while it was
 * dead is being pushed, the moment most exposed to "accepted by Onlinesim, not yet recorded".
 * Onlinesim's answers travel --latency-ms (the fake accepts at once and answers that much
 * later): on loopback the window between acceptance and our record would be ~1 ms, while
 * a real round trip to Onlinesim is tens of ms.
 * After the last restart the SMS stop and the daemon gets time to deliver everything.
 *
 * Reported: SMS sent, delivered, lost (never accepted), duplicated (accepted more than once)
 * and the duplicate rate. Bounded: every wait has a deadline; the run stops by itself.
 * Reusable: `runPushKillCampaign(options)` returns the numbers (the chaos suite can call it).
 */
import { parseArgs } from "node:util";
import { Prng } from "../src/onlinesim/fake/prng.js";
import { startRig, type Rig } from "./external-daemon.js";

export interface KillCampaignOptions {
  kills: number;
  modems: number;
  smsEveryMs: number;
  /** Kill this long after the daemon is ready again: uniform in [min, max] ms. */
  killAfterMs: [number, number];
  seed: number;
  /** Delay of the fake's answers after it accepted (network latency). */
  latencyMs: number;
  /** Extra onlinesim.push settings for the daemon. */
  push?: Record<string, unknown>;
  /** Another build's bin/simgate.js (before/after comparisons). */
  bin?: string;
  /** How long the daemon gets to deliver everything after the last restart. */
  drainTimeoutMs?: number;
  progress?: (line: string) => void;
}

export interface KillCampaignResult {
  kills: number;
  sms: number;
  delivered: number;
  lost: number;
  /** SMS accepted more than once. */
  duplicated: number;
  /** Accepted pushes beyond the first, summed over all SMS. */
  extraPushes: number;
  duplicateRate: number;
  pushRequests: number;
  /** Restart times (spawn → every port sellable), ms. */
  restartMs: number[];
  durationMs: number;
}

export async function runPushKillCampaign(o: KillCampaignOptions): Promise<KillCampaignResult> {
  const say = o.progress ?? (() => undefined);
  const prng = new Prng(o.seed);
  const started = performance.now();
  const rig = await startRig({ modems: o.modems, seed: `kill-${o.seed}`, answerDelayMs: o.latencyMs, ...(o.push ? { push: o.push } : {}), ...(o.bin ? { bin: o.bin } : {}) });
  const sent: string[] = [];
  let generator: NodeJS.Timeout | undefined;
  const restartMs: number[] = [];
  try {
    restartMs.push(await rig.start());
    const ops = await rig.orderAll();
    if (ops.length < o.modems) throw new Error(`only ${ops.length} of ${o.modems} numbers could be ordered`);
    const modems = ops.map((op) => rig.modemFor(op.number)).filter((m) => m !== undefined);
    let seq = 0;
    generator = setInterval(() => {
      const m = modems[seq % modems.length]!;
      const text = `kill-campaign sms ${++seq} code ${100000 + prng.int(0, 899999)}`;
      m.modem.injectSms({ sender: "KillTest", text });
      sent.push(text);
    }, o.smsEveryMs);
    for (let k = 1; k <= o.kills; k++) {
      const [lo, hi] = o.killAfterMs;
      await sleep(prng.int(lo, hi));
      await rig.kill();
      say(`kill ${k}/${o.kills}: ${sent.length} SMS sent, ${rig.acceptedByText().size} delivered`);
      restartMs.push(await startAgain(rig, say));
    }
    clearInterval(generator);
    generator = undefined;
    await waitAllDelivered(rig, sent, o.drainTimeoutMs ?? 120_000);
    // One more retry period for a late duplicate to show itself.
    await sleep(1_500);
    await rig.stop();
    const accepted = rig.acceptedByText();
    let delivered = 0;
    let duplicated = 0;
    let extraPushes = 0;
    for (const text of sent) {
      const n = accepted.get(text) ?? 0;
      if (n > 0) delivered++;
      if (n > 1) {
        duplicated++;
        extraPushes += n - 1;
      }
    }
    return {
      kills: o.kills,
      sms: sent.length,
      delivered,
      lost: sent.length - delivered,
      duplicated,
      extraPushes,
      duplicateRate: sent.length === 0 ? 0 : duplicated / sent.length,
      pushRequests: rig.pushRequests().length,
      restartMs,
      durationMs: performance.now() - started,
    };
  } finally {
    if (generator) clearInterval(generator);
    await rig.close();
  }
}

/** A start that fails (the shared machine's npm tree moving under us, a port taken) is tried twice more. */
async function startAgain(rig: Rig, say: (line: string) => void): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rig.start();
    } catch (err) {
      if (attempt >= 3) throw err;
      say(`restart failed (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); again`);
      await rig.kill();
    }
  }
}

async function waitAllDelivered(rig: Rig, sent: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const accepted = rig.acceptedByText();
    if (sent.every((t) => accepted.has(t))) return;
    await sleep(200);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kills: { type: "string", default: "20" },
      modems: { type: "string", default: "8" },
      "sms-every-ms": { type: "string", default: "100" },
      "kill-after-ms": { type: "string", default: "0-2000" },
      "latency-ms": { type: "string", default: "50" },
      seed: { type: "string", default: "1" },
      bin: { type: "string" },
      concurrency: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const [lo, hi] = values["kill-after-ms"].split("-").map(Number);
  const result = await runPushKillCampaign({
    kills: Number(values.kills),
    modems: Number(values.modems),
    smsEveryMs: Number(values["sms-every-ms"]),
    killAfterMs: [lo!, hi ?? lo!],
    seed: Number(values.seed),
    latencyMs: Number(values["latency-ms"]),
    ...(values.bin ? { bin: values.bin } : {}),
    ...(values.concurrency ? { push: { concurrency: Number(values.concurrency) } } : {}),
    progress: (l) => process.stderr.write(`${l}\n`),
  });
  const sorted = [...result.restartMs].sort((a, b) => a - b);
  const summary = {
    ...result,
    duplicateRatePct: Number((result.duplicateRate * 100).toFixed(3)),
    restartMs: { p50: Math.round(sorted[Math.floor(sorted.length / 2)]!), max: Math.round(sorted.at(-1)!) },
    durationMs: Math.round(result.durationMs),
  };
  process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : `${JSON.stringify(summary, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`push-kill-campaign: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
