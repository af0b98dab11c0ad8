/**
 * The daemon's outbound glue with several marketplaces (issue 15): an SMS the sales ledger
 * routed to another marketplace's buyer is that buyer's, so it goes neither to Onlinesim's
 * PUSH_SMS nor to Onlinesim v2 addMessages; an SMS nobody holds still goes to v2. Real
 * SQLite store and ledger; the senders are not started (only what they were handed is checked).
 */
import { afterEach, describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import { startOutbound } from "../../src/daemon/outbound.js";
import { silentLogger } from "../../src/log/logger.js";
import { ONLINESIM } from "../../src/markets/onlinesim/v1-market.js";
import { PortMap } from "../../src/modem/port-map.js";
import type { RouteOutcome } from "../../src/sales/core.js";
import type { Reservation } from "../../src/sales/types.js";
import { openStore, type Store } from "../../src/store/index.js";
import { deliverParts, tempStateDir } from "../store/helpers.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempStore(): Store {
  const t = tempStateDir();
  const s = openStore({ stateDir: t.dir });
  cleanups.push(() => {
    s.close();
    t.cleanup();
  });
  return s;
}

async function reserve(s: Store, market: string, n: number): Promise<Reservation> {
  const sim = { number: `7916${String(n).padStart(7, "0")}`, iccid: `8970100${String(n).padStart(12, "0")}`, portId: `usb-1-${n}`, country: "russia", operator: "mts" };
  const [r] = await s.sales.claim([{ reservation: { market, service: "telegram", sum: 10, currency: "RUB", createdAt: Date.now() - 60_000 }, candidates: [sim] }]);
  if (r?.kind !== "reserved") throw new Error("claim failed");
  return r.reservation;
}

let seq = 0;
/** Store an SMS on SIM n and route it through the ledger, as sms-flow does: what smsStored is told. */
async function receive(s: Store, n: number, text: string) {
  const iccid = `8970100${String(n).padStart(12, "0")}`;
  const number = `7916${String(n).padStart(7, "0")}`;
  const portId = `usb-1-${n}`;
  const parts = deliverParts({ text, portId, iccid, at: new Date(Date.UTC(2026, 11, 7, 9, 0, 0) + ++seq * 1000) });
  for (const p of parts) s.sms.acceptPart(p);
  const sms = { portId, iccid, sender: "Telegram", text, parts, missingParts: [], timestamp: null };
  const smsId = s.sms.storeMessage(sms).id;
  const attached = await s.sales.attachSms({ smsId, iccid, number, at: Date.now() });
  const outcome: RouteOutcome = attached.kind === "no-holder" ? { kind: "unrouted" } : attached;
  return { smsId, sms, number: `+${number}`, outcome };
}

function outbound(s: Store, mode: "v1" | "v2" | "both") {
  const config = validateConfig({ onlinesim: { mode } });
  const out = startOutbound({ config, key: "k-outbound-markets-123", store: s, engine: { isHeld: () => false }, map: new PortMap(), logger: silentLogger() });
  cleanups.push(() => out.stop());
  return out;
}

describe("outbound glue with another marketplace's reservations", () => {
  for (const mode of ["v2", "both"] as const) {
    it(`mode ${mode}: another marketplace's SMS is not queued for addMessages; an unheld SMS is`, async () => {
      const s = tempStore();
      await reserve(s, "smshub", 1);
      const out = outbound(s, mode);
      const foreign = await receive(s, 1, "Other market code 121212");
      expect(foreign.outcome).toMatchObject({ kind: "queued", reservation: { market: "smshub" } });
      out.smsStored(foreign);
      expect(s.v2Messages.pendingCount()).toBe(0);
      const free = await receive(s, 2, "nobody holds this SIM");
      out.smsStored(free);
      expect(s.v2Messages.pendingCount()).toBe(1);
      expect(s.outbox.pendingCount()).toBe(1); // the other marketplace's row, untouched
    });
  }

  it("mode both: an Onlinesim reservation's SMS goes to PUSH_SMS only, not also to addMessages", async () => {
    const s = tempStore();
    await reserve(s, ONLINESIM, 3);
    const out = outbound(s, "both");
    const own = await receive(s, 3, "Onlinesim code 343434");
    out.smsStored(own);
    expect(s.v2Messages.pendingCount()).toBe(0);
    expect(s.outbox.pendingCount({ market: ONLINESIM })).toBe(1);
  });
});
