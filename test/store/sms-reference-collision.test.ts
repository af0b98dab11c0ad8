/**
 * Issue 12 defect 7, the exact case: part 1 (UCS-2) of one message, received at 18:11:11,
 * was joined with parts 2-3 (GSM 7-bit) of another received at 18:11:16; both from sender
 * `Verify`, reference 182, 3 parts. The first part was kept across a restart. Real SQLite
 * store, the daemon's restore path (restoreAssembler), PDUs from the codec.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { encodeDeliver } from "../../src/codec/index.js";
import { silentLogger } from "../../src/log/logger.js";
import { buildPart, type CompleteSms, type MessageAssembler, type ReceivedPart } from "../../src/sms/index.js";
import { openStore, type Store } from "../../src/store/index.js";
import { restoreAssembler } from "../../src/store/sms-recovery.js";
import { tempStateDir } from "./helpers.js";

const ICCID = "8970100000000000001";
const TIMEOUT_MS = 10 * 60_000;

function parts(text: string, at: Date): ReceivedPart[] {
  return encodeDeliver({ sender: "Verify", text, timestamp: at, concatRef: 182, smsc: "+79168999100" }).map((p, i) => {
    const { part } = buildPart({ portId: "usb-1-1", iccid: ICCID, memory: "ME", index: i + 1, pdu: p.hex, tpduLength: p.tpduLength, receivedAt: at });
    return part;
  });
}

/** Message A in UCS-2 (Cyrillic), message B in GSM 7-bit, three parts each, five seconds apart. */
function theCase(): { a: ReceivedPart[]; b: ReceivedPart[] } {
  const a = parts("Код подтверждения Verify: 481516. Никому не сообщайте этот код. ".repeat(3), new Date("2026-11-30T18:11:11+03:00"));
  const b = parts("Your Verify code is 234200. Do not share it with anyone, our staff never asks for it. ".repeat(4), new Date("2026-11-30T18:11:16+03:00"));
  expect([a.length, b.length]).toEqual([3, 3]);
  expect([a[0]!.decoded?.encoding, b[1]!.decoded?.encoding]).toEqual(["ucs2", "gsm7"]);
  expect([a[0]!.decoded?.concat, b[1]!.decoded?.concat]).toMatchObject([{ ref: 182, total: 3 }, { ref: 182, total: 3 }]);
  return { a, b };
}

