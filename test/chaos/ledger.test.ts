/**
 * The chaos suite's accounting (bench/chaos/ledger.ts): the numbers in docs/reliability.md
 * are only as good as this. Given what the services sent and what reached Onlinesim, an SMS
 * is lost, delivered, pushed more than once or altered, and a number given out while the
 * buyer still held it is double-assigned.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accountAssignments, accountSms, doubleAssigned, sliceLedger, type Ledger, type OrderRecord, type PushRecord, type TextRecord } from "../../bench/chaos/ledger.js";

const text = (activationId: number, body: string, over: Partial<TextRecord> = {}): TextRecord => ({ activationId, number: `7900000${String(activationId).padStart(4, "0")}`, sender: "Svc", text: body, sentAt: 1_000, ok: true, ...over });
const push = (t: TextRecord, at: number, answer = "SUCCESS", over: Partial<PushRecord> = {}): PushRecord => ({ at, smsId: t.activationId, phone: t.number, from: t.sender, text: t.text, answer, activationId: answer === "SUCCESS" ? t.activationId : null, ...over });
const books = (texts: TextRecord[], pushes: PushRecord[], orders: OrderRecord[] = [], finishes: Ledger["finishes"] = []): Ledger => ({ orders, finishes, texts, pushes, pushArrivals: pushes.map((p) => p.at) });

describe("SMS accounting", () => {
  it("tells lost, delivered, duplicated (also when the resend was refused) and corrupted apart", () => {
    const lost = text(1, "code 111111");
    const once = text(2, "code 222222");
    const twice = text(3, "code 333333");
    const resentAfterClose = text(4, "code 444444");
    const late = text(5, "code 555555");
    const altered = text(6, "code 666666");
    const a = accountSms(
      books(
        [lost, once, twice, resentAfterClose, late, altered],
        [push(once, 2_000), push(twice, 2_000), push(twice, 2_100), push(resentAfterClose, 2_000), push(resentAfterClose, 9_000, "NO_OPERATION"), push(late, 9_000, "NO_OPERATION"), push(altered, 2_000, "SUCCESS", { text: "code 666" })],
      ),
    );
    expect(a.sent).toBe(6);
    expect(a.delivered).toBe(3);
    expect(a.lost.map((l) => [l.activationId, l.lateNoOperation])).toEqual([
      [1, false],
      [5, true],
    ]);
    expect(a.duplicated.map((d) => [d.activationId, d.pushes])).toEqual([
      [3, [2_000, 2_100]],
      [4, [2_000, 9_000]],
    ]);
    expect(a.duplicatePushes).toBe(2);
    expect(a.corrupted).toEqual([{ activationId: 6, got: "code 666", sent: ["code 666666"], kind: "altered" }]);
  });

  it("a text whose sending reported an error is not counted as sent, and its push is not an altered text", () => {
    const failed = text(7, "code 777777", { ok: false, error: "timeout" });
    const a = accountSms(books([failed], [push(failed, 2_000)]));
    expect(a).toMatchObject({ sent: 0, delivered: 0, lost: [], corrupted: [] });
  });

  it("an earlier operation's SMS accepted for the next buyer of the number is corrupted, and the next buyer's own SMS still counts", () => {
    const earlier = text(8, "code 888888");
    const later = text(9, "code 999999", { number: earlier.number });
    // The earlier SMS arrives (again) once the number belongs to operation 9.
    const a = accountSms(books([earlier, later], [push(earlier, 2_000), push(later, 5_000), push(earlier, 6_000, "SUCCESS", { activationId: 9 })]));
    expect(a.delivered).toBe(2);
    expect(a.corrupted).toEqual([{ activationId: 9, got: "code 888888", sent: ["code 999999"], kind: "other operation", from: 8 }]);
    expect(a.duplicated.map((d) => d.activationId)).toEqual([8]);
    expect(a.lost).toEqual([]);
  });

  it("an altered text stands for its operation's SMS: corrupted, not lost as well", () => {
    const multipart = text(10, "part one, part two");
    const a = accountSms(books([multipart], [push(multipart, 2_000, "SUCCESS", { text: "part one, " })]));
    expect(a.corrupted.map((c) => c.kind)).toEqual(["altered"]);
    expect(a.lost).toEqual([]);
  });

  it("property: each SMS pushed k times with random answers is counted exactly once", () => {
    const plan = fc.array(fc.record({ accepted: fc.nat({ max: 3 }), refused: fc.nat({ max: 2 }) }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(plan, (sms) => {
        const texts = sms.map((_, i) => text(i + 1, `code ${100_000 + i}`));
        const pushes = sms.flatMap((s, i) => [
          ...Array.from({ length: s.accepted }, (_, j) => push(texts[i]!, 2_000 + j)),
          ...Array.from({ length: s.refused }, (_, j) => push(texts[i]!, 5_000 + j, "NO_OPERATION")),
        ]);
        const a = accountSms(books(texts, pushes));
        const delivered = sms.filter((s) => s.accepted > 0);
        expect(a.delivered).toBe(delivered.length);
        expect(a.lost).toHaveLength(sms.length - delivered.length);
        expect(a.duplicated).toHaveLength(delivered.filter((s) => s.accepted + s.refused > 1).length);
        expect(a.duplicatePushes).toBe(delivered.reduce((n, s) => n + s.accepted + s.refused - 1, 0));
        expect(a.corrupted).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("assignment accounting", () => {
  const order = (activationId: number, number: string, answeredAt: number): OrderRecord => ({ requestedAt: answeredAt - 5, answeredAt, outcome: "issued", service: "svc000", activationId, number });

  it("a number given out again before the buyer asked to close the first operation is double-assigned", () => {
    const l = books([], [], [order(1, "79001", 1_000), order(2, "79001", 2_000)], [{ activationId: 1, status: 3, firstSentAt: 2_500, ackAt: 2_600, attempts: 1 }]);
    const a = accountAssignments(l);
    expect(a.overlaps).toEqual([{ number: "79001", first: 1, second: 2 }]);
    expect(doubleAssigned(a)).toBe(1);
  });

  it("a number given out again after the buyer sent FINISH is not, even if the FINISH answer was lost", () => {
    const l = books([], [], [order(1, "79001", 1_000), order(2, "79001", 2_000)], [{ activationId: 1, status: 3, firstSentAt: 1_500, ackAt: null, attempts: 3 }]);
    expect(doubleAssigned(accountAssignments(l))).toBe(0);
  });

  it("an activation id given twice is double-assigned whatever the numbers", () => {
    const l = books([], [], [order(1, "79001", 1_000), order(1, "79002", 2_000)], [{ activationId: 1, status: 3, firstSentAt: 1_500, ackAt: 1_600, attempts: 1 }]);
    expect(accountAssignments(l).reusedIds).toEqual([1]);
  });

  it("a slice keeps the operations texted in its window, whole, with every push for them", () => {
    const early = text(1, "code 1", { sentAt: 500 });
    const inside = text(2, "code 2", { sentAt: 1_500 });
    const insideLater = text(2, "code 2b", { sentAt: 2_500 });
    const l = books([early, inside, insideLater], [push(early, 1_200), push(inside, 5_000), push(insideLater, 5_100)], [order(1, "7", 600), order(2, "8", 1_600)]);
    const s = sliceLedger(l, 1_000, 2_000);
    expect(s.texts).toEqual([inside, insideLater]);
    // The early operation's push arrived inside the window, and still is not the slice's.
    expect(s.pushes.map((p) => p.text)).toEqual(["code 2", "code 2b"]);
    expect(s.orders.map((o) => o.activationId)).toEqual([2]);
    expect(accountSms(s)).toMatchObject({ sent: 2, delivered: 2, corrupted: [] });
  });

  it("in a slice, an earlier phase's SMS accepted for a later operation is recognised with the whole run's texts", () => {
    const before = text(1, "code 1", { sentAt: 500 });
    const inside = text(2, "code 2", { sentAt: 1_500, number: before.number });
    const l = books([before, inside], [push(before, 900), push(inside, 1_600), push(before, 1_700, "SUCCESS", { activationId: 2 })]);
    const s = sliceLedger(l, 1_000, 2_000);
    expect(accountSms(s).corrupted.map((c) => c.kind)).toEqual(["altered"]);
    expect(accountSms(s, l.texts).corrupted.map((c) => [c.kind, c.from])).toEqual([["other operation", 1]]);
  });
});
