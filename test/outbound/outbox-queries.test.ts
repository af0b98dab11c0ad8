/**
 * The outbox queries PushSmsSender relies on (store/outbox.ts extensions): the activation's
 * close time on due rows, rent / non-rent filtering, the next retry time, per-kind pending
 * counts and the oldest pending age.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activation, storeSms, tempStore } from "./helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe("OutboxRepository queries for the sender", () => {
  it("due rows carry the activation's closedAt (null while open)", () => {
    const s = tempStore(cleanups).store();
    const a = activation(s, 1);
    const { item } = s.outbox.enqueue(storeSms(s, "x"), a.id, 100);
    expect(s.outbox.due(100)[0]).toMatchObject({ id: item.id, closedAt: null });
    s.engine.closeActivation({ id: a.id, status: 3, finishSum: null, closedAt: 555, usage: null });
    expect(s.outbox.due(100)[0]).toMatchObject({ id: item.id, closedAt: 555 });
  });

  it("filters rent and non-rent rows (service compared case-insensitively) and counts them", () => {
    const s = tempStore(cleanups).store();
    const sms = s.outbox.enqueue(storeSms(s, "normal"), activation(s, 1).id, 10).item;
    const rent = s.outbox.enqueue(storeSms(s, "rent"), activation(s, 2, { service: "RENT" }).id, 20).item;
    expect(s.outbox.due(100).map((d) => d.id)).toEqual([sms.id, rent.id]);
    expect(s.outbox.due(100, 10, {}).map((d) => d.id)).toEqual([sms.id, rent.id]);
    expect(s.outbox.due(100, 10, { rent: true }).map((d) => d.id)).toEqual([rent.id]);
    expect(s.outbox.due(100, 10, { rent: false }).map((d) => d.id)).toEqual([sms.id]);
    expect([s.outbox.pendingCount(), s.outbox.pendingCount({ rent: true }), s.outbox.pendingCount({ rent: false })]).toEqual([2, 1, 1]);
  });

  it("nextDueAfter gives the earliest retry strictly after now, per filter", () => {
    const s = tempStore(cleanups).store();
    const one = s.outbox.enqueue(storeSms(s, "1"), activation(s, 1).id, 10).item;
    const two = s.outbox.enqueue(storeSms(s, "2"), activation(s, 2, { service: "rent" }).id, 10).item;
    expect(s.outbox.nextDueAfter(10)).toBeNull(); // both are due now: not "after"
    s.outbox.markAttempt(one.id, "HTTP 503", 5_000);
    s.outbox.markAttempt(two.id, "HTTP 503", 3_000);
    expect(s.outbox.nextDueAfter(10)).toBe(3_000);
    expect(s.outbox.nextDueAfter(10, { rent: false })).toBe(5_000);
    s.outbox.markDelivered(two.id, 3_000);
    expect(s.outbox.nextDueAfter(10)).toBe(5_000);
  });

  it("reports the oldest pending row's age, null when nothing is pending", () => {
    const s = tempStore(cleanups).store();
    const a = activation(s, 1);
    expect(s.outbox.oldestPendingAgeMs(1_000)).toBeNull();
    const first = s.outbox.enqueue(storeSms(s, "1"), a.id, 100).item;
    s.outbox.enqueue(storeSms(s, "2"), a.id, 400);
    expect(s.outbox.oldestPendingAgeMs(1_000)).toBe(900);
    s.outbox.markGaveUp(first.id, "NO_OPERATION", 500);
    expect(s.outbox.oldestPendingAgeMs(1_000)).toBe(600);
  });
});
