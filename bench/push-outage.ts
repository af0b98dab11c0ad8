/**
 * PUSH_SMS towards a failing Onlinesim, measured against the real daemon process:
 *
 *   npm run build && node --import tsx bench/push-outage.ts [--scenario down|500|hang|slow|all]
 *        [--backlog 285] [--down-ms 45000] [--bin OTHER/bin/simgate.js] [--json]
 *
 * down, 500, hang: the fake Onlinesim refuses connections / answers HTTP 500 / never
 * answers, for --down-ms. During that time --backlog SMS arrive at the modems (spread over
 * the first 10 s); the outage lasts until the daemon has stored all of them (SMS the
 * simulated network held back arrive with the modem sweep, so the drain measures the sender,
 * not the modems). Reported: the PUSH_SMS requests made while it was failing (counted at the
 * fake for 500 and hang; for down, where nothing reaches the fake, the daemon's own count of
 * failed attempts), then, once it answers again, how long until the first SMS is accepted
 * (the wait for the next probe) and how long the whole backlog takes to drain from there,
 * and whether it drained in order (per number, oldest first) and completely.
 *
 * slow: every PUSH_SMS is answered (accepted) only after 15 s. One SMS every 3 s for 45 s;
 * reported: SMS accepted more than once, counted 45 s after the last one.
 */
import { parseArgs } from "node:util";
import { startRig, type Rig } from "./external-daemon.js";

export type OutageScenario = "down" | "500" | "hang" | "slow";

export interface OutageResult {
  scenario: OutageScenario;
  sms: number;
  /** PUSH_SMS requests (or failed attempts, for down) while Onlinesim was failing. */
  requestsWhileFailing?: number;
  failingMs?: number;
  /** From "answers again" to the first accepted PUSH_SMS. */
  firstAcceptedMs?: number;
  /** From the first to the last accepted PUSH_SMS of the backlog. */
  drainMs?: number;
  /** From the first accepted PUSH_SMS until 99 % of the backlog was accepted (an SMS held by a hung attempt waits for its timeout). */
  drain99Ms?: number;
  delivered: number;
  duplicated: number;
  /** SMS of one number accepted in another order than the daemon stored them. */
  outOfOrder?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function failedAttempts(rig: Rig): Promise<number> {
  const res = await fetch(`${rig.adminUrl}/api/status`);
  const doc = (await res.json()) as { outbound: { push: { failedAttempts: number } | null } };
  return doc.outbound.push?.failedAttempts ?? 0;
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`push-outage: timed out waiting for ${what}`);
    await sleep(50);
  }
}

function countDuplicates(rig: Rig, texts: readonly string[]): { delivered: number; duplicated: number } {
  const accepted = rig.acceptedByText();
  let delivered = 0;
  let duplicated = 0;
  for (const t of texts) {
    const n = accepted.get(t) ?? 0;
    if (n > 0) delivered++;
    if (n > 1) duplicated++;
  }
  return { delivered, duplicated };
}

