/**
 * The outbox queries PushSmsSender relies on (store/outbox.ts extensions): the activation's
 * close time on due rows, rent / non-rent filtering, the next retry time, per-kind pending
 * counts and the oldest pending age; the attempt in flight (schema 4) and the send order.
 */
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { openStore } from "../../src/store/index.js";
import { finish, tempStateDir } from "../store/helpers.js";
import { activation, storeSms, tempStore } from "./helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

describe("OutboxRepository queries for the sender", () => {
  it("due rows carry the activation's closedAt (null while open)", async () => {
    const s = tempStore(cleanups).store();
    const a = await activation(s, 1);
    const { item } = s.outbox.enqueue(storeSms(s, "x"), a.id, 100);
    expect(s.outbox.due(100)[0]).toMatchObject({ id: item.id, closedAt: null });
    await finish(s.sales, a.id, 3, 555);
    expect(s.outbox.due(100)[0]).toMatchObject({ id: item.id, closedAt: 555 });
  });

  it("filters rent and non-rent rows (service compared case-insensitively) and counts them", async () => {
    const s = tempStore(cleanups).store();
    const sms = s.outbox.enqueue(storeSms(s, "normal"), (await activation(s, 1)).id, 10).item;
    const rent = s.outbox.enqueue(storeSms(s, "rent"), (await activation(s, 2, { service: "RENT" })).id, 20).item;
    expect(s.outbox.due(100).map((d) => d.id)).toEqual([sms.id, rent.id]);
    expect(s.outbox.due(100, 10, {}).map((d) => d.id)).toEqual([sms.id, rent.id]);
    expect(s.outbox.due(100, 10, { rent: true }).map((d) => d.id)).toEqual([rent.id]);
    expect(s.outbox.due(100, 10, { rent: false }).map((d) => d.id)).toEqual([sms.id]);
    expect([s.outbox.pendingCount(), s.outbox.pendingCount({ rent: true }), s.outbox.pendingCount({ rent: false })]).toEqual([2, 1, 1]);
  });

  it("nextDueAfter gives the earliest retry strictly after now, per filter", async () => {
    const s = tempStore(cleanups).store();
    const one = s.outbox.enqueue(storeSms(s, "1"), (await activation(s, 1)).id, 10).item;
    const two = s.outbox.enqueue(storeSms(s, "2"), (await activation(s, 2, { service: "rent" })).id, 10).item;
    expect(s.outbox.nextDueAfter(10)).toBeNull(); // both are due now: not "after"
    s.outbox.markAttempt(one.id, "HTTP 503", 5_000);
    s.outbox.markAttempt(two.id, "HTTP 503", 3_000);
    expect(s.outbox.nextDueAfter(10)).toBe(3_000);
    expect(s.outbox.nextDueAfter(10, { rent: false })).toBe(5_000);
    s.outbox.markDelivered(two.id, 3_000);
    expect(s.outbox.nextDueAfter(10)).toBe(5_000);
  });

  it("reports the oldest pending row's age, null when nothing is pending", async () => {
    const s = tempStore(cleanups).store();
    const a = await activation(s, 1);
    expect(s.outbox.oldestPendingAgeMs(1_000)).toBeNull();
    const first = s.outbox.enqueue(storeSms(s, "1"), a.id, 100).item;
    s.outbox.enqueue(storeSms(s, "2"), a.id, 400);
    expect(s.outbox.oldestPendingAgeMs(1_000)).toBe(900);
    s.outbox.markGaveUp(first.id, "NO_OPERATION", 500);
    expect(s.outbox.oldestPendingAgeMs(1_000)).toBe(600);
  });

  it("markSending records the attempt before it leaves; the outcome clears it; only unsettled ones are 'in flight at start'", async () => {
    const t = tempStore(cleanups);
    const s = t.store();
    const a = await activation(s, 1);
    const b = await activation(s, 2);
    const one = s.outbox.enqueue(storeSms(s, "1"), a.id, 10).item;
    const two = s.outbox.enqueue(storeSms(s, "2"), b.id, 10).item;
    expect(s.outbox.markSending([one.id, two.id], 20)).toBe(2);
    expect(s.outbox.get(one.id)).toMatchObject({ attempts: 1, sendingSince: 20 });
    expect(s.outbox.markDelivered(one.id, 30)).toBe(true);
    // The answer does not count a second attempt.
    expect(s.outbox.get(one.id)).toMatchObject({ attempts: 1, sendingSince: null, deliveredAt: 30 });
    // A crash now: the reopened store knows which row may have reached Onlinesim.
    const r = t.reopen();
    expect(r.outbox.inFlightAtStart().map((d) => [d.id, d.text, d.sendingSince])).toEqual([[two.id, "2", 20]]);
    expect(r.outbox.inFlightAtStart({ rent: true })).toEqual([]);
    expect(r.outbox.markAttempt(two.id, "timeout after 30000 ms", 10_000)).toBe(true);
    expect(r.outbox.get(two.id)).toMatchObject({ attempts: 1, sendingSince: null, lastError: "timeout after 30000 ms" });
    expect(r.outbox.inFlightAtStart()).toEqual([]);
  });

  it("nextToSend gives each activation's oldest due row, oldest first", async () => {
    const s = tempStore(cleanups).store();
    const a = await activation(s, 1);
    const b = await activation(s, 2);
    const a1 = s.outbox.enqueue(storeSms(s, "a1"), a.id, 10).item;
    const b1 = s.outbox.enqueue(storeSms(s, "b1"), b.id, 11).item;
    const a2 = s.outbox.enqueue(storeSms(s, "a2"), a.id, 12).item;
    expect(s.outbox.nextToSend(100).map((d) => d.id)).toEqual([a1.id, b1.id]);
    s.outbox.markDelivered(a1.id, 50);
    expect(s.outbox.nextToSend(100).map((d) => d.id)).toEqual([b1.id, a2.id]);
    // A row waiting for its retry does not hold back the next due one of its number.
    s.outbox.markAttempt(b1.id, "refused", 1_000);
    expect(s.outbox.nextToSend(100).map((d) => d.id)).toEqual([a2.id]);
    expect(s.outbox.nextToSend(1_000).map((d) => d.id)).toEqual([b1.id, a2.id]);
  });

  it("a market filter keeps every query to that marketplace's reservations, alone or with the rent filter", async () => {
    const s = tempStore(cleanups).store();
    const claim = async (market: string, n: number, service: string) => {
      const sim = { number: `7916${String(n).padStart(7, "0")}`, iccid: `8970100${String(n).padStart(12, "0")}`, portId: `usb-1-${n}`, country: "russia", operator: "mts" };
      const [r] = await s.sales.claim([{ reservation: { market, service, sum: 1, currency: "RUB", createdAt: 1 }, candidates: [sim] }]);
      if (r?.kind !== "reserved") throw new Error("claim failed");
      return r.reservation.id;
    };
    // The other marketplace's rows are the older ones: a filter must not let them hold up the due order.
    const foreign = s.outbox.enqueue(storeSms(s, "f"), await claim("smshub", 1, "telegram"), 10).item;
    const foreignRent = s.outbox.enqueue(storeSms(s, "fr"), await claim("smshub", 2, "rent"), 11).item;
    const own = s.outbox.enqueue(storeSms(s, "o"), await claim("onlinesim", 3, "telegram"), 20).item;
    const ownRent = s.outbox.enqueue(storeSms(s, "or"), await claim("onlinesim", 4, "rent"), 21).item;
    const mine = { market: "onlinesim" };
    const ids = (rows: Array<{ id: number }>) => rows.map((r) => r.id);
    expect(ids(s.outbox.due(100, 1, mine))).toEqual([own.id]);
    expect(ids(s.outbox.due(100, 10, { ...mine, rent: true }))).toEqual([ownRent.id]);
    expect(ids(s.outbox.nextToSend(100, 10, mine))).toEqual([own.id, ownRent.id]);
    expect(ids(s.outbox.nextToSend(100, 10, { ...mine, rent: false }))).toEqual([own.id]);
    expect(ids(s.outbox.due(100, 10, { market: "smshub" }))).toEqual([foreign.id, foreignRent.id]);
    expect(s.outbox.pendingDelivery(foreign.id, mine)).toBeUndefined();
    expect(s.outbox.pendingDelivery(own.id, mine)).toMatchObject({ id: own.id, text: "o" });
    expect(s.outbox.pendingDelivery(foreign.id)).toMatchObject({ id: foreign.id });
    expect([s.outbox.pendingCount(), s.outbox.pendingCount(mine), s.outbox.pendingCount({ ...mine, rent: true })]).toEqual([4, 2, 1]);
    expect(s.outbox.pendingIds(mine).sort((x, y) => x - y)).toEqual([own.id, ownRent.id]);
    expect([s.outbox.oldestPendingAgeMs(100), s.outbox.oldestPendingAgeMs(100, mine)]).toEqual([90, 80]);
    s.outbox.markSending([foreign.id, own.id], 30);
    expect(ids(s.outbox.inFlightAtStart(mine))).toEqual([own.id]);
    s.outbox.markAttempt(foreign.id, "HTTP 503", 500);
    s.outbox.markAttempt(own.id, "HTTP 503", 700);
    expect([s.outbox.nextDueAfter(100), s.outbox.nextDueAfter(100, mine), s.outbox.nextDueAfter(100, { ...mine, rent: true })]).toEqual([500, 700, null]);
  });

  it("migration 4 scrubs credentials out of error texts older versions stored", async () => {
    const dir = tempStateDir();
    cleanups.push(dir.cleanup);
    const old = openDatabase({ stateDir: dir.dir, migrations: MIGRATIONS.slice(0, 2) });
    old.db.exec(`
      INSERT INTO sms (port_id, iccid, sender, text, missing_parts, sc_timestamp, received_at) VALUES ('p0', NULL, 'x', 'code', '[]', NULL, 1);
      INSERT INTO activations (id, number, country, operator, service, sum, created_at, port_id, iccid) VALUES (1, '79990000001', 'russia', 'any', 'telegram', 1, 1, 'p0', '8970000000000000001');
      INSERT INTO outbox (sms_id, activation_id, created_at, next_try_at, last_error)
        VALUES (1, 1, 1, 1, 'HTTP 500: {"status":"ERROR","received":{"body":"{\\"action\\":\\"PUSH_SMS\\",\\"key\\":\\"old-secret-key-1\\"}","url":"/x?apikey=old-secret-key-1"}}');
    `);
    old.db.close();
    const s = openStore({ stateDir: dir.dir });
    cleanups.push(() => s.close());
    const stored = s.outbox.get(1)?.lastError ?? "";
    expect(stored).not.toContain("old-secret-key-1");
    expect(stored).toContain("[redacted]");
    expect(stored).toContain("HTTP 500");
  });
});
