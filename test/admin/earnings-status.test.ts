/**
 * The status document's earnings (GET /api/status, the status page) on the real store
 * with two marketplaces selling one inventory: Onlinesim in RUB and an SMSHUB-family
 * marketplace in USD. Per marketplace and currency, today and all time; the old RUB
 * figure stays RUB and never has dollars added to it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseEngineConfig } from "../../src/config/engine-schema.js";
import { EarningsBook } from "../../src/http/admin/earnings-book.js";
import { daemonStatus } from "../../src/http/admin/status-document.js";
import { silentLogger } from "../../src/log/logger.js";
import { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import { PortMap } from "../../src/modem/port-map.js";
import { DEFAULT_RULES } from "../../src/sales/policy.js";
import { openStore, type Store } from "../../src/store/index.js";
import { tempStateDir } from "../store/helpers.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const outbound = { stats: () => ({ mode: "v1" as const, push: null, numbersOnline: null, addMessages: null, markets: [] }) };

async function twoMarkets(): Promise<{ store: Store; engine: OnlinesimEngine }> {
  const t = tempStateDir();
  const store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
  cleanups.push(t.cleanup, () => store.close());
  const engine = await OnlinesimEngine.open({
    ledger: store.sales,
    config: parseEngineConfig({ services: ["telegram", "whatsapp"] }),
    otherMarkets: [{ ...DEFAULT_RULES, id: "smshub", services: ["telegram", "whatsapp"] }],
    logger: silentLogger(),
  });
  engine.core.updatePorts(
    Array.from({ length: 4 }, (_, i) => ({ id: `p${i}`, state: "ready" as const, present: true, iccid: `897010000000000000${i}`, number: `+7916000000${i}`, mcc: "250", mnc: "01" })),
  );
  return { store, engine };
}

async function sell(engine: OnlinesimEngine, market: string, service: string, amount: number, currency: string, finishSum: number | null): Promise<void> {
  const r = await engine.core.reserve({ market, service, excludePrefixes: [], price: { amount, currency } });
  if (r.status !== "reserved") throw new Error(`no SIM for ${market}`);
  expect((await engine.core.close({ market, id: r.reservation.id, outcome: { kind: "sold" }, status: 3, finishSum, by: "finish" })).kind).toBe("closed");
}

describe("status document: earnings per marketplace and currency", () => {
  it("keeps RUB and USD apart, per marketplace, today and all time", async () => {
    const { store, engine } = await twoMarkets();
    await sell(engine, "onlinesim", "telegram", 10, "RUB", 12.5);
    await sell(engine, "smshub", "telegram", 0.5, "USD", null);
    await sell(engine, "smshub", "whatsapp", 0.25, "USD", 0.2);
    await EarningsBook.of(engine.core).ready();
    await sell(engine, "onlinesim", "whatsapp", 7, "RUB", null); // after the book's first read
    const doc = daemonStatus({ map: new PortMap(), engine, outbound, store });
    expect(doc.totals.earningsByMarket).toEqual([
      { market: "onlinesim", currency: "RUB", sold: 2, amount: 19.5, today: { sold: 2, amount: 19.5 } },
      { market: "smshub", currency: "USD", sold: 2, amount: 0.7, today: { sold: 2, amount: 0.7 } },
    ]);
    // The old single figure is RUB, from every marketplace that pays RUB: no dollars in it.
    expect(doc.totals.earnings).toBe(19.5);
    expect(doc.totals.earningsToday).toBe(19.5);
  });

  it("a document built before the book's first read shows no earnings rather than waiting; the next one has them", async () => {
    const { store, engine } = await twoMarkets();
    await sell(engine, "smshub", "telegram", 0.5, "USD", null);
    const first = daemonStatus({ map: new PortMap(), engine, outbound, store });
    expect(first.totals.earningsByMarket).toEqual([]);
    await EarningsBook.of(engine.core).ready();
    const next = daemonStatus({ map: new PortMap(), engine, outbound, store });
    expect(next.totals.earningsByMarket).toEqual([{ market: "smshub", currency: "USD", sold: 1, amount: 0.5, today: { sold: 1, amount: 0.5 } }]);
    expect(next.totals.earnings).toBe(0);
  });
});
