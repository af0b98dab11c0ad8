/**
 * A crash between storing a whole SMS and routing it must not cost the buyer the code: on
 * the next start the daemon routes stored SMS of open activations that have no outbox row.
 * Real SQLite store, real engine.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseEngineConfig } from "../../src/config/engine-schema.js";
import { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import { ONLINESIM } from "../../src/markets/onlinesim/v1-market.js";
import { silentLogger } from "../../src/log/logger.js";
import { openStore, type Store } from "../../src/store/index.js";
import { routeLeftovers } from "../../src/daemon/route-recovery.js";
import { deliverParts, newActivation, reserve, tempStateDir } from "../store/helpers.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function store(): { s: Store; dir: string } {
  const t = tempStateDir();
  const s = openStore({ stateDir: t.dir });
  cleanups.push(() => {
    s.close();
    t.cleanup();
  });
  return { s, dir: t.dir };
}

/** Store a whole SMS the way sms-flow does, WITHOUT routing it (the crash window). */
function storeOnly(s: Store, iccid: string, text: string, at: number): number {
  const parts = deliverParts({ text, iccid, at: new Date(at) });
  for (const p of parts) s.sms.acceptPart(p);
  return s.sms.storeMessage({ portId: "usb-1-1", iccid, sender: "Telegram", text, parts, missingParts: [], timestamp: null }).id;
}

const engineOn = (s: Store) => OnlinesimEngine.open({ ledger: s.sales, config: parseEngineConfig({ services: ["telegram"] }), logger: silentLogger() });

describe("routeLeftovers", () => {
  it("queues for PUSH_SMS a stored, unrouted SMS of an open activation, once", async () => {
    const { s } = store();
    const a = await reserve(s.sales, newActivation(1, { createdAt: 1_000_000 }));
    const lost = storeOnly(s, a.iccid, "code 4711", 1_000_500);
    const engine = await engineOn(s);
    expect(await routeLeftovers(s, engine, silentLogger())).toBe(1);
    const due = s.outbox.due(Number.MAX_SAFE_INTEGER);
    expect(due.map((d) => [d.smsId, d.activationId, d.text])).toEqual([[lost, a.id, "code 4711"]]);
    // A second start finds nothing left to route.
    expect(await routeLeftovers(s, await engineOn(s), silentLogger())).toBe(0);
    expect(s.outbox.pendingCount()).toBe(1);
  });

  it("leaves alone SMS from before the activation and SMS on SIMs without an open activation", async () => {
    const { s } = store();
    const a = await reserve(s.sales, newActivation(1, { createdAt: 2_000_000 }));
    storeOnly(s, a.iccid, "before the order", 1_999_000);
    storeOnly(s, "8970100999999999999", "another SIM", 2_000_500);
    expect(await routeLeftovers(s, await engineOn(s), silentLogger())).toBe(0);
    expect(s.outbox.pendingCount()).toBe(0);
  });

  it("does nothing without open activations", async () => {
    const { s } = store();
    storeOnly(s, "8970100000000000001", "nobody ordered this", 3_000_000);
    expect(await routeLeftovers(s, await engineOn(s), silentLogger())).toBe(0);
  });

  it("routes a leftover to whichever marketplace holds the SIM: another marketplace's stays out of Onlinesim's rows", async () => {
    const { s } = store();
    const sim = { number: "79160000009", iccid: "8970100000000000009", portId: "usb-1-9", country: "russia", operator: "mts" };
    const [claimed] = await s.sales.claim([{ reservation: { market: "smshub", service: "telegram", sum: 10, currency: "RUB", createdAt: 4_000_000 }, candidates: [sim] }]);
    if (claimed?.kind !== "reserved") throw new Error("claim failed");
    const lost = storeOnly(s, sim.iccid, "code 9090", 4_000_500);
    expect(await routeLeftovers(s, await engineOn(s), silentLogger())).toBe(1);
    expect(s.outbox.due(Number.MAX_SAFE_INTEGER).map((d) => [d.smsId, d.activationId])).toEqual([[lost, claimed.reservation.id]]);
    expect(s.outbox.due(Number.MAX_SAFE_INTEGER, 10, { market: ONLINESIM })).toEqual([]);
  });
});
