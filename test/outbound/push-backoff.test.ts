/**
 * PUSH_SMS towards a failing Onlinesim (issue 12, defect 8): while the URL refuses
 * connections, answers 500 or hangs, the request count stays bounded by the back-off
 * schedule (one probe per step), not by the backlog; once it answers again the whole backlog
 * drains, oldest first, each SMS once. Real HTTP to the fake, a real store; the retry and
 * probe timers run on a hand-driven clock so ten minutes of outage take a second.
 */
import { describe, expect, it } from "vitest";
import { PushSmsSender } from "../../src/outbound/index.js";
import type { Reservation } from "../../src/sales/types.js";
import { activation, captureLogger, fakeAndStore, KEY, ManualTime, pushConfig, queueSms, recordingTransport, tick, until } from "./helpers.js";

const t = fakeAndStore();

const RETRY_MS = 10_000;
const CAP_MS = 60_000;
const CONCURRENCY = 4;
const OUTAGE_MS = 10 * 60_000;

/** 40 SMS on 20 numbers (two each), queued in this order; returns the texts in queue order. */
async function backlog(): Promise<string[]> {
  const acts: Reservation[] = [];
  for (let i = 0; i < 20; i++) {
    const a = await activation(t.store, 100 + i);
    t.fake.openOperation({ activationId: a.id, number: a.number });
    acts.push(a);
  }
  const texts: string[] = [];
  for (let i = 0; i < 40; i++) {
    const text = `backlog ${String(i).padStart(2, "0")}`;
    queueSms(t.store, acts[i % acts.length]!, text);
    texts.push(text);
  }
  return texts;
}

function sender(time: ManualTime, timeoutMs = 5_000) {
  const rec = recordingTransport(time.clock);
  const log = captureLogger();
  const x = new PushSmsSender({
    outbox: t.store.outbox,
    key: KEY,
    push: pushConfig({ url: t.urls.pushSms, rentUrl: t.urls.pushSmsRent, retryMs: RETRY_MS, backoffMaxMs: CAP_MS, timeoutMs, concurrency: CONCURRENCY }),
    logger: log.logger,
    transport: rec.transport,
    clock: time.clock,
    timers: time.timers,
    random: () => 0.5,
  });
  t.cleanups.push(() => x.stop());
  return { x, rec, log };
}

/** Whatever the last timer or answer started has finished and been recorded. */
async function settled(x: PushSmsSender): Promise<void> {
  await tick();
  await until(() => x.stats().inFlight === 0, 10_000, "no PUSH_SMS in flight");
  await tick();
}

/** Fire every timer due within `ms` of virtual time, letting each one's requests finish. */
async function runFor(time: ManualTime, x: PushSmsSender, ms: number): Promise<void> {
  const end = time.now + ms;
  while (time.nextAt !== null && time.nextAt <= end) {
    time.next();
    await settled(x);
  }
  time.now = end;
}

/** The back-off schedule with random() = 0.5: 10 s, 20 s, 40 s, 60 s, 60 s … each × 1.125. */
function probesWithin(ms: number): number {
  let t = 0;
  let step = RETRY_MS;
  let n = 0;
  for (;;) {
    t += step * 1.125;
    if (t > ms) return n;
    n++;
    step = Math.min(CAP_MS, step * 2);
  }
}

/** After recovery: every SMS accepted once, in queue order, each number's SMS in order. */
async function expectOrderedDrain(x: PushSmsSender, rec: ReturnType<typeof recordingTransport>, from: number, texts: string[]): Promise<void> {
  await until(() => x.stats().delivered === texts.length, 15_000, "the whole backlog delivered");
  const sent = rec.calls.slice(from).map((c) => c.body["text"]);
  // The first request after the outage is the oldest SMS (the probe), and the sender starts
  // the rest oldest first: with two SMS per number and 20 numbers, that is exactly queue order.
  expect(sent).toEqual(texts);
  const accepted = t.fake.recorder.on("PUSH_SMS").filter((r) => (r.response as { status?: string })?.status === "SUCCESS");
  expect(accepted).toHaveLength(texts.length);
  expect(t.fake.duplicates).toBe(0);
  expect(x.stats()).toMatchObject({ pending: 0, pausedUntil: null });
}

