/**
 * Rows handed to the PUSH_SMS sender by `queued(id)` (src/outbound/push-sms-sender.ts,
 * "Picking without a query"): while every pending row is in flight a new row goes out
 * without asking the store what is due, and whatever Onlinesim answers meanwhile (refusals,
 * errors, slow answers, a number's SMS arriving back to back, more SMS than free slots)
 * every SMS still reaches Onlinesim exactly once, one per number at a time, within the
 * concurrency limit. Real loopback HTTP, a real SQLite store.
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { PushSmsSender } from "../../src/outbound/index.js";
import type { Store } from "../../src/store/index.js";
import type { Reservation } from "../../src/sales/types.js";
import { activation, captureLogger, KEY, pushConfig, queueSms, sleep, tempStore, until } from "./helpers.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Answer = "ok" | "slow-ok" | "http-500" | "http-400" | "no-operation";

/** A PUSH_SMS endpoint answering from a script (then "ok" for good), recording what it accepted and what overlapped. */
async function scriptedOnlinesim(script: Answer[]) {
  const accepted: Array<{ phone: string; text: string }> = [];
  const inFlightPhones = new Set<string>();
  let inFlight = 0;
  let maxInFlight = 0;
  let samePhoneOverlap = 0;
  let n = 0;
  const srv = createServer((req, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      const push = JSON.parse(body) as { phone: string; text: string };
      const answer = script[n++] ?? "ok";
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (inFlightPhones.has(push.phone)) samePhoneOverlap++;
      inFlightPhones.add(push.phone);
      const reply = (status: number, json: unknown, accept: boolean) => {
        inFlight--;
        inFlightPhones.delete(push.phone);
        if (accept) accepted.push(push);
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      };
      if (answer === "slow-ok") setTimeout(() => reply(200, { response: 1 }, true), 30);
      else if (answer === "ok") reply(200, { response: 1 }, true);
      else if (answer === "http-500") reply(500, { response: "ERROR" }, false);
      else if (answer === "http-400") reply(400, { response: "BAD_REQUEST" }, false);
      else reply(200, { response: "NO_OPERATION" }, false);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
  cleanups.push(() => srv.closeAllConnections());
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/push`, accepted, maxInFlight: () => maxInFlight, samePhoneOverlap: () => samePhoneOverlap };
}

function newStore(): Store {
  const sync: Array<() => void> = [];
  const store = tempStore(sync).store();
  cleanups.push(...sync);
  return store;
}

/** Counts the due-rows queries the sender makes. */
function countQueries(store: Store): () => number {
  let n = 0;
  const original = store.outbox.nextToSend.bind(store.outbox);
  store.outbox.nextToSend = (...args) => {
    n++;
    return original(...args);
  };
  return () => n;
}

describe("PUSH_SMS rows handed over by queued()", () => {
  it("while every pending row is in flight, a queued SMS goes out without the due-rows query", async () => {
    const store = newStore();
    const onlinesim = await scriptedOnlinesim([]);
    const queries = countQueries(store);
    const sender = new PushSmsSender({ outbox: store.outbox, key: KEY, push: pushConfig({ url: onlinesim.url }), logger: captureLogger().logger });
    cleanups.push(() => sender.stop());
    sender.start();
    await sleep(20);
    const atStart = queries();
    const acts = await Promise.all(Array.from({ length: 4 }, (_, i) => activation(store, 200 + i)));
    for (let i = 0; i < 20; i++) {
      sender.queued(queueSms(store, acts[i % 4]!, `code ${i}`).outboxId);
      await until(() => onlinesim.accepted.length === i + 1, 5000, `SMS ${i}`);
    }
    await until(() => sender.stats().delivered === 20 && sender.stats().inFlight === 0, 5000, "20 recorded");
    expect(queries()).toBe(atStart);
    expect(onlinesim.accepted.map((p) => p.text)).toEqual(Array.from({ length: 20 }, (_, i) => `code ${i}`));
    expect(store.outbox.pendingCount()).toBe(0);
  });

  it("a number's second SMS queued while its first is in flight, and more SMS than free slots, all go out (from the store) in order", async () => {
    const store = newStore();
    const onlinesim = await scriptedOnlinesim(Array.from({ length: 12 }, () => "slow-ok" as const));
    const sender = new PushSmsSender({ outbox: store.outbox, key: KEY, push: pushConfig({ url: onlinesim.url, concurrency: 2 }), logger: captureLogger().logger });
    cleanups.push(() => sender.stop());
    sender.start();
    await sleep(20);
    const acts = await Promise.all(Array.from({ length: 3 }, (_, i) => activation(store, 250 + i)));
    // One turn: 2 SMS for each of 3 numbers, 2 slots.
    for (let i = 0; i < 6; i++) sender.queued(queueSms(store, acts[i % 3]!, `n${i % 3} #${Math.floor(i / 3)}`).outboxId);
    await until(() => sender.stats().delivered === 6, 10_000, "6 deliveries");
    for (const n of [0, 1, 2]) expect(onlinesim.accepted.filter((p) => p.text.startsWith(`n${n} `)).map((p) => p.text)).toEqual([`n${n} #0`, `n${n} #1`]);
    expect(onlinesim.maxInFlight()).toBe(2);
    expect(onlinesim.samePhoneOverlap()).toBe(0);
  });

  it("whatever Onlinesim answers and however the SMS interleave, each reaches it once, one per number at a time, within the concurrency", async () => {
    const answer = fc.constantFrom<Answer>("ok", "ok", "slow-ok", "http-500", "http-400", "no-operation");
    const step = fc.oneof(
      fc.record({ sms: fc.integer({ min: 0, max: 3 }) }), // an SMS for one of four numbers
      fc.record({ pauseMs: fc.integer({ min: 0, max: 40 }) }),
      fc.constant({ wake: true as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { maxLength: 30 }), fc.array(step, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 4 }), async (script, steps, concurrency) => {
        const store = newStore();
        const onlinesim = await scriptedOnlinesim(script);
        const sender = new PushSmsSender({
          outbox: store.outbox,
          key: KEY,
          push: pushConfig({ url: onlinesim.url, retryMs: 15, backoffMaxMs: 30, concurrency }),
          logger: captureLogger().logger,
          random: () => 0,
        });
        cleanups.push(() => sender.stop());
        sender.start();
        const acts: Reservation[] = await Promise.all(Array.from({ length: 4 }, (_, i) => activation(store, 300 + i)));
        const sent: Array<{ outboxId: number; text: string }> = [];
        for (const s of steps) {
          if ("sms" in s) {
            const text = `sms ${sent.length}`;
            const { outboxId } = queueSms(store, acts[s.sms]!, text);
            sent.push({ outboxId, text });
            sender.queued(outboxId);
          } else if ("pauseMs" in s) await sleep(s.pauseMs);
          else sender.wake();
        }
        // Last, in one turn: two SMS for every number (more than the free slots, each number busy with its first).
        for (let i = 0; i < 8; i++) {
          const text = `sms ${sent.length}`;
          const { outboxId } = queueSms(store, acts[i % 4]!, text);
          sent.push({ outboxId, text });
          sender.queued(outboxId);
        }
        await until(() => store.outbox.pendingCount() === 0, 20_000, "every SMS settled");
        await sender.stop();
        const gaveUp = sent.filter((x) => store.outbox.get(x.outboxId)!.gaveUpAt !== null).map((x) => x.text);
        const delivered = sent.filter((x) => store.outbox.get(x.outboxId)!.deliveredAt !== null).map((x) => x.text);
        expect(delivered.length + gaveUp.length).toBe(sent.length);
        // Accepted exactly once: the delivered ones, and nothing else.
        expect([...onlinesim.accepted.map((p) => p.text)].sort()).toEqual([...delivered].sort());
        expect(onlinesim.maxInFlight()).toBeLessThanOrEqual(concurrency);
        expect(onlinesim.samePhoneOverlap()).toBe(0);
      }),
      { numRuns: 25 },
    );
  }, 240_000);
});
