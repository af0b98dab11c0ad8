import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import { openDatabase } from "../../src/store/database.js";
import { openStore, type Store } from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { deliverParts, newActivation, tempStateDir } from "./helpers.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function fresh(): () => Store {
  const t = tempStateDir();
  cleanups.push(t.cleanup);
  return () => {
    const s = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
    cleanups.unshift(() => s.close());
    return s;
  };
}
function storedSms(s: Store, text = "code 1234"): number {
  const parts = deliverParts({ text });
  for (const p of parts) s.sms.acceptPart(p);
  return s.sms.storeMessage({ portId: "usb-1-1", iccid: parts[0]!.iccid, sender: "Telegram", text, parts, missingParts: [], timestamp: null }).id;
}

describe("SqliteEnginePersistence", () => {
  it("creates activations with ids 1, 2, 3… and reports them open on load", () => {
    const s = fresh()();
    const a = s.engine.createActivation(newActivation(1));
    const b = s.engine.createActivation(newActivation(2));
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(a).toEqual({ ...newActivation(1), id: 1 });
    expect(s.engine.load()).toEqual({
      openActivations: [a, b],
      usage: [],
      lastUsed: [
        { number: a.number, at: a.createdAt },
        { number: b.number, at: b.createdAt },
      ],
      openWithSms: [],
    });
    expect(s.engine.findOpenActivationByNumber(a.number)).toEqual(a);
    expect(s.engine.findOpenActivationByNumber("000")).toBeUndefined();
  });

  it("refuses a second open activation for one number or one ICCID (EngineNumberBusy), writing nothing", () => {
    const s = fresh()();
    const a = s.engine.createActivation(newActivation(1));
    for (const clash of [newActivation(1, { iccid: "other" }), newActivation(2, { iccid: a.iccid })]) {
      let caught: unknown;
      try {
        s.engine.createActivation(clash);
      } catch (err) {
        caught = err;
      }
      expect(isSimgateError(caught, ErrorCode.EngineNumberBusy)).toBe(true);
      expect((caught as { context: Record<string, unknown> }).context["activationId"]).toBe(a.id);
    }
    expect(s.engine.load().openActivations).toHaveLength(1);
    // Once closed, the number and SIM are free again, with a new id. The refused inserts
    // rolled back with their sequence bump: 2 was never handed to anyone, so it is next.
    s.engine.closeActivation({ id: a.id, status: 4, finishSum: null, closedAt: 9, usage: null });
    expect(s.engine.createActivation(newActivation(1)).id).toBe(2);
  });

  it("creates a batch in one transaction, ids ascending in input order; a clash inside it writes nothing", () => {
    const s = fresh()();
    expect(s.engine.createActivations([])).toEqual([]);
    const batch = s.engine.createActivations([newActivation(1), newActivation(2), newActivation(3)]);
    expect(batch.map((a) => a.id)).toEqual([1, 2, 3]);
    expect(batch[1]).toEqual({ ...newActivation(2), id: 2 });
    let caught: unknown;
    try {
      s.engine.createActivations([newActivation(4), newActivation(5), newActivation(6, { number: newActivation(4).number })]);
    } catch (err) {
      caught = err;
    }
    expect(isSimgateError(caught, ErrorCode.EngineNumberBusy)).toBe(true);
    expect(s.engine.load().openActivations.map((a) => a.id)).toEqual([1, 2, 3]);
    expect(s.engine.createActivation(newActivation(4)).id).toBe(4);
  });

  it("closes once: a re-sent FINISH returns the first close and changes nothing", () => {
    const s = fresh()();
    const a = s.engine.createActivation(newActivation(1));
    const usage = { number: a.number, service: a.service, sold: true, cancels: 0, excluded: false };
    const first = s.engine.closeActivation({ id: a.id, status: 3, finishSum: 4.5, closedAt: 100, usage });
    const closed = { ...a, status: 3, finishSum: 4.5, closedAt: 100, closeReason: "finish", finishedAt: 100 };
    expect(first).toEqual({ kind: "closed", activation: closed });
    const again = s.engine.closeActivation({ id: a.id, status: 4, finishSum: null, closedAt: 200, usage: { ...usage, sold: false, cancels: 1 } });
    expect(again).toEqual({ kind: "already-closed", activation: closed });
    expect(s.engine.closeActivation({ id: 999, status: 3, finishSum: null, closedAt: 1, usage })).toEqual({ kind: "unknown" });
    expect(s.engine.load()).toMatchObject({ openActivations: [], usage: [usage] });
    expect(s.engine.getActivation(a.id)).toMatchObject({ status: 3, closedAt: 100 });
  });

  it("load lists only usage rows that differ from the default, and the latest use per number", () => {
    const s = fresh()();
    const a = s.engine.createActivation(newActivation(1, { createdAt: 10 }));
    s.engine.closeActivation({ id: a.id, status: 4, finishSum: null, closedAt: 11, usage: { number: a.number, service: "telegram", sold: false, cancels: 0, excluded: false } });
    const b = s.engine.createActivation(newActivation(1, { createdAt: 20, service: "vk" }));
    s.engine.closeActivation({ id: b.id, status: 1, finishSum: null, closedAt: 21, usage: { number: a.number, service: "vk", sold: false, cancels: 0, excluded: true } });
    const state = s.engine.load();
    expect(state.usage).toEqual([{ number: a.number, service: "vk", sold: false, cancels: 0, excluded: true }]);
    expect(state.lastUsed).toEqual([{ number: a.number, at: 20 }]);
  });

  it("attaches a stored SMS to an open activation once; closed or unknown activations get nothing", () => {
    const s = fresh()();
    const a = s.engine.createActivation(newActivation(1));
    const smsId = storedSms(s);
    const q = s.engine.attachSmsToActivation(smsId, a.id, 50);
    expect(q).toEqual({ kind: "queued", entry: { id: 1, smsId, activationId: a.id, createdAt: 50 } });
    expect(s.engine.attachSmsToActivation(smsId, a.id, 60)).toEqual({ kind: "duplicate", entry: { id: 1, smsId, activationId: a.id, createdAt: 50 } });
    expect(s.engine.attachSmsToActivation(smsId, 999, 60)).toEqual({ kind: "not-open" });
    s.engine.closeActivation({ id: a.id, status: 3, finishSum: null, closedAt: 70, usage: null });
    expect(s.engine.attachSmsToActivation(storedSms(s, "late"), a.id, 80)).toEqual({ kind: "not-open" });
    // Already queued before the close: still a duplicate, still delivered.
    expect(s.engine.attachSmsToActivation(smsId, a.id, 90).kind).toBe("duplicate");
    expect(s.outbox.pendingCount()).toBe(1);
  });

  it("earnings and per-status counts take each activation's status once: FINISH, operator, or a late FINISH after a release", () => {
    const s = fresh()();
    const sold = s.engine.createActivation(newActivation(1, { sum: 10 }));
    const byOperator = s.engine.createActivation(newActivation(2, { sum: 20 }));
    const overdue = s.engine.createActivation(newActivation(3, { sum: 40 }));
    const undelivered = s.engine.createActivation(newActivation(4, { sum: 80 }));
    s.engine.closeActivation({ id: sold.id, status: 3, finishSum: 9, closedAt: 100, usage: null });
    s.engine.closeActivation({ id: byOperator.id, status: 3, finishSum: null, closedAt: 110, usage: null, reason: "operator" });
    s.engine.releaseActivation({ id: overdue.id, reason: "overdue", releasedAt: 120 });
    s.engine.releaseActivation({ id: undelivered.id, reason: "undelivered", releasedAt: 130 });
    // Released without a status: nothing earned, nothing counted yet.
    expect(s.engine.earningsSince(0)).toBe(29);
    expect(s.engine.closedByStatus()).toEqual([{ status: 3, count: 2 }]);
    // The late FINISH counts once, at the time it came; its repeat changes nothing.
    s.engine.closeActivation({ id: overdue.id, status: 3, finishSum: 35, closedAt: 500, usage: null });
    s.engine.closeActivation({ id: overdue.id, status: 3, finishSum: 35, closedAt: 600, usage: null });
    expect(s.engine.earningsSince(0)).toBe(64);
    expect(s.engine.earningsSince(200)).toBe(35);
    expect(s.engine.closedByStatus()).toEqual([{ status: 3, count: 3 }]);
    expect(s.engine.recentActivations(10).map((a) => [a.id, a.closeReason, a.status])).toEqual([
      [undelivered.id, "undelivered", null],
      [overdue.id, "overdue", 3],
      [byOperator.id, "operator", 3],
      [sold.id, "finish", 3],
    ]);
  });

  it("migration 5 marks the activations closed before it as finished by FINISH, and leaves open ones open", () => {
    const t = tempStateDir();
    cleanups.push(t.cleanup);
    const old = openDatabase({ stateDir: t.dir, migrations: MIGRATIONS.slice(0, 4) });
    const insert = old.db.prepare(
      "INSERT INTO activations (number, iccid, port_id, country, operator, service, sum, created_at, status, finish_sum, closed_at) VALUES (?, ?, 'p', 'russia', 'mts', 'vk', 10, 1, ?, ?, ?)",
    );
    insert.run("79000000001", "8970100000000000001", 3, 7.5, 50);
    insert.run("79000000002", "8970100000000000002", null, null, null);
    old.db.close();
    const s = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
    cleanups.unshift(() => s.close());
    expect(s.migrated).toEqual([5, 6, 7]);
    expect(s.engine.getActivation(1)).toMatchObject({ status: 3, finishSum: 7.5, closedAt: 50, closeReason: "finish", finishedAt: 50 });
    expect(s.engine.load().openActivations.map((a) => a.id)).toEqual([2]);
    expect(s.engine.earningsSince(0)).toBe(7.5);
  });

  it("activation ids are monotonic and never reused, across deletes and reopen", () => {
    const open = fresh();
    const s = open();
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const a = s.engine.createActivation(newActivation(i));
      ids.push(a.id);
      s.engine.closeActivation({ id: a.id, status: 4, finishSum: null, closedAt: i, usage: null });
    }
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    // Delete the newest rows (a plain rowid key would hand out 4 again).
    s.db.prepare("DELETE FROM activations WHERE id >= 4").run();
    expect(s.engine.createActivation(newActivation(6)).id).toBe(6);
    s.db.prepare("DELETE FROM activations").run();
    s.close();
    const t = open();
    expect(t.engine.createActivation(newActivation(7)).id).toBe(7);
  });
});

