/**
 * The fake Onlinesim's buyer side against a tiny fake partner: poll GET_SERVICES, order with
 * GET_NUMBER, PUSH_SMS matched to the operation, FINISH_ACTIVATION with every status, FINISH
 * re-sent after a slow answer (docs/protocols/onlinesim-v1.md#finish_activation), and the checks it makes on the partner's answers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FakeOnlinesim, type MarketplaceOptions } from "../../src/onlinesim/fake/index.js";
import { startTinyPartner, until, type TinyNumber, type TinyPartner } from "./tiny-partner.js";

const KEY = "partner-key";
const NUMBERS: TinyNumber[] = [
  { number: 79001110001, country: "russia", operator: "beeline" },
  { number: 79001110002, country: "russia", operator: "megafon" },
  { number: 46950000003, country: "sweden", operator: "telia" },
  { number: 46700000004, country: "sweden", operator: "tele2" },
];

let partner: TinyPartner | undefined;
let fake: FakeOnlinesim | undefined;

afterEach(async () => {
  await fake?.stop();
  await partner?.close();
  fake = partner = undefined;
});

async function setup(opts: Partial<MarketplaceOptions> = {}, numbers = NUMBERS) {
  partner = await startTinyPartner(KEY, numbers);
  fake = new FakeOnlinesim({
    key: KEY,
    marketplace: { partnerUrl: partner.url, pollMs: 0, orderEveryMs: 0, seed: 7, status1Rate: 0, exceptionRate: 0, smsWindowMs: 5_000, closeAfterSmsMs: 10, deadlineMs: 1_000, finishRetryMs: 20, ...opts },
  });
  const urls = await fake.start();
  return { partner, fake, market: fake.marketplace!, urls };
}

async function pushSms(url: string, phone: string, smsId: number, text = "code 1234") {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify({ action: "PUSH_SMS", key: KEY, smsId, phone, phoneFrom: "VK", text }),
    signal: AbortSignal.timeout(3_000),
  });
  return (await res.json()) as unknown;
}

describe("Marketplace", () => {
  it("polls, orders, gets the SMS pushed, and closes with 3 crediting the sum", async () => {
    const { partner, fake, market, urls } = await setup();
    expect(await market.pollOnce()).toBe(true);
    expect(market.currentOffers().length).toBeGreaterThan(0);
    const op = await market.orderOnce();
    expect(op).toBeDefined();
    const sent = partner.received.find((b) => b["action"] === "GET_NUMBER")!;
    expect(sent).toMatchObject({ key: KEY, country: op!.country, operator: op!.operator, service: op!.service, sum: op!.sum });
    expect(await pushSms(urls.pushSms, op!.number, op!.activationId)).toEqual({ status: "SUCCESS" });
    await until(() => fake.stats().finishes[3] === 1, 3_000, "FINISH 3");
    expect(partner.finishes.get(op!.activationId)).toEqual([{ action: "FINISH_ACTIVATION", activationId: op!.activationId, status: 3, sum: op!.sum, key: KEY }]);
    expect(fake.stats()).toMatchObject({ polls: 1, orders: 1, issued: 1, pushSms: 1, openOperations: 0, earnings: op!.sum });
    // the operation is closed: a late SMS for the number is NO_OPERATION
    expect(await pushSms(urls.pushSms, op!.number, op!.activationId, "late")).toEqual({ status: "NO_OPERATION" });
  });

  it("closes with each status and counts earnings only for status 3", async () => {
    const { partner, fake, market } = await setup({ autoFinish: false });
    const ops = [];
    for (let i = 0; i < 4; i++) {
      await market.pollOnce(); // fresh counts before each order, as the 2-min poll would give
      ops.push((await market.orderOnce())!);
    }
    expect(ops.every((o) => o !== undefined)).toBe(true);
    const statuses = [1, 3, 4, 5] as const;
    await Promise.all(ops.map((o, i) => market.finish(o.activationId, statuses[i]!)));
    for (const [i, o] of ops.entries()) {
      const body = partner.finishes.get(o.activationId)![0]!;
      expect(body["status"]).toBe(statuses[i]);
      expect("sum" in body).toBe(statuses[i] === 3);
    }
    expect(fake.stats().finishes).toEqual({ 1: 1, 3: 1, 4: 1, 5: 1 });
    expect(fake.stats().earnings).toBe(ops[1]!.sum);
  });

  it("with no SMS inside the window closes with 4 or 5; status1Rate 1 closes with 1", async () => {
    const { fake, market } = await setup({ smsWindowMs: 50 });
    await market.pollOnce();
    await market.orderOnce();
    await market.orderOnce();
    await until(() => fake.stats().openOperations === 0 && fake.stats().orders === 2, 3_000, "window expiry");
    const f = fake.stats().finishes;
    expect(f[4] + f[5]).toBe(2);
    expect(f[3]).toBe(0);
    await fake.stop();
    await partner!.close();

    const second = await setup({ status1Rate: 1, smsWindowMs: 60 });
    await second.market.pollOnce();
    await second.market.orderOnce();
    await until(() => second.fake.stats().finishes[1] === 1, 3_000, "FINISH 1");
  });

  it("re-sends FINISH when the answer misses the deadline; the partner sees it twice, the buyer closes once", async () => {
    const { partner, fake, market } = await setup({ autoFinish: false, deadlineMs: 400 });
    partner.slowFinish = { times: 1, delayMs: 1_200 };
    await market.pollOnce();
    const op = (await market.orderOnce())!;
    expect(await market.finish(op.activationId, 3)).toBe(true);
    expect(partner.finishes.get(op.activationId)).toHaveLength(2);
    expect(fake.stats()).toMatchObject({ finishRetries: 1, finishes: { 3: 1 }, earnings: op.sum });
    expect(market.violations.map((v) => v.detail).join()).toContain("timeout");
  });

  it("re-sends an acknowledged FINISH (resendFinishRate) and flags a partner that is not idempotent (Q11)", async () => {
    const { partner, fake, market } = await setup({ autoFinish: false, resendFinishRate: 1 });
    await market.pollOnce();
    const a = (await market.orderOnce())!;
    await market.finish(a.activationId, 4);
    expect(partner.finishes.get(a.activationId)).toHaveLength(2);
    expect(market.violations).toEqual([]);
    partner.nonIdempotent = true;
    await market.pollOnce();
    const b = (await market.orderOnce())!;
    await market.finish(b.activationId, 5);
    expect(market.violations.map((v) => v.detail)).toEqual([expect.stringContaining(`#${b.activationId} repeated FINISH not answered SUCCESS (Q11)`)]);
    expect(fake.stats()).toMatchObject({ finishResends: 2, finishes: { 4: 1, 5: 1 } });
  });

  it("rejects a GET_SERVICES answer whose any is not the sum, or that exceeds the module count", async () => {
    const { partner, fake, market } = await setup({ moduleCount: 1 });
    expect(await market.pollOnce()).toBe(false); // russia has 2 free numbers > 1 module
    expect(market.violations[0]!.detail).toContain("exceeds the 1 modules");
    partner.badServices = true;
    expect(await market.pollOnce()).toBe(false);
    expect(market.violations[1]!.detail).toContain("operators sum to");
    expect(market.currentOffers()).toEqual([]);
    expect(fake.stats()).toMatchObject({ polls: 2, pollFailures: 2 });
  });

  it("stops ordering for blockMs after an over-report (docs/protocols/onlinesim-v1.md#get_services-rule-1: 30-min block)", async () => {
    const numbers = NUMBERS.slice(0, 2); // two Russian numbers: russia/any/vk = 2 > 1 module
    const { fake, market } = await setup({ moduleCount: 1, blockMs: 300 }, numbers);
    expect(await market.pollOnce()).toBe(false);
    expect(fake.stats()).toMatchObject({ blocks: 1, blocked: true });
    numbers.pop(); // now honest
    expect(await market.pollOnce()).toBe(true);
    expect(await market.orderOnce()).toBeUndefined();
    expect(fake.stats().orders).toBe(0);
    await until(() => !fake.stats().blocked, 3_000, "block to end");
    expect(await market.orderOnce()).toBeDefined();
  });

  it("flags a number issued despite exceptionPhoneSet, and counts NO_NUMBERS", async () => {
    const sweden = NUMBERS.filter((n) => n.number === 46950000003);
    const { partner, fake, market } = await setup({ exceptionRate: 1 }, sweden);
    await market.pollOnce();
    expect(await market.orderOnce()).toBeUndefined(); // [46950] excludes the only number
    expect(fake.stats().noNumbers).toBe(1);
    partner.ignoreExceptions = true;
    await market.pollOnce();
    expect(await market.orderOnce()).toBeUndefined();
    expect(market.violations.map((v) => v.detail).join()).toContain("matches exceptionPhoneSet prefix 46950");
  });

  it("runs on its own timers, bounded by maxOrders, and stops cleanly", async () => {
    const { fake, market } = await setup({ pollMs: 30, orderEveryMs: 20, maxOrders: 3, smsWindowMs: 40 });
    await until(() => fake.stats().orders === 3 && fake.stats().openOperations === 0, 5_000, "3 orders closed");
    const s = fake.stats();
    expect(s.polls).toBeGreaterThanOrEqual(1);
    expect(s.finishes[1] + s.finishes[3] + s.finishes[4] + s.finishes[5]).toBe(s.issued);
    expect(market.idle).toBe(false); // its poll loop is still scheduled
    await fake.stop();
    // Stopped cleanly: no timer, pause or request of the buyer is left, so it sends nothing
    // more. (A request it sent just before stop() may still reach the partner after it.)
    expect(market.idle).toBe(true);
  });
});
