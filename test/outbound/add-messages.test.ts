/**
 * AddMessagesBatcher against the fake over real HTTP with the durable queue in a real
 * store: exact batch contents, the batch window, the addMessage fallback, isolating a refused
 * message, backoff on 5xx and key errors, no baseUrl, durability across a reopen, bounded stop.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { FakeOnlinesim, type FakeOnlinesimUrls } from "../../src/onlinesim/fake/index.js";
import { AddMessagesBatcher, V2Client, type AddMessagesOptions } from "../../src/outbound/index.js";
import type { Store } from "../../src/store/index.js";
import { validateConfig } from "../../src/config/load.js";
import { captureLogger, KEY, ManualTime, sleep, storeSms, tempStore, tick, until, v2Config } from "./helpers.js";

const cleanups: Array<() => void | Promise<void>> = [];
let fake: FakeOnlinesim;
let urls: FakeOnlinesimUrls;
let s: ReturnType<typeof tempStore>;
let store: Store;

const A = "+79160000001";
const B = "+79160000002";

beforeEach(async () => {
  fake = new FakeOnlinesim({ key: KEY });
  urls = await fake.start();
  const sync: Array<() => void> = [];
  s = tempStore(sync);
  store = s.store();
  cleanups.push(...sync);
  // addMessage(s) for a number Onlinesim does not list is a 404 (fake v2.ts): list A and B.
  const client = new V2Client({ key: KEY, v2: v2Config({ baseUrl: urls.base }), logger: captureLogger().logger });
  const r = await client.sendNumbersOnline([
    { number: A, country_id: 7 },
    { number: B, country_id: 7 },
  ]);
  expect(r.ok).toBe(true);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fake.stop();
});

function batcher(v2: Partial<Config["onlinesim"]["v2"]> = {}, over: Partial<AddMessagesOptions> & { key?: string } = {}) {
  const log = captureLogger();
  const cfg = v2Config({ baseUrl: urls.base, ...v2 });
  const { key, ...rest } = over;
  const client = new V2Client({ key: key ?? KEY, v2: cfg, logger: log.logger, timeoutMs: 2_000 });
  const b = new AddMessagesBatcher({ client, repo: store.v2Messages, v2: cfg, logger: log.logger, random: () => 0.5, ...rest });
  cleanups.push(() => b.stop());
  return { b, log };
}

let seq = 0;
/** Store an SMS and queue it for v2; received a few seconds ago unless `receivedAt` says otherwise. */
function enqueue(number: string, text: string, from = "Telegram", receivedAt = Date.now() - 10_000 + ++seq * 10) {
  const smsId = storeSms(store, text, from);
  return store.v2Messages.enqueue(smsId, { number: number.replace("+", ""), from, text, receivedAt }, Date.now()).item;
}