describe("PUSH_SMS back-off per URL", () => {
  it("connection refused: one probe per back-off step for 10 minutes, then the backlog drains in order", async () => {
    const texts = await backlog();
    await t.fake.goDown();
    const time = new ManualTime();
    const { x, rec, log } = sender(time);
    x.start();
    await settled(x);
    // The first pump sent one request per free slot; they all came back refused.
    expect(rec.calls).toHaveLength(CONCURRENCY);
    await runFor(time, x, OUTAGE_MS);
    const whileDown = rec.calls.length - CONCURRENCY;
    // One request per SMS every 10 s would be 40 × 60 = 2,400.
    expect(whileDown).toBe(probesWithin(OUTAGE_MS));
    expect(whileDown).toBeLessThanOrEqual(12);
    // Every probe is the oldest SMS, never sooner than Onlinesim's 10 s after the one before.
    const probes = rec.calls.slice(CONCURRENCY);
    expect(new Set(probes.map((c) => c.body["text"]))).toEqual(new Set([texts[0]]));
    for (let i = 1; i < probes.length; i++) expect(probes[i]!.at - probes[i - 1]!.at).toBeGreaterThanOrEqual(RETRY_MS);
    expect(x.stats().pausedUntil).not.toBeNull();
    // One warning when it started failing, not one per SMS or per probe.
    expect(log.at("warn").filter((l) => l["event"] === "push-backoff")).toHaveLength(1);

    await t.fake.comeBack();
    const from = rec.calls.length;
    time.next(); // the next probe
    await expectOrderedDrain(x, rec, from, texts);
    expect(log.at("info").some((l) => l["event"] === "push-url-answers")).toBe(true);
  });

  it("HTTP 500: the requests reaching Onlinesim stay bounded, then the backlog drains in order", async () => {
    const texts = await backlog();
    t.fake.fail({ path: "/v1/PUSH_SMS", status: 500, times: Infinity });
    const time = new ManualTime();
    const { x, rec } = sender(time);
    x.start();
    await settled(x);
    await runFor(time, x, OUTAGE_MS);
    const atFake = t.fake.recorder.on("PUSH_SMS").length;
    expect(atFake).toBe(CONCURRENCY + probesWithin(OUTAGE_MS));
    expect(t.fake.recorder.on("PUSH_SMS").every((r) => r.status === 500)).toBe(true);
    // The stored error is the answer (HTTP 500 …), on the rows that were tried.
    expect(t.store.outbox.get(1)?.lastError).toMatch(/^HTTP 500: /);

    t.fake.clearFailures();
    const from = rec.calls.length;
    time.next();
    await expectOrderedDrain(x, rec, from, texts);
  });

  it("hanging answers: each attempt times out, a timed-out SMS is retried only after the back-off, the count stays bounded", async () => {
    const texts = await backlog();
    t.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 10 * 60_000, times: Infinity });
    const time = new ManualTime();
    const { x, rec } = sender(time, 200);
    x.start();
    await settled(x);
    expect(rec.calls).toHaveLength(CONCURRENCY);
    expect(x.stats().lastError).toBe("timeout after 200 ms");
    // Nothing goes out again until the clock reaches the next probe (≥ 10 s later).
    await tick();
    expect(rec.calls).toHaveLength(CONCURRENCY);
    await runFor(time, x, OUTAGE_MS);
    const probes = rec.calls.slice(CONCURRENCY);
    expect(probes).toHaveLength(probesWithin(OUTAGE_MS));
    expect(probes[0]!.at - rec.calls[0]!.at).toBeGreaterThanOrEqual(RETRY_MS);
    expect(t.fake.recorder.on("PUSH_SMS")).toHaveLength(CONCURRENCY + probes.length);

    t.fake.clearFailures();
    const from = rec.calls.length;
    time.next();
    await expectOrderedDrain(x, rec, from, texts);
  });

  it("a probe that hangs does not hold back the next step's probe: a recovery is seen within a step", async () => {
    const texts = await backlog();
    const time = new ManualTime();
    const { x, rec } = sender(time);
    // The first answers are 500s (the URL closes), then Onlinesim hangs: the next probe never answers.
    t.fake.fail({ path: "/v1/PUSH_SMS", status: 500, times: CONCURRENCY });
    t.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 60_000, times: 1 });
    x.start();
    await settled(x);
    expect(rec.calls).toHaveLength(CONCURRENCY);
    time.next(); // the next probe time (a retry timer may come first: fire until the probe left)
    await tick();
    while (rec.calls.length === CONCURRENCY) {
      time.next();
      await tick();
    }
    await until(() => t.fake.recorder.on("PUSH_SMS").length === CONCURRENCY + 1, 3_000, "the hanging probe at the fake");
    expect(x.stats().inFlight).toBe(1);
    // Onlinesim is back; the hung request is still open. One step later another SMS probes, and the queue drains.
    const hung = rec.calls.at(-1)!.body["text"];
    time.next();
    // All but the hung SMS and the one queued behind it on the same number.
    await until(() => x.stats().delivered === texts.length - 2, 10_000, "the queue drained around the hung SMS");
    expect(rec.calls[CONCURRENCY + 1]!.at - rec.calls[CONCURRENCY]!.at).toBeLessThanOrEqual(RETRY_MS * 1.25);
    // While it hangs, that SMS is not sent again (its first try was the 500 of the first burst).
    expect(t.fake.recorder.on("PUSH_SMS").slice(CONCURRENCY).filter((r) => (r.body as { text: string }).text === hung)).toHaveLength(1);
    // The hung attempt times out (5 s here): that alone does not close the URL again; its SMS is retried after retryMs.
    await until(() => x.stats().inFlight === 0 && x.stats().failedAttempts === CONCURRENCY + 1, 10_000, "the hung attempt timed out");
    expect(x.stats().pausedUntil).toBeNull();
    await runFor(time, x, RETRY_MS * 2);
    await until(() => x.stats().delivered === texts.length, 10_000, "the last two");
    expect(t.fake.duplicates).toBe(0);
  });

  it("a refusal of one SMS (HTTP 400) does not close the URL: the others keep flowing", async () => {
    const a = await activation(t.store, 200);
    const b = await activation(t.store, 201);
    t.fake.openOperation({ activationId: a.id, number: a.number });
    t.fake.openOperation({ activationId: b.id, number: b.number });
    queueSms(t.store, a, "refused one");
    t.fake.fail({ path: "/v1/PUSH_SMS", status: 400, times: 1 });
    const time = new ManualTime();
    const { x } = sender(time);
    x.start();
    await settled(x);
    queueSms(t.store, b, "flows anyway");
    time.now = Date.now(); // the new row is due now
    x.wake();
    await settled(x);
    expect(x.stats()).toMatchObject({ delivered: 1, pausedUntil: null });
    expect(t.fake.book.get(b.id)?.sms.map((m) => m.text)).toEqual(["flows anyway"]);
    // The refused SMS itself waits Onlinesim's 10 s, then goes through.
    await runFor(time, x, RETRY_MS);
    expect(x.stats().delivered).toBe(2);
  });

  it("one number's SMS go out one at a time, in the order they came", async () => {
    const a = await activation(t.store, 300);
    t.fake.openOperation({ activationId: a.id, number: a.number });
    const texts = ["first", "second", "third", "fourth"];
    for (const text of texts) queueSms(t.store, a, text);
    t.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 50, times: Infinity });
    const time = new ManualTime();
    const { x, rec } = sender(time);
    x.start();
    await until(() => x.stats().delivered === 4, 5_000, "4 deliveries");
    expect(rec.maxInFlight()).toBe(1);
    expect(t.fake.book.get(a.id)?.sms.map((m) => m.text)).toEqual(texts);
  });
});
