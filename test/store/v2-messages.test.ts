/**
 * The v2 message queue (store/v2-messages.ts, schema 2): idempotent enqueue, due order and
 * retry times, batch marks in one transaction, metrics, foreign key, reopen, and migrating a
 * schema-1 file that already holds data.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { LATEST_SCHEMA_VERSION, openStore, type Store } from "../../src/store/index.js";
import { deliverParts, tempStateDir } from "./helpers.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function fresh(): { dir: string; open: (opts?: Parameters<typeof openStore>[0]) => Store } {
  const t = tempStateDir();
  cleanups.push(t.cleanup);
  return {
    dir: t.dir,
    open: (opts = {}) => {
      const s = openStore({ stateDir: t.dir, busyTimeoutMs: 200, ...opts });
      cleanups.unshift(() => s.close());
      return s;
    },
  };
}
let n = 0;
function storedSms(s: Pick<Store, "sms">, text: string): number {
  const parts = deliverParts({ text, at: new Date(Date.UTC(2026, 10, 22, 8, 0, ++n)) });
  for (const p of parts) s.sms.acceptPart(p);
  return s.sms.storeMessage({ portId: "usb-1-1", iccid: parts[0]!.iccid, sender: "Telegram", text, parts, missingParts: [], timestamp: null }).id;
}
const msg = (text: string, receivedAt = 1_000) => ({ number: "79161234567", from: "Telegram", text, receivedAt });

describe("V2MessageRepository", () => {
  it("enqueues once per SMS, due at its receive time, with the number in '+' form", () => {
    const s = fresh().open();
    const smsId = storedSms(s, "code 1");
    const first = s.v2Messages.enqueue(smsId, msg("code 1", 1_000));
    expect(first).toEqual({
      duplicate: false,
      item: { id: 1, smsId, number: "+79161234567", from: "Telegram", text: "code 1", receivedAt: 1_000, createdAt: 1_000, attempts: 0, nextTryAt: 1_000, lastError: null, sentAt: null, gaveUpAt: null },
    });
    const again = s.v2Messages.enqueue(smsId, { ...msg("other text", 5_000), number: "+7 916 000-00-00" });
    expect(again).toEqual({ duplicate: true, item: first.item });
    expect(s.v2Messages.pendingCount()).toBe(1);
  });

  it("hands out due rows oldest first, honours next tries, and reports the next one", () => {
    const s = fresh().open();
    const a = s.v2Messages.enqueue(storedSms(s, "a"), msg("a", 100)).item;
    const b = s.v2Messages.enqueue(storedSms(s, "b"), msg("b", 200)).item;
    const c = s.v2Messages.enqueue(storedSms(s, "c"), msg("c", 300)).item;
    expect(s.v2Messages.due(250).map((m) => m.text)).toEqual(["a", "b"]);
    expect(s.v2Messages.due(1_000, 2).map((m) => m.text)).toEqual(["a", "b"]);
    expect(s.v2Messages.markAttempt([a.id, b.id], "HTTP 503", 2_000)).toBe(2);
    expect(s.v2Messages.due(1_000).map((m) => m.text)).toEqual(["c"]);
    expect(s.v2Messages.nextDueAfter(1_000)).toBe(2_000);
    expect(s.v2Messages.due(2_000)).toEqual([
      expect.objectContaining({ id: c.id }),
      expect.objectContaining({ id: a.id, attempts: 1, lastError: "HTTP 503", nextTryAt: 2_000 }),
      expect.objectContaining({ id: b.id, attempts: 1 }),
    ]);
  });

  it("marks a batch sent in one go; settled rows are never due or changed again", () => {
    const s = fresh().open();
    const ids = ["x", "y", "z"].map((t) => s.v2Messages.enqueue(storedSms(s, t), msg(t, 10)).item.id);
    expect(s.v2Messages.markSent(ids.slice(0, 2), 500)).toBe(2);
    expect(s.v2Messages.markGaveUp([ids[2]!], "rejected: HTTP 404", 600)).toBe(1);
    expect(s.v2Messages.due(Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(s.v2Messages.nextDueAfter(0)).toBeNull();
    // Late marks of settled rows change nothing.
    expect(s.v2Messages.markSent(ids, 900)).toBe(0);
    expect(s.v2Messages.markAttempt(ids, "late", 900)).toBe(0);
    expect(s.v2Messages.get(ids[0]!)).toMatchObject({ sentAt: 500, attempts: 1, lastError: null });
    expect(s.v2Messages.get(ids[2]!)).toMatchObject({ gaveUpAt: 600, sentAt: null, lastError: "rejected: HTTP 404" });
    expect(s.v2Messages.markSent([], 1)).toBe(0);
  });

  it("reports pending count and the oldest pending age", () => {
    const s = fresh().open();
    expect(s.v2Messages.oldestPendingAgeMs(5_000)).toBeNull();
    const a = s.v2Messages.enqueue(storedSms(s, "a"), msg("a", 1_000), 1_100).item;
    s.v2Messages.enqueue(storedSms(s, "b"), msg("b", 2_000), 2_100);
    expect(s.v2Messages.oldestPendingAgeMs(5_000)).toBe(3_900);
    s.v2Messages.markSent([a.id], 3_000);
    expect(s.v2Messages.oldestPendingAgeMs(5_000)).toBe(2_900);
    expect(s.v2Messages.pendingCount()).toBe(1);
  });

  it("refuses an SMS that was never stored (foreign key)", () => {
    const s = fresh().open();
    expect(() => s.v2Messages.enqueue(4242, msg("ghost"))).toThrow(/FOREIGN KEY/);
  });

  it("keeps the queue across a reopen", () => {
    const f = fresh();
    const s = f.open();
    const a = s.v2Messages.enqueue(storedSms(s, "kept"), msg("kept", 10)).item;
    const b = s.v2Messages.enqueue(storedSms(s, "sent"), msg("sent", 20)).item;
    s.v2Messages.markSent([b.id], 30);
    s.close();
    const t = f.open();
    expect(t.v2Messages.due(100).map((m) => [m.id, m.text])).toEqual([[a.id, "kept"]]);
    expect(t.v2Messages.get(b.id)?.sentAt).toBe(30);
  });

  it("migration 2 adds the table to a schema-1 file and keeps its data", () => {
    const f = fresh();
    // The Store facade needs the table, so a schema-1 file is written through the raw layer.
    const old = openDatabase({ stateDir: f.dir, migrations: MIGRATIONS.slice(0, 1) });
    expect(old.migrated).toEqual([1]);
    // Raw SQL: today's SmsRepository already reads v2_messages, which a schema-1 file lacks.
    const smsId = Number(
      old.db
        .prepare("INSERT INTO sms (port_id, iccid, sender, text, missing_parts, sc_timestamp, received_at) VALUES ('p0', NULL, '+100', ?, '[]', NULL, 1)")
        .run("from before the upgrade").lastInsertRowid,
    );
    expect(old.db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'v2_messages'").pluck().get()).toBe(0);
    old.db.close();
    const s = f.open();
    expect(s.migrated[0]).toBe(2);
    expect(s.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(s.sms.get(smsId)?.text).toBe("from before the upgrade");
    expect(s.v2Messages.enqueue(smsId, msg("from before the upgrade")).duplicate).toBe(false);
  });
});
