/**
 * No PUSH_SMS twice where it can be avoided (issue 12, defect 6), against the fake over real
 * HTTP with a real store:
 *  - a slow Onlinesim (answers after 12 s, beyond the old 10 s deadline) gets each SMS once;
 *  - every attempt is committed before its request leaves, so after a crash the rows that
 *    may have reached Onlinesim are known, and they are resent one at a time before the rest.
 */
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import type { SeenRequest } from "../../src/onlinesim/fake/index.js";
import { PushSmsSender, type PushSmsSenderOptions } from "../../src/outbound/index.js";
import { activation, captureLogger, fakeAndStore, KEY, pushConfig, queueSms, recordingTransport, until } from "./helpers.js";

const t = fakeAndStore();

function sender(over: Partial<PushSmsSenderOptions> = {}) {
  const log = captureLogger();
  const x = new PushSmsSender({ outbox: t.store.outbox, key: KEY, push: pushConfig({ url: t.urls.pushSms, rentUrl: t.urls.pushSmsRent }), logger: log.logger, ...over });
  t.cleanups.push(() => x.stop());
  return { x, log };
}

describe("PUSH_SMS duplicates", () => {
  it("a slow Onlinesim (answers after 12 s) gets the SMS once with the default settings", async () => {
    const a = await activation(t.store, 1);
    t.fake.openOperation({ activationId: a.id, number: a.number });
    const { outboxId } = queueSms(t.store, a, "slow but accepted");
    t.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 12_000 });
    const push = validateConfig({ onlinesim: { push: { url: t.urls.pushSms, rentUrl: t.urls.pushSmsRent } } }).onlinesim.push;
    const { x } = sender({ push });
    x.start();
    await until(() => t.store.outbox.get(outboxId)?.deliveredAt != null, 25_000, "the slow answer recorded");
    expect(t.fake.recorder.on("PUSH_SMS")).toHaveLength(1);
    expect(t.fake.duplicates).toBe(0);
    expect(t.store.outbox.get(outboxId)).toMatchObject({ attempts: 1, sendingSince: null });
  }, 40_000);

  it("records each attempt (committed) before its request leaves, and clears it with the answer", async () => {
    const a = await activation(t.store, 2);
    t.fake.openOperation({ activationId: a.id, number: a.number });
    const { outboxId } = queueSms(t.store, a, "recorded first");
    const seenAtArrival: Array<{ sendingSince: number | null | undefined; inTransaction: boolean }> = [];
    t.fake.events.on("request", (r: SeenRequest) => {
      if (r.path.endsWith("PUSH_SMS")) seenAtArrival.push({ sendingSince: t.store.outbox.get(outboxId)?.sendingSince, inTransaction: t.store.db.inTransaction });
    });
    const { x } = sender();
    x.start();
    await until(() => x.stats().delivered === 1);
    expect(seenAtArrival).toEqual([{ sendingSince: expect.any(Number), inTransaction: false }]);
    expect(t.store.outbox.get(outboxId)).toMatchObject({ attempts: 1, sendingSince: null, deliveredAt: expect.any(Number) });
  });

  it("after a stop that cut attempts short, resends exactly those first, one at a time, then the rest", async () => {
    const rows: number[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await activation(t.store, 10 + i);
      t.fake.openOperation({ activationId: a.id, number: a.number });
      rows.push(queueSms(t.store, a, `sms ${i}`).outboxId);
    }
    // Onlinesim holds the first four: they are in flight when the process goes away.
    t.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 60_000, times: 4 });
    const first = sender({ stopTimeoutMs: 100 });
    first.x.start();
    await until(() => t.fake.recorder.on("PUSH_SMS").length === 4);
    await first.x.stop();
    const inFlight = rows.filter((id) => t.store.outbox.get(id)?.sendingSince !== null);
    expect(inFlight).toEqual(rows.slice(0, 4));

    t.reopen();
    t.fake.fail({ path: "/v1/PUSH_SMS", delayMs: 30, times: Infinity });
    const rec = recordingTransport();
    const second = sender({ transport: rec.transport });
    second.x.start();
    await until(() => second.x.stats().delivered === 6, 5_000, "6 deliveries");
    const order = rec.calls.map((c) => c.body["text"]);
    expect(order.slice(0, 4)).toEqual(["sms 0", "sms 1", "sms 2", "sms 3"]);
    // Each of them alone on the wire; the untried two may go together afterwards.
    expect(rec.calls.slice(0, 4).map((c) => c.concurrent)).toEqual([0, 0, 0, 0]);
    expect(order.slice(4).sort()).toEqual(["sms 4", "sms 5"]);
    expect(rec.calls).toHaveLength(6);
    expect(second.x.stats().resending).toBe(0);
    const warned = second.log.at("warn").filter((l) => l["event"] === "push-resend-in-flight");
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ count: 4 });
  });
});
