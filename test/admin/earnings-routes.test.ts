/**
 * GET /api/earnings (src/http/admin/earnings-routes.ts) on the real sales core over the real
 * SQLite store, with sales on two marketplaces in RUB and USD (the second marketplace's
 * sales go through the same core the daemon's adapters use): grouped by marketplace,
 * service, SIM or several, totals per currency, the best rows of each currency first,
 * today beside the window, and a clear 400 for every bad parameter.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerEarningsRoutes } from "../../src/http/admin/earnings-routes.js";
import { localMidnight } from "../../src/http/admin/local-day.js";
import type { AdminContext } from "../../src/http/admin/plugins.js";
import { SalesCore } from "../../src/sales/core.js";
import { DEFAULT_RULES } from "../../src/sales/policy.js";
import { openStore, type Store } from "../../src/store/index.js";
import { tempStateDir } from "../store/helpers.js";

const SIM = (i: number) => ({ number: `7916000000${i}`, iccid: `897010000000000000${i}` });
/** Yesterday at noon, then today at 01:00 local time (the clock the core stamps sales with). */
const YESTERDAY = localMidnight(Date.now()) - 12 * 3_600_000;
const TODAY = localMidnight(Date.now()) + 60_000;

describe("GET /api/earnings", () => {
  let app: FastifyInstance;
  let store: Store;
  let cleanup: () => void;
  let now = YESTERDAY;

  const get = async (query: string) => {
    const res = await app.inject({ method: "GET", url: `/api/earnings${query}` });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    const t = tempStateDir();
    cleanup = t.cleanup;
    store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
    const services = ["telegram", "whatsapp", "vk"];
    const core = await SalesCore.open({ ledger: store.sales, markets: [{ ...DEFAULT_RULES, id: "onlinesim", services }, { ...DEFAULT_RULES, id: "smshub", services }], clock: () => now });
    // Only the SIM that is to sell is in its module, so the core has to give that one.
    const only = (sim: number) =>
      core.updatePorts([0, 1, 2, 3].map((i) => ({ id: `p${i}`, state: "ready" as const, present: i === sim, iccid: SIM(i).iccid, number: `+${SIM(i).number}`, mcc: "250", mnc: "01" })));
    const sell = async (market: string, service: string, sim: number, amount: number, currency: string) => {
      only(sim);
      const r = await core.reserve({ market, service, excludePrefixes: [], price: { amount, currency } });
      if (r.status !== "reserved" || r.reservation.number !== SIM(sim).number) throw new Error(`SIM ${sim} not given for ${market}/${service}`);
      await core.close({ market, id: r.reservation.id, outcome: { kind: "sold" }, status: 3, finishSum: null, by: "finish" });
    };
    await sell("onlinesim", "telegram", 0, 10, "RUB");
    await sell("onlinesim", "whatsapp", 0, 5, "RUB");
    await sell("smshub", "whatsapp", 1, 0.1, "USD");
    now = TODAY;
    await sell("onlinesim", "telegram", 1, 7.5, "RUB"); // SIM 1 is sold for whatsapp (on smshub): burned on every marketplace
    await sell("smshub", "telegram", 2, 20, "RUB");
    await sell("smshub", "telegram", 3, 0.2, "USD");
    app = Fastify();
    registerEarningsRoutes(app, { engine: { core } } as unknown as AdminContext);
  });

  afterAll(async () => {
    await app?.close();
    store?.close();
    cleanup?.();
  });

  it("by marketplace (the default): all time with today beside it, each currency apart, best first", async () => {
    const { status, body } = await get(`?today=${localMidnight(TODAY)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ since: 0, today: localMidnight(TODAY), by: ["market"], limit: 100 });
    expect(body.rows).toEqual([
      { market: "onlinesim", currency: "RUB", sold: 3, amount: 22.5, today: { sold: 1, amount: 7.5 } },
      { market: "smshub", currency: "RUB", sold: 1, amount: 20, today: { sold: 1, amount: 20 } },
      { market: "smshub", currency: "USD", sold: 2, amount: 0.3, today: { sold: 1, amount: 0.2 } },
    ]);
    expect(body.currencies).toEqual([
      { currency: "RUB", sold: 4, amount: 42.5, today: { sold: 2, amount: 27.5 }, groups: 2, shown: 2 },
      { currency: "USD", sold: 2, amount: 0.3, today: { sold: 1, amount: 0.2 }, groups: 1, shown: 1 },
    ]);
  });

  it("by SIM: the top SIMs of each currency, across marketplaces and services", async () => {
    const { body } = await get("?by=sim&limit=1");
    expect(body.rows).toEqual([
      { ...SIM(2), currency: "RUB", sold: 1, amount: 20, today: { sold: 1, amount: 20 } },
      { ...SIM(3), currency: "USD", sold: 1, amount: 0.2, today: { sold: 1, amount: 0.2 } },
    ]);
    expect(body.currencies.map((c: any) => [c.currency, c.groups, c.shown, c.amount])).toEqual([
      ["RUB", 3, 1, 42.5],
      ["USD", 2, 1, 0.3],
    ]);
  });

  it("by SIM and marketplace, and by SIM and service: the same sales, split further", async () => {
    const perMarket = (await get("?by=sim,market")).body;
    expect(perMarket.by).toEqual(["market", "sim"]);
    expect(perMarket.rows.map((r: any) => [r.market, r.number, r.currency, r.sold, r.amount])).toEqual([
      ["smshub", SIM(2).number, "RUB", 1, 20],
      ["onlinesim", SIM(0).number, "RUB", 2, 15],
      ["onlinesim", SIM(1).number, "RUB", 1, 7.5],
      ["smshub", SIM(3).number, "USD", 1, 0.2],
      ["smshub", SIM(1).number, "USD", 1, 0.1],
    ]);
    const perService = (await get("?by=service,sim")).body;
    expect(perService.rows.map((r: any) => [r.service, r.number, r.iccid, r.currency, r.amount])).toEqual([
      ["telegram", SIM(2).number, SIM(2).iccid, "RUB", 20],
      ["telegram", SIM(0).number, SIM(0).iccid, "RUB", 10],
      ["telegram", SIM(1).number, SIM(1).iccid, "RUB", 7.5],
      ["whatsapp", SIM(0).number, SIM(0).iccid, "RUB", 5],
      ["telegram", SIM(3).number, SIM(3).iccid, "USD", 0.2],
      ["whatsapp", SIM(1).number, SIM(1).iccid, "USD", 0.1],
    ]);
  });

  it("by service, and by marketplace and service together", async () => {
    const byService = (await get("?by=service")).body.rows.map((r: any) => [r.service, r.currency, r.sold, r.amount]);
    expect(byService).toEqual([
      ["telegram", "RUB", 3, 37.5],
      ["whatsapp", "RUB", 1, 5],
      ["telegram", "USD", 1, 0.2],
      ["whatsapp", "USD", 1, 0.1],
    ]);
    const both = (await get("?by=service,market")).body;
    expect(both.by).toEqual(["market", "service"]);
    expect(both.rows.map((r: any) => [r.market, r.service, r.currency, r.amount])).toEqual([
      ["smshub", "telegram", "RUB", 20],
      ["onlinesim", "telegram", "RUB", 17.5],
      ["onlinesim", "whatsapp", "RUB", 5],
      ["smshub", "telegram", "USD", 0.2],
      ["smshub", "whatsapp", "USD", 0.1],
    ]);
  });

  it("since a moment: only the sales recorded from then on", async () => {
    const { body } = await get(`?since=${TODAY - 1}&by=market`);
    expect(body.since).toBe(TODAY - 1);
    expect(body.rows.map((r: any) => [r.market, r.currency, r.sold, r.amount])).toEqual([
      ["smshub", "RUB", 1, 20],
      ["onlinesim", "RUB", 1, 7.5],
      ["smshub", "USD", 1, 0.2],
    ]);
    // A window that started after today's start: today's groups still show, with their today beside.
    const lastHour = await get(`?since=${TODAY + 1}&today=${localMidnight(TODAY)}`);
    expect(lastHour.body.rows.map((r: any) => [r.market, r.currency, r.sold, r.today.sold])).toEqual([
      ["smshub", "RUB", 0, 1], // 20 today
      ["onlinesim", "RUB", 0, 1], // 7.5 today
      ["smshub", "USD", 0, 1],
    ]);
    const later = Date.now() + 3_600_000;
    const none = await get(`?since=${later}&today=${later}`);
    expect(none.body).toMatchObject({ rows: [], currencies: [] });
  });

  it("refuses what it cannot read, saying which parameter and why", async () => {
    for (const [query, detail] of [
      ["?by=port", /^by: expected market, service, sim or a comma-separated list of them, got 'port'$/],
      ["?since=yesterday", /^since: expected an age/],
      ["?limit=0", /^limit: /],
      ["?today=noon", /^today: expected epoch milliseconds$/],
      ["?currency=RUB", /Unrecognized key/],
    ] as const) {
      const r = await get(query);
      expect(r.status, query).toBe(400);
      expect(r.body.error).toBe("BAD_REQUEST");
      expect(r.body.detail, query).toMatch(detail);
    }
  });
});