describe("colliding concatenation references (issue 12 defect 7)", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it("part 1 (UCS-2) kept across a restart is not completed by parts 2-3 (GSM 7-bit) of another message: two incomplete messages, each with its own parts", () => {
    const dir = tempStateDir();
    cleanups.push(dir.cleanup);
    const open = (): Store => {
      const s = openStore({ stateDir: dir.dir, busyTimeoutMs: 200 });
      cleanups.unshift(() => s.close());
      return s;
    };
    const { a, b } = theCase();
    const before = open();
    before.sms.acceptPart(a[0]!);
    before.close();

    const store = open();
    const { assembler, completed } = restoreAssembler(store.sms, "usb-1-1", TIMEOUT_MS, silentLogger());
    expect(completed).toEqual([]);
    const delivered: CompleteSms[] = [];
    for (const p of [b[1]!, b[2]!]) {
      store.sms.acceptPart(p);
      const done = assembler.add(p, p.receivedAt.getTime());
      if (done) delivered.push(done);
    }
    // Nothing is complete: A waits for its parts 2-3, B for its part 1.
    expect(delivered).toEqual([]);
    delivered.push(...assembler.expire(b[2]!.receivedAt.getTime() + TIMEOUT_MS));
    for (const sms of delivered) store.sms.storeMessage(sms);

    const byFirstPart = new Map(delivered.map((m) => [m.parts[0]!.pdu, m]));
    const fromA = byFirstPart.get(a[0]!.pdu);
    const fromB = byFirstPart.get(b[1]!.pdu);
    expect(delivered).toHaveLength(2);
    expect(fromA?.parts.map((p) => p.pdu)).toEqual([a[0]!.pdu]);
    expect(fromA?.missingParts).toEqual([2, 3]);
    expect(fromA?.text).toMatch(/^Код подтверждения Verify: 481516\..*\[part 2\/3 missing\]\[part 3\/3 missing\]$/s);
    expect(fromB?.parts.map((p) => p.pdu)).toEqual([b[1]!.pdu, b[2]!.pdu]);
    expect(fromB?.missingParts).toEqual([1]);
    expect(fromB?.text.startsWith("[part 1/3 missing]")).toBe(true);
    // Every part belongs to exactly one stored message.
    expect(store.sms.unassembledParts("usb-1-1")).toEqual([]);
  });

  it("the same without a restart: the live assembler keeps them apart too", () => {
    const { a, b } = theCase();
    const { assembler } = restoreAssembler({ unassembledParts: () => [] } as never, "usb-1-1", TIMEOUT_MS, silentLogger());
    const out = [a[0]!, b[1]!, b[2]!].map((p) => assembler.add(p, p.receivedAt.getTime()));
    expect(out).toEqual([null, null, null]);
    const expired = assembler.expire(b[2]!.receivedAt.getTime() + TIMEOUT_MS);
    expect(expired.map((m) => m.missingParts).sort()).toEqual([[1], [2, 3]]);
  });

  it("property: colliding references (same SIM, sender, reference, count), interleaved, across restarts — no part joined to another message's, every part in exactly one delivered message", () => {
    const T0 = Date.parse("2026-11-30T18:00:00Z");
    // Messages that coding or time tell apart: two with the same coding start in different
    // 2-minute slots, so their SC timestamps are more than the 60 s window apart. (Two
    // messages with the same coding submitted within the window are the same message for
    // every rule a receiver has; the property does not pretend otherwise.)
    const messageArb = fc.record({
      coding: fc.constantFrom<"gsm7" | "ucs2">("gsm7", "ucs2"),
      slot: fc.integer({ min: 0, max: 4 }),
      /** Which of the 3 parts reach the modem. */
      arrive: fc.subarray([1, 2, 3], { minLength: 1 }),
      /** Seconds between the sender's submission and the delivery to us (SMSC queues, retries). */
      deliveryDelayS: fc.integer({ min: 0, max: 300 }),
      partJitterS: fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 })),
      partDelayS: fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 })),
    });
    const scenarioArb = fc.record({
      messages: fc.uniqueArray(messageArb, { minLength: 2, maxLength: 5, selector: (m) => `${m.coding}/${m.slot}` }),
      /** After which arrivals the daemon restarts / the expiry timer runs. */
      restarts: fc.uniqueArray(fc.nat({ max: 14 }), { maxLength: 4 }),
      expiries: fc.uniqueArray(fc.nat({ max: 14 }), { maxLength: 4 }),
    });

    fc.assert(
      fc.property(scenarioArb, ({ messages, restarts, expiries }) => {
        const dir = tempStateDir();
        const stores: Store[] = [];
        try {
          // Every PDU that reaches the modem, tagged with the message it belongs to.
          const owner = new Map<string, number>();
          const arrivals: ReceivedPart[] = [];
          const texts: string[] = [];
          messages.forEach((m, i) => {
            const text = m.coding === "ucs2" ? `Сообщение ${i}: код ${100000 + i}. `.repeat(6).slice(0, 180) : `Message ${i}: code ${100000 + i}. `.repeat(16).slice(0, 420);
            texts.push(text);
            const base = T0 + m.slot * 120_000;
            const pdus = encodeDeliver({ sender: "Verify", text, concatRef: 182, smsc: "+79168999100", timestamp: new Date(base) });
            expect(pdus).toHaveLength(3);
            for (const seq of m.arrive) {
              const sent = base + m.partJitterS[seq - 1]! * 1000;
              // Each part with its own SC timestamp: re-encode with it (same text, same cut).
              const pdu = encodeDeliver({ sender: "Verify", text, concatRef: 182, smsc: "+79168999100", timestamp: new Date(sent) })[seq - 1]!;
              const receivedAt = new Date(sent + (m.deliveryDelayS + m.partDelayS[seq - 1]!) * 1000);
              const { part } = buildPart({ portId: "usb-1-1", iccid: ICCID, memory: "ME", index: 1, pdu: pdu.hex, tpduLength: pdu.tpduLength, receivedAt });
              expect(part.decoded?.encoding).toBe(m.coding);
              owner.set(part.pdu, i);
              arrivals.push(part);
            }
          });
          arrivals.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());

          const delivered: CompleteSms[] = [];
          let store = openStore({ stateDir: dir.dir, busyTimeoutMs: 200 });
          stores.push(store);
          const deliver = (list: CompleteSms[]) => {
            for (const sms of list) {
              delivered.push(sms);
              store.sms.storeMessage(sms);
            }
          };
          let assembler: MessageAssembler = restoreAssembler(store.sms, "usb-1-1", TIMEOUT_MS, silentLogger()).assembler;
          arrivals.forEach((part, i) => {
            const now = part.receivedAt.getTime();
            if (restarts.includes(i)) {
              store.close();
              store = openStore({ stateDir: dir.dir, busyTimeoutMs: 200 });
              stores.push(store);
              const restored = restoreAssembler(store.sms, "usb-1-1", TIMEOUT_MS, silentLogger());
              assembler = restored.assembler;
              deliver(restored.completed);
            }
            if (expiries.includes(i)) deliver(assembler.expire(now));
            store.sms.acceptPart(part);
            const done = assembler.add(part, now);
            if (done) deliver([done]);
          });
          deliver(assembler.expire(arrivals.at(-1)!.receivedAt.getTime() + TIMEOUT_MS));

          // No part joined to a part of another message.
          for (const sms of delivered) expect(new Set(sms.parts.map((p) => owner.get(p.pdu))).size).toBe(1);
          // Every part delivered exactly once, in the store too.
          expect(delivered.flatMap((sms) => sms.parts.map((p) => p.pdu)).sort()).toEqual(arrivals.map((p) => p.pdu).sort());
          expect(store.sms.unassembledParts("usb-1-1")).toEqual([]);
          // One message per sent message that reached us; whole when every part came.
          expect(delivered).toHaveLength(messages.length);
          for (const sms of delivered) {
            const i = owner.get(sms.parts[0]!.pdu)!;
            const missing = [1, 2, 3].filter((seq) => !messages[i]!.arrive.includes(seq));
            expect(sms.missingParts).toEqual(missing);
            if (missing.length === 0) expect(sms.text).toBe(texts[i]);
            else expect(sms.text).toContain(`[part ${missing[0]}/3 missing]`);
          }
        } finally {
          for (const s of stores) if (s.db.open) s.close();
          dir.cleanup();
        }
      }),
      { numRuns: 120 },
    );
  }, 120_000);
});
