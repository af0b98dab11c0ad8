/**
 * The SMS outbox worker of a SMSHUB-family marketplace (src/markets/sms-outbox-worker.ts):
 * a real SQLite store with reservations claimed through the sales ledger, real loopback HTTP
 * to the real FakeSmshub (behind a scripted proxy for the bad days), retry and probe timers
 * on a hand-driven clock. Proves: each SMS delivered once with the exact text and its own
 * smsId; only this marketplace's rows are read, and with Onlinesim's PUSH_SMS sender running
 * on the same store each SMS reaches exactly its holder; a marketplace that is down gets one probe
 * per back-off step and then the backlog, oldest first; crash leftovers go first and alone;
 * a refusal is retried after the marketplace's 10 s; expired rows are given up; stop() with
 * a hung marketplace returns within its grace and leaves the row queued.
 */
import { describe, expect, it } from "vitest";
import type { MarketOutbox } from "../../src/markets/sms-outbox-worker.js";
import { SmsOutboxWorker } from "../../src/markets/sms-outbox-worker.js";
import { PUSH_SMS_RETRY_MS, SmshubSmsDelivery } from "../../src/markets/smshub/push-sms.js";
import { DIALECTS } from "../../src/markets/smshub/dialects.js";
import { ONLINESIM } from "../../src/markets/onlinesim/v1-market.js";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { PushSmsSender } from "../../src/outbound/index.js";
import { marketOutboxOf } from "../../src/store/index.js";
import { captureLogger, KEY, ManualTime, pushConfig, until } from "../outbound/helpers.js";
import { HUB, HUB_KEY, hubHarness, hubWorker, receive, reserve, runFor, settled } from "./sms-outbox-harness.js";

const h = hubHarness();

/** SMS the fake accepted, in the order it accepted them. */
const accepted = () => [...h.fake.book.openOrders(), ...h.fake.book.closedOrders()].flatMap((o) => o.sms.map((s) => ({ ...s, number: o.number })));

describe("the SQLite outbox fits the worker's port", () => {
  it("marketOutboxOf(store.outbox, market) is a MarketOutbox", () => {
    const port: MarketOutbox = marketOutboxOf(h.store.outbox, HUB);
    expect(port.pendingCount()).toBe(0);
    expect(() => marketOutboxOf(h.store.outbox, " ")).toThrow(/marketplace id is required/);
  });

  it("a worker given another marketplace's delivery refuses to start, in one line", () => {
    const delivery = new SmshubSmsDelivery({ market: "smsbower", dialect: DIALECTS.smsbower, url: h.url, key: HUB_KEY });
    expect(() => hubWorker(h, { delivery })).toThrow("SMS outbox of 'smshub' given the delivery of 'smsbower'");
  });
});

describe("delivering the SMS held by a SMSHUB reservation", () => {
  it("delivers it once, with the exact text and the stored SMS's id, gzip-compressed as SMSHUB requires", async () => {
    const r = await reserve(h, HUB);
    const text = "VK: 33708 – ваш код. Никому не говорите!";
    const { outboxId, smsId } = await receive(h, r, text);
    const { worker } = hubWorker(h);
    worker.start();
    await until(() => h.store.outbox.get(outboxId)?.deliveredAt != null, 10_000, "the SMS delivered");
    await settled(worker);
    expect(accepted()).toEqual([expect.objectContaining({ smsId, text, from: "VK", number: r.number })]);
    expect(h.fake.push.stats).toMatchObject({ accepted: 1, received: 1, duplicates: 0, refused: 0 });
    expect(h.fake.violations).toEqual([]);
    expect(h.store.outbox.get(outboxId)).toMatchObject({ attempts: 1, sendingSince: null, lastError: null });
    expect(worker.stats()).toMatchObject({ market: HUB, delivered: 1, failedAttempts: 0, gaveUp: 0, pending: 0, oldestPendingAgeMs: null, inFlight: 0, pausedUntil: null });
  });

  it("never reads, sends or counts an Onlinesim reservation's SMS, not even one left in flight by a crash", async () => {
    const os1 = await reserve(h, ONLINESIM);
    const os2 = await reserve(h, ONLINESIM);
    const hub = await reserve(h, HUB);
    const queuedFirst = await receive(h, os1, "Onlinesim code 111111"); // older: due first
    const crashed = await receive(h, os2, "Onlinesim code 222222");
    h.store.outbox.markSending([crashed.outboxId], Date.now()); // as if Onlinesim's sender died mid-request
    const mine = await receive(h, hub, "SMSHUB code 333333");
    const { worker, log } = hubWorker(h);
    worker.start();
    await until(() => h.store.outbox.get(mine.outboxId)?.deliveredAt != null, 10_000, "the SMSHUB row delivered");
    await settled(worker);
    expect(h.proxy.seen.map((s) => s.text)).toEqual(["SMSHUB code 333333"]);
    expect(h.store.outbox.get(queuedFirst.outboxId)).toMatchObject({ attempts: 0, deliveredAt: null, gaveUpAt: null, sendingSince: null, lastError: null });
    expect(h.store.outbox.get(crashed.outboxId)).toMatchObject({ attempts: 1, deliveredAt: null, gaveUpAt: null });
    expect(log.at("warn").filter((l) => /in flight when simgate last stopped/.test(l.msg))).toEqual([]);
    expect(worker.stats()).toMatchObject({ delivered: 1, pending: 0, resending: 0 });
    expect(h.store.outbox.pendingCount()).toBe(2); // still queued, for Onlinesim's sender
  });
});