describe("AddMessagesBatcher", () => {
  it("sends everything due in one addMessages with the exact items, and marks them sent", async () => {
    const m1 = enqueue(A, "code 111", "Instagram");
    const m2 = enqueue(B, "code 222");
    const m3 = enqueue(A, "Привет, код 333");
    const { b } = batcher();
    b.start();
    await until(() => b.stats().sent === 3);
    expect(fake.recorder.on("addMessages")).toHaveLength(1);
    expect(fake.recorder.on("addMessages")[0]).toMatchObject({ problems: [], warnings: [], status: 200 });
    expect(fake.v2.messages).toEqual([
      { date: String(Math.floor(m1.receivedAt / 1000)), number: A, from: "Instagram", message: "code 111" },
      { date: String(Math.floor(m2.receivedAt / 1000)), number: B, from: "Telegram", message: "code 222" },
      { date: String(Math.floor(m3.receivedAt / 1000)), number: A, from: "Telegram", message: "Привет, код 333" },
    ]);
    expect(store.v2Messages.get(m1.id)?.sentAt).not.toBeNull();
    expect(b.stats()).toMatchObject({ batches: 1, sent: 3, pending: 0, oldestPendingAgeMs: null, mode: "batch", lastError: null });
  });

  it("sends the first SMS after a quiet spell at once, then at most one batch per addMessagesBatchMs", async () => {
    const { b } = batcher({ addMessagesBatchMs: 400 });
    b.start();
    await sleep(50);
    const t0 = Date.now();
    enqueue(A, "first");
    b.wake();
    await until(() => fake.recorder.on("addMessages").length === 1);
    // "At once": well inside the 400 ms window it would otherwise wait (bounds wide for a loaded machine).
    expect(fake.recorder.on("addMessages")[0]!.at - t0).toBeLessThan(350);
    enqueue(A, "second");
    b.wake();
    enqueue(B, "third");
    b.wake();
    await until(() => b.stats().sent === 3, 2_000);
    const calls = fake.recorder.on("addMessages");
    expect(calls).toHaveLength(2);
    // Sent 400 ms apart; seen at the fake, the first POST's extra latency may eat into that.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(250);
    expect((calls[1]!.body as { messages: unknown[] }).messages).toHaveLength(2);
  });

  it("falls back to one addMessage per SMS when Onlinesim does not know addMessages", async () => {
    fake.fail({ path: "addMessages", terminal: "REQUEST_NOT_FOUND", times: Infinity });
    enqueue(A, "one");
    enqueue(B, "two");
    const { b, log } = batcher();
    b.start();
    await until(() => b.stats().sent === 2);
    expect(fake.v2.stats.addMessage).toBe(2);
    expect(fake.v2.messages.map((m) => m.message)).toEqual(["one", "two"]);
    expect(b.stats()).toMatchObject({ mode: "single", singles: 2 });
    expect(log.at("warn").some((l) => /REQUEST_NOT_FOUND.*sending one addMessage per SMS from now on/.test(l.msg))).toBe(true);
    enqueue(A, "three");
    b.wake();
    await until(() => b.stats().sent === 3);
    expect(fake.recorder.on("addMessages")).toHaveLength(1); // never tried again
  });

  it("one refused message does not hold back the batch; it is retried alone and delivered once its number is listed", async () => {
    const C = "+79160000003";
    enqueue(A, "fine");
    const bad = enqueue(C, "on an unlisted number");
    const { b } = batcher({}, { rejectRetryMs: 200 });
    b.start();
    await until(() => b.stats().sent === 1);
    expect(fake.v2.messages.map((m) => m.message)).toEqual(["fine"]);
    expect(store.v2Messages.get(bad.id)).toMatchObject({ sentAt: null, attempts: 1, lastError: expect.stringMatching(/^rejected: HTTP 404/) });
    // Onlinesim lists C now (e.g. the list push was late): the next retry gets through.
    await new V2Client({ key: KEY, v2: v2Config({ baseUrl: urls.base }), logger: captureLogger().logger }).sendNumbersOnline([
      { number: A, country_id: 7 },
      { number: C, country_id: 7 },
    ]);
    enqueue(A, "new one");
    b.wake();
    await until(() => b.stats().sent === 3, 3_000, "the retried message");
    expect(fake.v2.messages.map((m) => m.message)).toEqual(["fine", "new one", "on an unlisted number"]);
    // The suspect went out alone, not inside the new batch.
    expect(fake.recorder.on("addMessage").at(-1)!.body).toMatchObject({ message: "on an unlisted number" });
  });

  it("gives up a refused message past giveUpAfterMs", async () => {
    const bad = enqueue("+79160000009", "nobody lists this", "Telegram", Date.now() - 60_000);
    const { b } = batcher({}, { giveUpAfterMs: 30_000 });
    b.start();
    await until(() => b.stats().gaveUp === 1);
    expect(store.v2Messages.get(bad.id)).toMatchObject({ gaveUpAt: expect.any(Number), sentAt: null });
    expect(b.stats().pending).toBe(0);
  });

  it("backs off on 5xx, keeps the messages queued, and delivers them once", async () => {
    fake.fail({ path: "addMessages", status: 503, times: 1 });
    const m = enqueue(A, "after the outage");
    const { b, log } = batcher();
    b.start();
    await until(() => b.stats().failedAttempts === 1);
    expect(store.v2Messages.get(m.id)).toMatchObject({ attempts: 1, sentAt: null, lastError: expect.stringMatching(/^HTTP 503/) });
    expect(b.stats().pausedUntil).toBeGreaterThan(Date.now());
    await until(() => b.stats().sent === 1, 3_000);
    const calls = fake.recorder.on("addMessages");
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(850); // 1 s · 0.9 jitter
    expect(fake.v2.messages).toHaveLength(1);
    expect(log.at("warn").some((l) => /addMessages failed: HTTP 503.*1 SMS stay queued, retrying in 0\.9 s/.test(l.msg))).toBe(true);
  });

  it("a wrong key is logged at error with the remedy and pauses for ~10 s", async () => {
    enqueue(A, "held");
    const { b, log } = batcher({}, { key: "wrong-key-000" });
    b.start();
    await until(() => b.stats().failedAttempts === 1);
    await sleep(300);
    expect(fake.recorder.on("addMessages")).toHaveLength(1);
    expect(log.at("error")[0]!.msg).toMatch(/^Onlinesim v2 addMessages: ERROR_WRONG_KEY: .*check SIMGATE_ONLINESIM_KEY.*; 1 SMS stay queued, retrying in 9\.0 s$/);
    expect(b.stats()).toMatchObject({ pending: 1, sent: 0 });
  });

  it("without a baseUrl keeps everything queued (one warning); the queue survives a reopen and is sent once", async () => {
    enqueue(A, "survives");
    enqueue(B, "me too");
    const log = captureLogger();
    const cfg = v2Config({ addMessagesBatchMs: 0 });
    const idle = new AddMessagesBatcher({ client: new V2Client({ key: KEY, v2: cfg, logger: log.logger }), repo: store.v2Messages, v2: cfg, logger: log.logger });
    idle.start();
    idle.wake();
    await sleep(200);
    expect(fake.recorder.on("addMessages")).toHaveLength(0);
    expect(log.at("warn").map((l) => l.msg)).toEqual(["onlinesim.v2.baseUrl not set: 2 SMS queued for addMessages"]);
    await idle.stop();
    store = s.reopen();
    const { b } = batcher();
    b.start();
    await until(() => b.stats().sent === 2);
    await sleep(100);
    expect(fake.v2.messages.map((m) => m.message)).toEqual(["survives", "me too"]);
    expect(fake.recorder.on("addMessages")).toHaveLength(1);
  });

  it("stop() is bounded: a hanging request is aborted and its messages stay queued, unmarked", async () => {
    const m = enqueue(A, "hanging");
    fake.fail({ path: "addMessages", delayMs: 20_000 });
    const { b } = batcher({}, { stopTimeoutMs: 150 });
    b.start();
    await until(() => fake.recorder.on("addMessages").length === 1);
    const t0 = Date.now();
    await b.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(store.v2Messages.get(m.id)).toMatchObject({ attempts: 0, sentAt: null, lastError: null });
    b.wake();
    await sleep(100);
    expect(fake.recorder.on("addMessages")).toHaveLength(1);
  });

  it("a slow addMessages (answered after 12 s) is sent once with the default settings", async () => {
    enqueue(A, "slow batch");
    fake.fail({ path: "addMessages", delayMs: 12_000 });
    const cfg = { ...validateConfig({}).onlinesim.v2, baseUrl: urls.base };
    const log = captureLogger();
    const b = new AddMessagesBatcher({ client: new V2Client({ key: KEY, v2: cfg, logger: log.logger }), repo: store.v2Messages, v2: cfg, logger: log.logger });
    cleanups.push(() => b.stop());
    b.start();
    await until(() => b.stats().sent === 1, 25_000, "the slow batch recorded");
    expect(fake.recorder.on("addMessages")).toHaveLength(1);
    expect(fake.v2.stats.messages).toBe(1);
  }, 40_000);

  it("a batch that timed out is sent again only after at least 10 s (Onlinesim may still be storing it)", async () => {
    enqueue(A, "timed out once");
    fake.fail({ path: "addMessages", delayMs: 60_000 });
    const time = new ManualTime();
    const { b } = batcher({}, { clock: time.clock, timers: time.timers, client: new V2Client({ key: KEY, v2: v2Config({ baseUrl: urls.base }), logger: captureLogger().logger, timeoutMs: 200 }) });
    b.start();
    time.next(); // the first flush
    await until(() => b.stats().failedAttempts === 1, 5_000, "the timeout");
    expect(b.stats().lastError).toBe("addMessages: timeout after 200 ms");
    expect(b.stats().pausedUntil! - time.now).toBeGreaterThanOrEqual(10_000);
    // Timers due before the pause ends (the safety tick) send nothing.
    while (time.nextAt !== null && time.nextAt < b.stats().pausedUntil!) {
      time.next();
      await tick();
    }
    expect(fake.recorder.on("addMessages")).toHaveLength(1);
    time.next();
    await until(() => b.stats().sent === 1, 5_000, "the retry accepted");
    expect(fake.recorder.on("addMessages")).toHaveLength(2);
  });
});
