/** The SalesLedger contract on the SQLite store, on a real simgate.db file; reopen is a new process's open after a crash. */
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/database.js";
import { openStore, type Store } from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { deliverParts, tempStateDir } from "../store/helpers.js";
import { describeLedgerContract } from "./ledger-contract.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describeLedgerContract("SqliteSalesLedger", () => {
  const t = tempStateDir();
  let store: Store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
  cleanups.push(() => {
    store.close();
    t.cleanup();
  });
  let smsCount = 0;
  return {
    ledger: store.sales,
    // The lock is held per connection, so the old one goes first, as when its process died.
    reopen: () => {
      store.close();
      store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
      return store.sales;
    },
    storeSms: () => {
      const parts = deliverParts({ text: `sms ${++smsCount}` });
      for (const p of parts) store.sms.acceptPart(p);
      return store.sms.storeMessage({ portId: "usb-1-1", iccid: parts[0]!.iccid, sender: "Facebook", text: `sms ${smsCount}`, parts, missingParts: [], timestamp: null }).id;
    },
  };
}, { durable: true });

describe("schema 6: a store written by the Onlinesim-only engine", () => {
  it("keeps every activation as Onlinesim's, its FINISH statuses as neutral outcomes, and its burns as sold pairs and Onlinesim's usage", async () => {
    const t = tempStateDir();
    cleanups.push(t.cleanup);
    const old = openDatabase({ stateDir: t.dir, busyTimeoutMs: 200, migrations: MIGRATIONS.slice(0, 5) });
    const insert = old.db.prepare(
      "INSERT INTO activations (number, iccid, port_id, country, operator, service, sum, created_at, status, finish_sum, closed_at, close_reason, finished_at) VALUES (?, ?, 'usb-1-1', 'russia', 'mts', ?, 10, 1000, ?, ?, ?, ?, ?)",
    );
    insert.run("79160000001", "8970100000000000001", "telegram", 3, 12, 2000, "finish", 2000); // sold
    insert.run("79160000002", "8970100000000000002", "telegram", 4, null, 2100, "finish", 2100); // cancelled
    insert.run("79160000003", "8970100000000000003", "vk", 0, null, 2200, "overdue", null); // released, no FINISH yet
    insert.run("79160000004", "8970100000000000004", "vk", null, null, null, null, null); // open
    const usage = old.db.prepare("INSERT INTO usage (number, service, sold, cancels, excluded, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    usage.run("79160000001", "telegram", 1, 0, 0, 2000);
    usage.run("79160000002", "telegram", 0, 1, 0, 2100);
    usage.run("79160000005", "vk", 0, 0, 1, 500);
    old.idFloor.settle(old.db);
    old.db.close();

    const store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
    cleanups.unshift(() => store.close());
    expect(store.migrated).toEqual([6, 7]);
    const state = await store.sales.load();
    expect(state.open).toEqual([expect.objectContaining({ id: 4, market: "onlinesim", currency: "RUB", number: "79160000004" })]);
    expect(state.sold).toEqual([{ number: "79160000001", service: "telegram", market: "onlinesim", at: 2000 }]);
    expect(state.usage).toEqual([
      { market: "onlinesim", number: "79160000002", service: "telegram", cancels: 1, excluded: false },
      { market: "onlinesim", number: "79160000005", service: "vk", cancels: 0, excluded: true },
    ]);
    expect(await store.sales.find(1)).toMatchObject({ outcome: "sold", status: 3, finishSum: 12 });
    expect(await store.sales.find(3)).toMatchObject({ outcome: null, status: null, closeReason: "overdue" });
    expect(await store.sales.earnings(0)).toEqual([{ market: "onlinesim", service: "telegram", number: "79160000001", iccid: "8970100000000000001", currency: "RUB", sold: 1, amount: 12 }]);
    // The released one still records its late FINISH, once, with its burn.
    expect(await store.sales.close({ id: 3, market: "onlinesim", outcome: { kind: "sold" }, status: 3, finishSum: null, closedAt: 3000, by: "finish" })).toMatchObject({ kind: "finished-after-release" });
    expect((await store.sales.load()).sold).toContainEqual({ number: "79160000003", service: "vk", market: "onlinesim", at: 3000 });
  });
});