describe("one store, two marketplaces, both senders at once", () => {
  it("every SMS reaches exactly the marketplace holding its number, once, including both markets' crash leftovers", async () => {
    const onlinesim = new FakeOnlinesim({ key: KEY });
    const urls = await onlinesim.start();
    h.cleanups.push(() => onlinesim.stop());
    const held: Array<{ market: string; text: string; outboxId: number }> = [];
    const reservations = [];
    for (let i = 0; i < 6; i++) {
      const market = i % 2 === 0 ? HUB : ONLINESIM;
      const r = await reserve(h, market);
      if (market === ONLINESIM) onlinesim.openOperation({ activationId: r.id, number: r.number });
      reservations.push(r);
    }
    for (let i = 0; i < 24; i++) {
      const r = reservations[i % reservations.length]!;
      const text = `${r.market} code ${String(100000 + i)}`;
      held.push({ market: r.market, text, outboxId: (await receive(h, r, text)).outboxId });
    }
    // Each marketplace's sender died with one attempt in flight.
    h.store.outbox.markSending([held[0]!.outboxId, held[1]!.outboxId], Date.now() - 1_000);
    const { worker } = hubWorker(h);
    const push = new PushSmsSender({ outbox: h.store.outbox, key: KEY, push: pushConfig({ url: urls.pushSms, rentUrl: urls.pushSmsRent }), logger: captureLogger().logger });
    h.cleanups.push(() => push.stop());
    worker.start();
    push.start();
    await until(() => h.store.outbox.pendingCount() === 0, 20_000, "every SMS delivered");
    await settled(worker);
    const textsOf = (market: string) => held.filter((x) => x.market === market).map((x) => x.text).sort();
    expect(accepted().map((x) => x.text).sort()).toEqual(textsOf(HUB));
    const onlinesimTexts = onlinesim.recorder.all().filter((e) => e.path.endsWith("PUSH_SMS")).map((e) => String((e.body as { text?: unknown }).text));
    expect([...onlinesimTexts].sort()).toEqual(textsOf(ONLINESIM));
    expect(h.fake.push.stats).toMatchObject({ accepted: 12, duplicates: 0, notHeld: 0 });
    expect(onlinesim.duplicates).toBe(0);
    expect(h.fake.violations).toEqual([]);
    expect(worker.stats()).toMatchObject({ delivered: 12, pending: 0 });
    expect(push.stats()).toMatchObject({ delivered: 12, pending: 0 });
  });
});