export async function runOutage(scenario: OutageScenario, o: { backlog: number; downMs: number; modems?: number; bin?: string }): Promise<OutageResult> {
  const modemCount = o.modems ?? 8;
  const rig = await startRig({ modems: modemCount, seed: `outage-${scenario}`, ...(o.bin ? { bin: o.bin } : {}) });
  try {
    await rig.start();
    const ops = await rig.orderAll();
    const modems = ops.map((op) => ({ op, m: rig.modemFor(op.number)! }));
    const texts: string[] = [];
    /** text → number it was sent to. */
    const numberOf = new Map<string, string>();
    const inject = (i: number): void => {
      const { op, m } = modems[i % modems.length]!;
      const text = `${scenario} backlog ${String(i).padStart(4, "0")}`;
      m.modem.injectSms({ sender: "Outage", text });
      texts.push(text);
      numberOf.set(text, op.number);
    };

    if (scenario === "slow") {
      rig.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 15_000, times: Infinity });
      for (let i = 0; i < 15; i++) {
        inject(i);
        await sleep(3_000);
      }
      await sleep(45_000);
      return { scenario, sms: texts.length, ...countDuplicates(rig, texts) };
    }

    const failingFrom = Date.now();
    const attemptsBefore = await failedAttempts(rig);
    if (scenario === "down") await rig.fake.goDown();
    else if (scenario === "500") rig.fake.fail({ path: "/v1/PUSH_SMS", status: 500, times: Infinity });
    else rig.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 10 * 60_000, times: Infinity });
    const spread = Math.min(10_000, o.downMs / 2);
    for (let i = 0; i < o.backlog; i++) {
      inject(i);
      await sleep(spread / o.backlog);
    }
    await sleep(Math.max(0, failingFrom + o.downMs - Date.now()));
    // Every backlog SMS stored by the daemon (bounded): the drain below is the sender's alone.
    const storedBy = Date.now() + 120_000;
    while ((await rig.pushStats()).pending < o.backlog && Date.now() < storedBy) await sleep(500);
    const failingMs = Date.now() - failingFrom;
    const requestsWhileFailing =
      scenario === "down" ? (await failedAttempts(rig)) - attemptsBefore : rig.pushRequests().filter((r) => r.at >= failingFrom && r.at <= failingFrom + failingMs).length;
    const seenBefore = rig.pushRequests().length;
    if (scenario === "down") await rig.fake.comeBack();
    // A hanging answer that was already held is released here and answered normally.
    rig.fake.clearFailures();
    const back = Date.now();
    await until("the whole backlog accepted", () => countDuplicates(rig, texts).delivered === texts.length, 240_000);
    const acceptedAfter = rig
      .pushRequests()
      .slice(seenBefore)
      .filter((r) => r.status === 200 && (r.response as { status?: string } | undefined)?.status === "SUCCESS");
    const firstAt = acceptedAfter[0]?.at ?? back;
    const lastAt = Math.max(...acceptedAfter.map((r) => r.at));
    const times = acceptedAfter.map((r) => r.at).sort((a, b) => a - b);
    const at99 = times[Math.min(times.length - 1, Math.ceil(0.99 * texts.length) - 1)] ?? lastAt;
    // Order: per number, in the order the daemon stored the SMS (its SMS ids; the modems may
    // hand them over in another order than the network sent them).
    const listed = (await (await fetch(`${rig.adminUrl}/api/sms?limit=1000`)).json()) as { sms: Array<{ id: number; text: string }> };
    const storedId = new Map(listed.sms.map((m) => [m.text, m.id]));
    const lastId = new Map<string, number>();
    let outOfOrder = 0;
    for (const r of acceptedAfter) {
      const text = (r.body as { text: string }).text;
      const num = numberOf.get(text);
      const id = storedId.get(text);
      if (num === undefined || id === undefined) continue;
      if ((lastId.get(num) ?? -1) > id) outOfOrder++;
      lastId.set(num, Math.max(id, lastId.get(num) ?? -1));
    }
    await sleep(1_500);
    return {
      scenario,
      sms: texts.length,
      requestsWhileFailing,
      failingMs,
      firstAcceptedMs: firstAt - back,
      drainMs: lastAt - firstAt,
      drain99Ms: at99 - firstAt,
      ...countDuplicates(rig, texts),
      outOfOrder,
    };
  } finally {
    await rig.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: "string", default: "all" },
      backlog: { type: "string", default: "285" },
      "down-ms": { type: "string", default: "45000" },
      bin: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const scenarios: OutageScenario[] = values.scenario === "all" ? ["down", "500", "hang", "slow"] : [values.scenario as OutageScenario];
  for (const s of scenarios) {
    process.stderr.write(`push-outage: ${s}…\n`);
    const r = await runOutage(s, { backlog: Number(values.backlog), downMs: Number(values["down-ms"]), ...(values.bin ? { bin: values.bin } : {}) });
    process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${JSON.stringify(r, null, 2)}\n`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`push-outage: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