describe("outbox", () => {
  it("is due at once, counts attempts, is never due again after delivery", () => {
    const s = fresh()();
    const a = s.engine.createActivation(newActivation(1));
    const smsId = storedSms(s, "Your code 800142");
    const { entry } = s.engine.attachSmsToActivation(smsId, a.id, 1000) as { entry: { id: number } };
    expect(s.outbox.due(999)).toEqual([]);
    const [due] = s.outbox.due(1000);
    expect(due).toMatchObject({ id: entry.id, smsId, activationId: a.id, attempts: 0, phone: a.number, sender: "Telegram", text: "Your code 800142", service: "telegram" });
    expect(s.outbox.markAttempt(entry.id, "HTTP 502", 11_000)).toBe(true);
    expect(s.outbox.due(10_999)).toEqual([]);
    expect(s.outbox.due(11_000)[0]).toMatchObject({ attempts: 1, lastError: "HTTP 502", nextTryAt: 11_000 });
    expect(s.outbox.markDelivered(entry.id, 11_500)).toBe(true);
    expect(s.outbox.due(Number.MAX_SAFE_INTEGER)).toEqual([]);
    // Late duplicates of "failed" or "delivered" change nothing.
    expect(s.outbox.markAttempt(entry.id, "late", 12_000)).toBe(false);
    expect(s.outbox.markDelivered(entry.id, 13_000)).toBe(false);
    expect(s.outbox.get(entry.id)).toMatchObject({ attempts: 2, deliveredAt: 11_500, lastError: null });
    expect(s.outbox.pendingCount()).toBe(0);
  });

  it("gives up on a terminal error, and keeps pending deliveries across a reopen", () => {
    const open = fresh();
    const s = open();
    const a = s.engine.createActivation(newActivation(1));
    const one = s.outbox.enqueue(storedSms(s, "one"), a.id, 10);
    const two = s.outbox.enqueue(storedSms(s, "two"), a.id, 20);
    expect(s.outbox.enqueue(one.item.smsId, a.id, 30)).toMatchObject({ duplicate: true, item: { id: one.item.id, createdAt: 10 } });
    expect(s.outbox.markGaveUp(one.item.id, "NO_OPERATION", 40)).toBe(true);
    s.outbox.markAttempt(two.item.id, "timeout", 50);
    s.close();
    const t = open();
    expect(t.outbox.due(100).map((d) => [d.id, d.text, d.attempts])).toEqual([[two.item.id, "two", 1]]);
    expect(t.outbox.get(one.item.id)).toMatchObject({ gaveUpAt: 40, lastError: "NO_OPERATION" });
  });

  it("cannot point at an SMS that was never stored (foreign key)", () => {
    const s = fresh()();
    const a = s.engine.createActivation(newActivation(1));
    expect(() => s.engine.attachSmsToActivation(12345, a.id, 1)).toThrow(/FOREIGN KEY/);
  });
});