describe("a marketplace that is down", () => {
  it("gets one probe per back-off step, never two at once, then the backlog drains oldest first, each SMS once", async () => {
    const numbers = await Promise.all([0, 1, 2, 3, 4, 5].map(() => reserve(h, HUB)));
    const queue: Array<{ smsId: number; number: string; text: string }> = [];
    for (let i = 0; i < 18; i++) {
      const r = numbers[i % numbers.length]!;
      const text = `backlog ${String(i).padStart(2, "0")}`;
      queue.push({ ...(await receive(h, r, text)), number: r.number, text });
    }
    h.proxy.fallback = "503";
    const time = new ManualTime(); // after the rows were queued (at real time): they are due
    const { worker, log } = hubWorker(h, { time, backoffMaxMs: 60_000 });
    worker.start();
    await settled(worker);
    const firstWave = h.proxy.seen.length;
    expect(firstWave).toBeLessThanOrEqual(4); // concurrency, before the first 503 closed the destination
    expect(worker.stats().pausedUntil).not.toBeNull();

    await runFor(time, worker, 10 * 60_000); // ten minutes of outage
    const probes = h.proxy.seen.slice(firstWave);
    // 10 s, 20 s, 40 s, then every 60 s (× 1.125 jitter with random 0.5): about 12 in ten minutes.
    expect(probes.length).toBeGreaterThanOrEqual(8);
    expect(probes.length).toBeLessThanOrEqual(14);
    expect(probes.every((p) => p.concurrent === 0)).toBe(true);
    expect(new Set(probes.map((p) => p.smsId))).toEqual(new Set([queue[0]!.smsId])); // always the oldest SMS
    expect(log.at("warn").filter((l) => l.event === "market-sms-backoff")).toHaveLength(1);
    expect(worker.stats()).toMatchObject({ delivered: 0, pending: 18 });

    h.proxy.fallback = "pass";
    await runFor(time, worker, 2 * 60_000);
    await until(() => worker.stats().delivered === 18, 10_000, "the backlog delivered");
    expect(h.fake.push.stats).toMatchObject({ accepted: 18, duplicates: 0 });
    expect(h.fake.violations).toEqual([]);
    // The first accepted is the probe: the oldest SMS. Each number's SMS arrived in the order they came.
    expect(accepted().length).toBe(18);
    const firstAccepted = h.proxy.seen.find((s) => s.behaviour === "pass");
    expect(firstAccepted?.smsId).toBe(queue[0]!.smsId);
    for (const r of numbers) {
      const order = h.fake.book.byNumber(r.number)!;
      expect(order.sms.map((s) => s.text)).toEqual(queue.filter((q) => q.number === r.number).map((q) => q.text));
    }
    expect(h.proxy.seen.every((s) => !s.sameSmsInFlight && s.concurrent < 4)).toBe(true);
    expect(worker.stats()).toMatchObject({ pending: 0, pausedUntil: null, inFlight: 0 });
    expect(log.at("info").some((l) => l.event === "market-sms-answers")).toBe(true);
  });

  it("no answer at all (a dropped connection, then a hang past the deadline) backs off the same way", async () => {
    const r = await reserve(h, HUB);
    const { outboxId } = await receive(h, r, "code 424242");
    const time = new ManualTime();
    h.proxy.script = ["drop", "hang"];
    const { worker } = hubWorker(h, { time, timeoutMs: 1_000 });
    worker.start();
    await settled(worker);
    expect(worker.stats()).toMatchObject({ failedAttempts: 1, pending: 1 });
    const first = worker.stats().pausedUntil!;
    expect(first - time.now).toBe(Math.round(PUSH_SMS_RETRY_MS * 1.125));
    // The row's own retry (10 s) comes first, but only the probe (11.25 s) may go: it hangs until the 1 s deadline.
    await untilRequests(time, worker, 2);
    expect(time.now).toBe(first);
    expect(worker.stats().lastError).toMatch(/timeout after 1000 ms/);
    expect(worker.stats().pausedUntil! - time.now).toBe(Math.round(2 * PUSH_SMS_RETRY_MS * 1.125)); // the step doubled
    await untilRequests(time, worker, 3);
    expect(h.store.outbox.get(outboxId)).toMatchObject({ attempts: 3, deliveredAt: expect.any(Number) });
    expect(h.fake.push.stats).toMatchObject({ accepted: 1, duplicates: 0 });
  });
});

/** Fire timers one by one until the proxy has seen `n` requests (bounded). */
async function untilRequests(time: ManualTime, worker: SmsOutboxWorker, n: number): Promise<void> {
  for (let i = 0; i < 20 && h.proxy.seen.length < n; i++) {
    time.next();
    await settled(worker);
  }
  expect(h.proxy.seen).toHaveLength(n);
}

