/**
 * One store, several marketplaces (issue 15): the sales ledger routes each SMS to whoever
 * holds the SIM, and the outbox holds rows for every marketplace. The Onlinesim PUSH_SMS
 * sender must only ever see and send the rows of Onlinesim reservations: an SMS bought on
 * another marketplace pushed to Onlinesim would be a wrong delivery and a leak. The other
 * marketplace's row stays pending, untouched, for its own sender.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeOnlinesim, type FakeOnlinesimUrls } from "../../src/onlinesim/fake/index.js";
import { ONLINESIM } from "../../src/markets/onlinesim/v1-market.js";
import { PushSmsSender } from "../../src/outbound/index.js";
import type { Reservation } from "../../src/sales/types.js";
import type { Store } from "../../src/store/index.js";
import { deliverParts } from "../store/helpers.js";
import { captureLogger, KEY, pushConfig, tempStore, tick, until } from "./helpers.js";

const OTHER_MARKET = "smshub";
const cleanups: Array<() => void | Promise<void>> = [];
let fake: FakeOnlinesim;
let urls: FakeOnlinesimUrls;
let store: Store;

beforeEach(async () => {
  fake = new FakeOnlinesim({ key: KEY });
  urls = await fake.start();
  const sync: Array<() => void> = [];
  store = tempStore(sync).store();
  cleanups.push(...sync);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fake.stop();
});

/** A reservation of `market` on SIM n, claimed through the sales ledger as the core does. */
async function reserve(market: string, n: number, service = "telegram"): Promise<Reservation> {
  const sim = { number: `7916${String(n).padStart(7, "0")}`, iccid: `8970100${String(n).padStart(12, "0")}`, portId: `usb-1-${n}`, country: "russia", operator: "mts" };
  const [result] = await store.sales.claim([{ reservation: { market, service, sum: 10, currency: "RUB", createdAt: Date.now() - 60_000 }, candidates: [sim] }]);
  if (result?.kind !== "reserved") throw new Error(`claim on ${market} failed: ${result?.kind}`);
  return result.reservation;
}

let seq = 0;
/** Store a whole SMS received on the reservation's SIM and route it through the ledger: the outbox row id. */
async function receive(r: Reservation, text: string): Promise<number> {
  const at = new Date(Date.UTC(2026, 11, 7, 8, 0, 0) + ++seq * 1000);
  const portId = r.portId ?? "usb-1-1";
  const parts = deliverParts({ text, at, portId, iccid: r.iccid });
  for (const p of parts) store.sms.acceptPart(p);
  const smsId = store.sms.storeMessage({ portId, iccid: r.iccid, sender: "Telegram", text, parts, missingParts: [], timestamp: null }).id;
  const outcome = await store.sales.attachSms({ smsId, iccid: r.iccid, number: r.number, at: Date.now() });
  if (outcome.kind !== "queued") throw new Error(`expected queued, got ${outcome.kind}`);
  expect(outcome.reservation.market).toBe(r.market);
  return outcome.deliveryId;
}

function sender(): PushSmsSender {
  const x = new PushSmsSender({ outbox: store.outbox, key: KEY, push: pushConfig({ url: urls.pushSms, rentUrl: urls.pushSmsRent }), logger: captureLogger().logger });
  cleanups.push(() => x.stop());
  return x;
}

/** Every PUSH_SMS and PUSH_SMS (RENT) request Onlinesim saw. */
const pushes = () => fake.recorder.all().filter((e) => e.path.endsWith("PUSH_SMS") || e.path.endsWith("PUSH_SMS_RENT"));

describe("PUSH_SMS sends only Onlinesim's reservations' SMS", () => {
  it("pushes the Onlinesim buyer's SMS and leaves the other marketplace's row pending, even when that row is older", async () => {
    const other = await reserve(OTHER_MARKET, 1);
    const mine = await reserve(ONLINESIM, 2);
    fake.openOperation({ activationId: mine.id, number: mine.number });
    const foreignRow = await receive(other, "Other market code 111111"); // queued first: due first
    const ownRow = await receive(mine, "Onlinesim code 222222");

    const x = sender();
    x.start();
    await until(() => store.outbox.get(ownRow)?.deliveredAt != null, 5_000, "the Onlinesim row delivered");
    // The other row was due before it: had the sender read it, it would have gone out first.
    expect(pushes().map((p) => (p.body as { text?: unknown }).text)).toEqual(["Onlinesim code 222222"]);
    expect(store.outbox.get(foreignRow)).toMatchObject({ attempts: 0, deliveredAt: null, gaveUpAt: null, sendingSince: null, lastError: null });
    expect(x.stats()).toMatchObject({ delivered: 1, pending: 0, oldestPendingAgeMs: null, inFlight: 0 });
    expect(store.outbox.pendingCount()).toBe(1); // still queued, for its own marketplace's sender
  });

  it("a row of another marketplace handed over as just queued is not sent", async () => {
    const other = await reserve(OTHER_MARKET, 3);
    const mine = await reserve(ONLINESIM, 4);
    fake.openOperation({ activationId: mine.id, number: mine.number });
    const x = sender();
    x.start();
    await tick();
    const foreignRow = await receive(other, "Other market code 333333");
    x.queued(foreignRow);
    const ownRow = await receive(mine, "Onlinesim code 444444");
    x.queued(ownRow);
    await until(() => store.outbox.get(ownRow)?.deliveredAt != null, 5_000, "the Onlinesim row delivered");
    expect(pushes().map((p) => (p.body as { text?: unknown }).text)).toEqual(["Onlinesim code 444444"]);
    expect(store.outbox.get(foreignRow)).toMatchObject({ attempts: 0, deliveredAt: null, sendingSince: null });
  });

  it("rows of another marketplace left in flight by a crash are not resent to Onlinesim at start", async () => {
    const other = await reserve(OTHER_MARKET, 5, "rent");
    const foreignRow = await receive(other, "Other market rent code 555555");
    store.outbox.markSending([foreignRow], Date.now()); // as if its own sender crashed mid-request
    const mine = await reserve(ONLINESIM, 6);
    fake.openOperation({ activationId: mine.id, number: mine.number });
    const ownRow = await receive(mine, "Onlinesim code 666666");
    const x = sender();
    x.start();
    await until(() => store.outbox.get(ownRow)?.deliveredAt != null, 5_000, "the Onlinesim row delivered");
    expect(pushes().map((p) => (p.body as { text?: unknown }).text)).toEqual(["Onlinesim code 666666"]);
    expect(store.outbox.get(foreignRow)).toMatchObject({ attempts: 1, deliveredAt: null, gaveUpAt: null });
  });
});
