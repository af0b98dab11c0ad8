/**
 * PushSmsSender against the fake Onlinesim over real HTTP, with real activations and SMS in
 * a real SQLite store: exact payloads, retries, terminal errors, unconfigured URL, restart,
 * wake() latency, bounded concurrency, expiry, key errors and a bounded stop().
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeOnlinesim, type FakeOnlinesimUrls } from "../../src/onlinesim/fake/index.js";
import { PushSmsSender, type PushSmsSenderOptions } from "../../src/outbound/index.js";
import type { Store } from "../../src/store/index.js";
import { activation, captureLogger, KEY, pushConfig, queueSms, recordingTransport, sleep, storeSms, tempStore, until } from "./helpers.js";
import { finish } from "../store/helpers.js";

const cleanups: Array<() => void | Promise<void>> = [];
let fake: FakeOnlinesim;
let urls: FakeOnlinesimUrls;
let s: ReturnType<typeof tempStore>;
let store: Store;

beforeEach(async () => {
  fake = new FakeOnlinesim({ key: KEY });
  urls = await fake.start();
  const syncCleanups: Array<() => void> = [];
  s = tempStore(syncCleanups);
  store = s.store();
  cleanups.push(...syncCleanups);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fake.stop();
});

function sender(over: Partial<PushSmsSenderOptions> = {}, push = {}) {
  const log = captureLogger();
  const x = new PushSmsSender({ outbox: store.outbox, key: KEY, push: pushConfig({ url: urls.pushSms, rentUrl: urls.pushSmsRent, ...push }), logger: log.logger, ...over });
  cleanups.push(() => x.stop());
  return { sender: x, log };
}

const pushes = () => fake.recorder.on("PUSH_SMS");

describe("PUSH_SMS delivery", () => {
  it("POSTs exactly the text, phone, sender and smsId (activationId mode), then marks the row delivered", async () => {
    const a = await activation(store, 1);
    fake.openOperation({ activationId: a.id, number: a.number });
    const { outboxId } = queueSms(store, a, "Your code is 800142", "Instagram");
    const { sender: x } = sender();
    x.start();
    await until(() => store.outbox.get(outboxId)?.deliveredAt != null, 3000, "delivery");
    expect(pushes()).toHaveLength(1);
    const seen = pushes()[0]!;
    expect(seen.body).toEqual({ action: "PUSH_SMS", key: "***", smsId: a.id, phone: a.number, phoneFrom: "Instagram", text: "Your code is 800142" });
    expect(seen).toMatchObject({ method: "POST", keyOk: true, problems: [], warnings: [], status: 200 });
    expect(seen.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(fake.book.get(a.id)?.sms).toEqual([expect.objectContaining({ smsId: a.id, from: "Instagram", text: "Your code is 800142" })]);
    expect(x.stats()).toMatchObject({ delivered: 1, failedAttempts: 0, gaveUp: 0, pending: 0, oldestPendingAgeMs: null, lastError: null });
  });

  it("uniqueSmsId sends the stored SMS id; phoneFormat int sends the phone as a JSON number", async () => {
    const a = await activation(store, 2);
    fake.openOperation({ activationId: a.id, number: a.number });
    storeSms(store, "an earlier, unrouted SMS"); // so the SMS id differs from the activation id
    const { smsId } = queueSms(store, a, "one");
    expect(smsId).not.toBe(a.id);
    const { sender: x } = sender({}, { smsIdMode: "uniqueSmsId", phoneFormat: "int" });
    x.start();
    await until(() => x.stats().delivered === 1);
    expect(pushes()[0]!.body).toMatchObject({ smsId, phone: Number(a.number) });
    // The fake accepts it and notes the Q12 deviation (smsId ≠ activationId) as a warning only.
    expect(pushes()[0]!.warnings.join()).toMatch(/Q12/);
  });

  it("sends a rent activation's SMS to rentUrl with service RENT", async () => {
    const a = await activation(store, 3, { service: "rent" });
    fake.openOperation({ activationId: a.id, number: a.number, service: "rent" });
    queueSms(store, a, "rent code 4321");
    const { sender: x } = sender();
    x.start();
    await until(() => x.stats().delivered === 1);
    const rent = fake.recorder.on("PUSH_SMS_RENT");
    expect(rent).toHaveLength(1);
    expect(rent[0]!.body).toMatchObject({ service: "RENT", text: "rent code 4321", smsId: a.id });
    expect(rent[0]!.problems).toEqual([]);
    expect(fake.recorder.on("/v1/PUSH_SMS")).toHaveLength(0);
  });

  it("retries 5xx after a growing back-off (never sooner than retryMs), is delivered once, and sends nothing after acceptance", async () => {
    const a = await activation(store, 4);
    fake.openOperation({ activationId: a.id, number: a.number });
    const { outboxId } = queueSms(store, a, "after an outage");
    fake.fail({ path: "/v1/PUSH_SMS", status: 503, times: 3 });
    const { sender: x, log } = sender();
    x.start();
    await until(() => x.stats().delivered === 1, 5000, "delivery after 3 failures");
    expect(pushes().map((p) => p.status)).toEqual([503, 503, 503, 200]);
    // retryMs (100 ms) apart, not a hot loop.
    const at = pushes().map((p) => p.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(90);
    await sleep(350);
    expect(pushes()).toHaveLength(4);
    expect(fake.duplicates).toBe(0);
    expect(store.outbox.get(outboxId)).toMatchObject({ attempts: 4, lastError: null });
    expect(x.stats()).toMatchObject({ delivered: 1, failedAttempts: 3, lastError: expect.stringMatching(/^HTTP 503/) });
    // One warning when the URL started failing; the probes of the same outage are debug.
    expect(log.at("warn").filter((l) => l["event"] === "push-backoff")).toHaveLength(1);
  });

  it.each(["status-200", "error-400", "text-400"] as const)("stops at a terminal error in wire form %s", async (form) => {
    await fake.stop();
    fake = new FakeOnlinesim({ key: KEY, pushErrorForm: form });
    urls = await fake.start();
    const a = await activation(store, 5);
    fake.openOperation({ activationId: a.id, number: a.number });
    const one = queueSms(store, a, "from a bank");
    fake.fail({ path: "/v1/PUSH_SMS", terminal: "BAD_SERVICE" });
    const { sender: x } = sender();
    x.start();
    await until(() => x.stats().gaveUp === 1);
    await sleep(350);
    expect(pushes()).toHaveLength(1);
    expect(fake.stats().pushSmsAfterTerminal).toBe(0);
    expect(store.outbox.get(one.outboxId)).toMatchObject({ gaveUpAt: expect.any(Number), deliveredAt: null, lastError: "BAD_SERVICE" });
  });

  it("NO_OPERATION from the fake's own logic (number without an operation) is terminal too", async () => {
    const a = await activation(store, 6);
    const { outboxId } = queueSms(store, a, "nobody ordered this");
    const { sender: x } = sender();
    x.start();
    await until(() => x.stats().gaveUp === 1);
    await sleep(300);
    expect(fake.stats()).toMatchObject({ pushSmsNoOperation: 1, pushSmsAfterTerminal: 0 });
    expect(store.outbox.get(outboxId)?.lastError).toBe("NO_OPERATION");
  });

  it("URL unset: rows stay queued with one warning; a sender with the URL delivers them later", async () => {
    const a = await activation(store, 7);
    fake.openOperation({ activationId: a.id, number: a.number });
    queueSms(store, a, "queued one");
    const first = sender({}, { url: undefined, rentUrl: undefined });
    first.sender.start();
    queueSms(store, a, "queued two");
    first.sender.wake();
    first.sender.wake();
    await sleep(250);
    expect(pushes()).toHaveLength(0);
    const warned = first.log.at("warn").filter((l) => /PUSH_SMS URL not configured/.test(l.msg));
    expect(warned.map((l) => l.msg)).toEqual(["PUSH_SMS URL not configured (onlinesim.push.url); 1 SMS queued"]);
    expect(first.sender.stats().pending).toBe(2);
    await first.sender.stop();
    const second = sender();
    second.sender.start();
    await until(() => second.sender.stats().delivered === 2);
    expect(pushes().map((p) => (p.body as { text: string }).text).sort()).toEqual(["queued one", "queued two"]);
  });

  it("after a restart delivers what was pending and never re-sends what was delivered", async () => {
    const a = await activation(store, 8);
    fake.openOperation({ activationId: a.id, number: a.number });
    queueSms(store, a, "delivered before the restart");
    const first = sender();
    first.sender.start();
    await until(() => first.sender.stats().delivered === 1);
    fake.fail({ path: "/v1/PUSH_SMS", status: 500, times: Infinity });
    queueSms(store, a, "pending at the restart");
    first.sender.wake();
    await until(() => first.sender.stats().failedAttempts >= 1);
    await first.sender.stop();
    fake.clearFailures();
    store = s.reopen();
    const second = sender();
    second.sender.start();
    await until(() => second.sender.stats().delivered === 1);
    await sleep(250);
    const texts = pushes()
      .filter((p) => p.status === 200)
      .map((p) => (p.body as { text: string }).text);
    expect(texts).toEqual(["delivered before the restart", "pending at the restart"]);
    expect(fake.duplicates).toBe(0);
    expect(second.sender.stats()).toMatchObject({ pending: 0, delivered: 1 });
  });

  it("wake() sends at once (no waiting for the retry timer)", async () => {
    const a = await activation(store, 9);
    fake.openOperation({ activationId: a.id, number: a.number });
    // A retry period far longer than the test: only wake() can make it go out.
    const { sender: x } = sender({}, { retryMs: 600_000 });
    x.start();
    // Warm the connection once so the measurement is the loop, not the TCP handshake.
    queueSms(store, a, "warm-up");
    x.wake();
    await until(() => x.stats().delivered === 1);
    const t0 = Date.now();
    queueSms(store, a, "measured");
    x.wake();
    await until(() => pushes().length === 2, 1000, "the second PUSH_SMS");
    // Immediate, not at the next retry tick (600 s here); the bound leaves room for a loaded machine.
    expect(pushes()[1]!.at - t0).toBeLessThan(1_000);
  });

  it("coalesces a burst of wakes, bounds concurrency, and never has a row in flight twice", async () => {
    // Ten numbers with one SMS each: a number's own SMS go one at a time (push-backoff.test.ts).
    const acts = await Promise.all(Array.from({ length: 10 }, (_, i) => activation(store, 100 + i)));
    for (const a of acts) fake.openOperation({ activationId: a.id, number: a.number });
    const rec = recordingTransport();
    // Slow answers and a short retry timer: the timer fires while rows are in flight.
    fake.fail({ path: "/v1/PUSH_SMS", delayMs: 120, times: Infinity });
    const { sender: x } = sender({ transport: rec.transport, concurrency: 3 }, { retryMs: 20 });
    x.start();
    for (let i = 0; i < 10; i++) {
      queueSms(store, acts[i]!, `burst ${i}`);
      x.wake();
    }
    await until(() => x.stats().delivered === 10, 5000, "10 deliveries");
    expect(rec.maxInFlight()).toBe(3);
    const texts = pushes().map((p) => (p.body as { text: string }).text);
    expect(texts).toHaveLength(10);
    expect(new Set(texts).size).toBe(10);
    expect(fake.duplicates).toBe(0);
  });

  it("gives up ('expired') a row whose activation closed more than giveUpAfterCloseMs ago, without sending it", async () => {
    const a = await activation(store, 11);
    const { outboxId } = queueSms(store, a, "too late");
    await finish(store.sales, a.id, 4, Date.now() - 120_000);
    const { sender: x, log } = sender();
    x.start();
    await until(() => x.stats().gaveUp === 1);
    expect(pushes()).toHaveLength(0);
    expect(store.outbox.get(outboxId)?.lastError).toMatch(/^expired: activation \d+ closed more than 60000 ms ago$/);
    expect(log.at("warn").some((l) => /PUSH_SMS given up: expired/.test(l.msg))).toBe(true);
  });

  it("keeps retrying a recently closed activation's SMS, then gives up once the window passes", async () => {
    const a = await activation(store, 12);
    fake.openOperation({ activationId: a.id, number: a.number });
    const { outboxId } = queueSms(store, a, "retried until expiry");
    // Closed 1 s before the window ends.
    await finish(store.sales, a.id, 3, Date.now() - 59_000);
    fake.fail({ path: "/v1/PUSH_SMS", status: 503, times: Infinity });
    // Back-off steps capped at retryMs: a probe every 200-250 ms until the window closes.
    const { sender: x } = sender({}, { retryMs: 200, backoffMaxMs: 200 });
    x.start();
    await until(() => x.stats().gaveUp === 1, 4000, "expiry");
    const sent = pushes().length;
    expect(sent).toBeGreaterThanOrEqual(3);
    await sleep(450);
    expect(pushes()).toHaveLength(sent);
    expect(store.outbox.get(outboxId)?.lastError).toMatch(/^expired: .*\(last error: HTTP 503/);
  });

  it("a key error pauses all of PUSH_SMS with one loud line, then probes with one row and resumes", async () => {
    for (let i = 0; i < 3; i++) {
      const a = await activation(store, 130 + i);
      fake.openOperation({ activationId: a.id, number: a.number });
      queueSms(store, a, `held ${i}`);
    }
    fake.fail({ path: "/v1/PUSH_SMS", terminal: "ERROR_WRONG_KEY", times: 4 });
    let offset = 0;
    const { sender: x, log } = sender({ clock: () => Date.now() + offset, random: () => 0 });
    x.start();
    await until(() => x.stats().failedAttempts === 3);
    const errors = log.at("error");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/^PUSH_SMS ERROR_WRONG_KEY: Onlinesim refused the partner key: check SIMGATE_ONLINESIM_KEY .*; pausing PUSH_SMS for 10 s$/);
    expect(x.stats().pausedUntil).toBeGreaterThan(Date.now() + 9_000);
    await sleep(300); // retryMs is 100: a pause-less sender would have re-sent by now
    expect(pushes()).toHaveLength(3);
    // Time passes (clock jump): one probe, refused again → the pause doubles.
    offset += 10_001;
    x.wake();
    await until(() => pushes().length === 4);
    await sleep(100);
    expect(pushes()).toHaveLength(4);
    expect(log.at("error").at(-1)!.msg).toMatch(/pausing PUSH_SMS for 20 s$/);
    // Later still: the probe succeeds and the rest follow.
    offset += 20_001;
    x.wake();
    await until(() => x.stats().delivered === 3, 3000, "resume");
    expect(fake.duplicates).toBe(0);
  });

  it("stop() waits for an answer arriving within the grace period and records it", async () => {
    const a = await activation(store, 14);
    fake.openOperation({ activationId: a.id, number: a.number });
    const { outboxId } = queueSms(store, a, "answered during stop");
    fake.fail({ path: "/v1/PUSH_SMS", delayMs: 200 });
    const { sender: x } = sender({ stopTimeoutMs: 2_000 });
    x.start();
    await until(() => pushes().length === 1);
    await x.stop();
    expect(store.outbox.get(outboxId)?.deliveredAt).not.toBeNull();
  });

  it("stop() is bounded: a hanging POST is aborted, the row stays queued as in flight (resent first next time), nothing is marked afterwards", async () => {
    const a = await activation(store, 15);
    fake.openOperation({ activationId: a.id, number: a.number });
    const { outboxId } = queueSms(store, a, "hanging");
    fake.fail({ path: "/v1/PUSH_SMS", delayMs: 20_000 });
    const { sender: x, log } = sender({ stopTimeoutMs: 150 });
    x.start();
    await until(() => pushes().length === 1);
    const t0 = Date.now();
    await x.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(store.outbox.get(outboxId)).toMatchObject({ attempts: 1, sendingSince: expect.any(Number), deliveredAt: null, gaveUpAt: null, lastError: null });
    expect(log.at("warn").some((l) => /aborted, they stay queued/.test(l.msg))).toBe(true);
    x.wake();
    x.start();
    await sleep(150);
    expect(pushes()).toHaveLength(1);
  });
});