describe("a refusal of one SMS", () => {
  it("is retried after the marketplace's 10 s, without holding back other numbers, and its error is kept without the key", async () => {
    const a = await reserve(h, HUB);
    const b = await reserve(h, HUB);
    const refused = await receive(h, a, "refused first");
    const time = new ManualTime();
    // A marketplace that echoes our request in its error: the key must not reach the store or the log.
    h.proxy.refusal = JSON.stringify({ status: "ERROR", error: `TRY_LATER for {"key":"${HUB_KEY}"}` });
    h.proxy.script = ["refuse"];
    const { worker, log } = hubWorker(h, { time });
    worker.start();
    await settled(worker);
    const refusedAt = time.now;
    const row = h.store.outbox.get(refused.outboxId)!;
    expect(row).toMatchObject({ attempts: 1, deliveredAt: null, sendingSince: null, nextTryAt: refusedAt + PUSH_SMS_RETRY_MS });
    expect(row.lastError).toMatch(/HTTP 200: .*TRY_LATER/);
    expect(row.lastError).not.toContain(HUB_KEY);
    expect(worker.stats().lastError).not.toContain(HUB_KEY);
    expect(JSON.stringify(log.lines)).not.toContain(HUB_KEY);
    expect(worker.stats()).toMatchObject({ pausedUntil: null, failedAttempts: 1 }); // the destination answered: not backing off

    const other = await receive(h, b, "another number goes at once");
    time.now = Math.max(time.now, Date.now()); // queued at real time: due now
    worker.queued(other.outboxId);
    await settled(worker);
    expect(h.store.outbox.get(other.outboxId)?.deliveredAt).toBe(time.now);
    expect(h.store.outbox.get(refused.outboxId)?.deliveredAt).toBeNull();

    expect(time.nextAt).toBe(refusedAt + PUSH_SMS_RETRY_MS);
    time.next();
    await settled(worker);
    expect(h.store.outbox.get(refused.outboxId)).toMatchObject({ attempts: 2, deliveredAt: refusedAt + PUSH_SMS_RETRY_MS, lastError: null });
    expect(accepted().map((s) => s.text).sort()).toEqual(["another number goes at once", "refused first"]);
  });
});

describe("crash leftovers", () => {
  it("a row in flight at a crash is resent first and alone, then the rest go", async () => {
    const numbers = await Promise.all([0, 1, 2, 3].map(() => reserve(h, HUB)));
    const rows = [];
    for (const [i, r] of numbers.entries()) rows.push(await receive(h, r, `queued ${i}`));
    // The crashed run had committed the attempt of the third row, and died before its answer.
    h.store.outbox.markSending([rows[2]!.outboxId], Date.now() - 1_000);
    const store = h.reopen();
    const { worker, log } = hubWorker(h);
    worker.start();
    await until(() => worker.stats().delivered === 4, 10_000, "all four delivered");
    const seen = h.proxy.seen;
    expect(seen[0]!.text).toBe("queued 2");
    // Nothing went with it, and nothing else started before its answer.
    expect(seen.slice(1).every((s) => !s.overlapping.includes(0))).toBe(true);
    expect(seen).toHaveLength(4);
    expect(store.outbox.get(rows[2]!.outboxId)).toMatchObject({ attempts: 2, sendingSince: null, deliveredAt: expect.any(Number) });
    expect(log.at("warn").filter((l) => l.event === "market-sms-resend-in-flight")).toHaveLength(1);
    expect(h.fake.push.stats).toMatchObject({ accepted: 4, duplicates: 0 });
  });
});

describe("a store that fails", () => {
  it("an answer it could not record is written later, and the SMS is not sent again meanwhile", async () => {
    const r = await reserve(h, HUB);
    const { outboxId } = await receive(h, r, "recorded late");
    const time = new ManualTime();
    const real = marketOutboxOf(h.store.outbox, HUB);
    let failWrites = 2; // the answer's own write, and the retry of the pump its settle kicks
    const outbox: MarketOutbox = {
      ...real,
      markDelivered: (id, at) => {
        if (failWrites-- > 0) throw new Error("SQLITE_FULL: database or disk is full");
        return real.markDelivered(id, at);
      },
    };
    const { worker, log } = hubWorker(h, { time, outbox });
    worker.start();
    await until(() => failWrites === 0 && log.at("error").length === 2, 5_000, "two failed writes");
    // The row stays "in flight" (its outcome is not written), so it is not picked again.
    expect(worker.stats()).toMatchObject({ inFlight: 1, delivered: 0, lastError: "store: SQLITE_FULL: database or disk is full" });
    expect(log.at("error").map((l) => l.msg)).toEqual([
      `PUSH_SMS to smshub: store failed while recording the answer to PUSH_SMS ${outboxId}`,
      "PUSH_SMS to smshub: store failed while picking what to send",
    ]);
    expect(h.store.outbox.get(outboxId)).toMatchObject({ deliveredAt: null, sendingSince: expect.any(Number) });
    expect(time.nextAt).toBe(time.now + PUSH_SMS_RETRY_MS); // the store is tried again after the retry period
    time.next(); // that pump writes the answer first, and does not send the row again
    await settled(worker);
    expect(h.store.outbox.get(outboxId)).toMatchObject({ deliveredAt: expect.any(Number), sendingSince: null, attempts: 1 });
    expect(h.proxy.seen).toHaveLength(1);
    expect(h.fake.push.stats).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(worker.stats()).toMatchObject({ delivered: 1, inFlight: 0, pending: 0 });
  });
});

