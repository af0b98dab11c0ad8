/**
 * What the SQLite store keeps of activations beyond the SalesLedger contract (which
 * test/sales/sqlite-ledger.test.ts runs on it): an old file's activations after migration 5,
 * ids that survive deleted rows (AUTOINCREMENT), and the PUSH_SMS outbox rows the ledger's
 * routing writes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { openStore, type Store } from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { attach, deliverParts, finish, newActivation, reserve, tempStateDir } from "./helpers.js";

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

describe("activations in the SQLite store", () => {
  it("migration 5 marks the activations closed before it as finished by FINISH, and leaves open ones open", async () => {
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
    expect(await s.sales.find(1)).toMatchObject({ market: "onlinesim", outcome: "sold", status: 3, finishSum: 7.5, closedAt: 50, closeReason: "finish", finishedAt: 50 });
    expect((await s.sales.load()).open.map((a) => a.id)).toEqual([2]);
    expect(await s.sales.earningsTotals(0)).toEqual([{ market: "onlinesim", service: "vk", currency: "RUB", sold: 1, amount: 7.5 }]);
  });

  it("activation ids are monotonic and never reused, across deletes and reopen", async () => {
    const open = fresh();
    const s = open();
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const a = await reserve(s.sales, newActivation(i));
      ids.push(a.id);
      await finish(s.sales, a.id, 4, i);
    }
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    // Delete the newest rows (a plain rowid key would hand out 4 again).
    s.db.prepare("DELETE FROM activations WHERE id >= 4").run();
    expect((await reserve(s.sales, newActivation(6))).id).toBe(6);
    s.db.prepare("DELETE FROM activations").run();
    s.close();
    const t = open();
    expect((await reserve(t.sales, newActivation(7))).id).toBe(7);
  });
});

describe("outbox", () => {
  it("is due at once, counts attempts, is never due again after delivery", async () => {
    const s = fresh()();
    const a = await reserve(s.sales, newActivation(1));
    const smsId = storedSms(s, "Your code 800142");
    const routed = await attach(s.sales, smsId, a, 1000);
    if (routed.kind !== "queued") throw new Error(`expected queued, got ${routed.kind}`);
    const entry = { id: routed.deliveryId };
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

  it("gives up on a terminal error, and keeps pending deliveries across a reopen", async () => {
    const open = fresh();
    const s = open();
    const a = await reserve(s.sales, newActivation(1));
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

  it("cannot point at an SMS that was never stored (foreign key)", async () => {
    const s = fresh()();
    const a = await reserve(s.sales, newActivation(1));
    await expect(attach(s.sales, 12345, a, 1)).rejects.toThrow(/FOREIGN KEY/);
  });
});