describe("expiry", () => {
  it("a row whose reservation closed more than giveUpAfterCloseMs ago is given up, not sent", async () => {
    const time = new ManualTime();
    const r = await reserve(h, HUB);
    const { outboxId } = await receive(h, r, "too late");
    const closed = await h.store.sales.close({ id: r.id, market: HUB, outcome: { kind: "sold" }, status: 3, finishSum: null, closedAt: time.now, by: "finish" });
    expect(closed.kind).toBe("closed");
    time.now += 30 * 60_000 + 1;
    const { worker, log } = hubWorker(h, { time, giveUpAfterCloseMs: 30 * 60_000 });
    worker.start();
    await until(() => worker.stats().gaveUp === 1, 5_000, "the row given up");
    await settled(worker);
    expect(h.proxy.seen).toEqual([]);
    const row = h.store.outbox.get(outboxId)!;
    expect(row.gaveUpAt).toBe(time.now);
    expect(row.lastError).toMatch(/^expired: reservation \d+ closed more than 1800000 ms ago/);
    expect(log.at("warn").some((l) => /given up: expired/.test(l.msg))).toBe(true);
  });

  it("a refused row is given up once its reservation closed long enough ago, at its next answer", async () => {
    const time = new ManualTime();
    const r = await reserve(h, HUB);
    const { outboxId } = await receive(h, r, "refused until expiry");
    await h.store.sales.close({ id: r.id, market: HUB, outcome: { kind: "sold" }, status: 3, finishSum: null, closedAt: time.now, by: "finish" });
    h.proxy.fallback = "refuse";
    const { worker } = hubWorker(h, { time, giveUpAfterCloseMs: 60_000 });
    worker.start();
    await runFor(time, worker, 2 * 60_000);
    const row = h.store.outbox.get(outboxId)!;
    expect(row.gaveUpAt).not.toBeNull();
    expect(row.lastError).toMatch(/^expired: .*\(last error: HTTP 200: .*TRY_LATER/);
    // Every 10 s while not expired, then no more.
    expect(h.proxy.seen.length).toBeGreaterThanOrEqual(6);
    expect(h.proxy.seen.length).toBeLessThanOrEqual(8);
    expect(worker.stats()).toMatchObject({ gaveUp: 1, pending: 0 });
  });
});

describe("stop()", () => {
  it("with a hung marketplace returns within its grace, aborts, leaves the row queued, and marks nothing afterwards", async () => {
    const r = await reserve(h, HUB);
    const { outboxId } = await receive(h, r, "hung at stop");
    h.proxy.fallback = "hang";
    const { worker, log } = hubWorker(h, { stopTimeoutMs: 300, timeoutMs: 120_000 });
    worker.start();
    await until(() => h.proxy.inFlight === 1, 5_000, "the request at the marketplace");
    const t0 = Date.now();
    await worker.stop();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(60_000); // did not wait for the 120 s deadline
    const after = h.store.outbox.get(outboxId);
    // Still queued and still "in flight": the next start resends it first.
    expect(after).toMatchObject({ attempts: 1, deliveredAt: null, gaveUpAt: null, sendingSince: expect.any(Number), lastError: null });
    expect(log.at("warn").some((l) => /still in flight at stop: aborted/.test(l.msg))).toBe(true);
    await until(() => h.proxy.inFlight === 0, 5_000, "the aborted request closed");
    expect(h.store.outbox.get(outboxId)).toEqual(after);
    worker.wake(); // a stopped worker does nothing
    await settled(worker);
    expect(h.proxy.seen).toHaveLength(1);

    h.proxy.fallback = "pass";
    const next = new SmsOutboxWorker({
      market: HUB,
      delivery: new SmshubSmsDelivery({ market: HUB, dialect: DIALECTS.smshub, url: h.url, key: HUB_KEY }),
      outbox: marketOutboxOf(h.store.outbox, HUB),
      logger: log.logger,
    });
    h.cleanups.push(() => next.stop());
    next.start();
    await until(() => h.store.outbox.get(outboxId)?.deliveredAt != null, 10_000, "resent after restart");
    expect(h.fake.push.stats).toMatchObject({ accepted: 1, duplicates: 0 });
  });
});
