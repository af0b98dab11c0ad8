/**
 * The fake SMSHUB marketplace's own judgement, against a tiny agent that is correct by
 * default and breaks one rule per flag: the fake must buy, take PUSH_SMS, finish, and
 * record each breach as SMSHUB's acceptance test would.
 */
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { deliverSms } from "../../src/markets/deliver-sms.js";
import { DIALECTS } from "../../src/markets/smshub/dialects.js";
import { FakeSmshub, type FakeSmshubOptions } from "../../src/markets/smshub/fake/fake-smshub.js";
import { SmshubSmsDelivery } from "../../src/markets/smshub/push-sms.js";
import { rawPost, until } from "./smshub-harness.js";
import { startTinyAgent, type TinyAgent, type TinyAgentFlags, type TinyNumber } from "./tiny-agent.js";

const KEY = "fake-hub-key";
const NUMBERS: TinyNumber[] = [
  { number: 79281110001, country: "russia", operator: "beeline" },
  { number: 79161110002, country: "russia", operator: "mts" },
];

let agent: TinyAgent | undefined;
let fake: FakeSmshub | undefined;
afterEach(async () => {
  await fake?.stop();
  await agent?.close();
  fake = agent = undefined;
});

async function setup(buyer: Partial<NonNullable<FakeSmshubOptions["buyer"]>> = {}, flags: Partial<TinyAgentFlags> = {}, numbers = NUMBERS, services = ["vk", "tg"]) {
  agent = await startTinyAgent(KEY, numbers, services);
  Object.assign(agent.flags, flags);
  fake = new FakeSmshub({
    dialect: "smshub",
    key: KEY,
    buyer: { agentUrl: agent.url, pollMs: null, orderEveryMs: 0, seed: 3, status1Rate: 0, status5Rate: 0, exceptionRate: 0, smsWindowMs: 5_000, closeAfterSmsMs: 10, finishRetryMs: 20, ...buyer },
  });
  const urls = await fake.start();
  return { agent, fake, buyer: fake.buyer!, urls };
}

function pusher(url: string, dialect: "smshub" | "grizzly" = "smshub") {
  const delivery = new SmshubSmsDelivery({ market: "hub", dialect: DIALECTS[dialect], url, key: KEY });
  let smsId = 1;
  return (number: string, text: string, id = smsId++) => deliverSms(delivery, { market: "hub", reservationId: 0, smsId: id, number, sender: "VK", text }, { timeoutMs: 3_000 });
}

/** A PUSH_SMS sent by hand (node:http adds no User-Agent of its own, fetch would). */
async function rawPush(url: string, body: unknown, opts: { gzip?: boolean; userAgent?: boolean } = {}) {
  const json = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.userAgent !== false) headers["user-agent"] = "test";
  if (opts.gzip !== false) headers["content-encoding"] = "gzip";
  const a = await rawPost(url, opts.gzip !== false ? gzipSync(json) : json, headers);
  return { status: a.status, json: a.json };
}

describe("fake SMSHUB against a correct agent", () => {
  it("polls, orders the way SMSHUB does, takes the PUSH_SMS, finishes with 3 and credits the sum; no violation", async () => {
    const { agent, fake, buyer, urls } = await setup();
    expect(await buyer.pollOnce()).toBe(true);
    const order = await buyer.orderOnce();
    expect(order).toBeDefined();
    const sent = agent.received.find((b) => b["action"] === "GET_NUMBER")!;
    expect(sent).toMatchObject({ key: KEY, country: "russia", operator: "any", currency: 643 });
    expect(String(sent["sum"])).toMatch(/^\d+(\.\d{1,2})?$/);
    const headers = agent.headers.at(-1)!;
    expect(headers["content-encoding"]).toBe("gzip");
    expect(headers["user-agent"]).toMatch(/fake-smshub/);
    const push = pusher(urls.pushSms);
    expect((await push(order!.number, "VK: 33708 is your code")).verdict).toEqual({ kind: "delivered" });
    await until(() => fake.stats().finishes[3] === 1, 3_000, "FINISH 3");
    expect(agent.received.filter((b) => b["action"] === "FINISH_ACTIVATION").at(-1)).toEqual({ action: "FINISH_ACTIVATION", activationId: order!.activationId, status: 3, key: KEY });
    expect(fake.stats()).toMatchObject({ polls: 1, orders: 1, issued: 1, earnings: { RUB: order!.sum }, openOrders: 0, violations: 0, pushSms: { accepted: 1 } });
    expect(fake.stats().issuance.count).toBe(1);
    expect(fake.log()[0]!.body).toMatchObject({ key: "***", smsId: 1 });
  });

  it("status 4: the same number may come back for the service 3 more times, and a correct agent stops there", async () => {
    const { fake, buyer } = await setup({ outcomes: [4], smsWindowMs: 20 }, {}, [NUMBERS[0]!], ["vk"]);
    for (let i = 1; i <= 4; i++) {
      await buyer.pollOnce();
      const order = await buyer.orderOnce();
      expect(order?.number, `order ${i}`).toBe("79281110001");
      await until(() => fake.stats().finishes[4] === i, 3_000, `cancel ${i}`);
    }
    await buyer.pollOnce();
    // vk is used up for that number (4 cancels): nothing left to order
    expect(buyer.currentOffers()).toEqual([]);
    expect(fake.stats()).toMatchObject({ reoffers: 3, violations: 0 });
  });

  it("stop() leaves nothing scheduled or in flight", async () => {
    const { fake } = await setup({ pollMs: { min: 20, max: 30 }, orderEveryMs: 20, smsWindowMs: 50 });
    await until(() => fake.stats().issued >= 2, 5_000, "two orders");
    await fake.stop();
    expect(fake.buyer!.idle).toBe(true);
  });
});

describe("fake SMSHUB catches a wrong agent", () => {
  const cases: Array<[string, Partial<TinyAgentFlags>, Partial<NonNullable<FakeSmshubOptions["buyer"]>>, RegExp]> = [
    ["number and activationId as strings", { stringTypes: true }, {}, /GET_NUMBER answer types/],
    ["answers without gzip", { noGzip: true }, {}, /TRANSPORT GET_SERVICES answer not gzip-compressed/],
    ["counts above the modules (and blocks itself)", { overReport: true }, { moduleCount: 2 }, /GET_SERVICES .*exceeds the 2 modules/],
    ["`any` beside the operators", { mixAny: true }, {}, /GET_SERVICES .*'any' together with operators/],
    ["switching from `any` to operators", { switchMode: true }, {}, /GET_SERVICES country russia switched/],
    ["claimed counts that are not real", { claimButNone: true }, {}, /GET_NUMBER russia\/any\/\w+: 2 claimed, 0 taken since, answered NO_NUMBERS/],
    ["a number given twice while open", { giveBusy: true }, {}, /GET_NUMBER number 79281110001 given again while open/],
    ["an excluded prefix", { ignoreExceptions: true }, { exceptionRate: 1 }, /GET_NUMBER number 79281110002 matches exceptionPhoneSet prefix 79/],
    ["a FINISH that is not idempotent", { nonIdempotent: true }, { resendFinishRate: 1, outcomes: [1] }, /FINISH_ACTIVATION #\d+ a repeated FINISH not answered SUCCESS/],
  ];

  it.each(cases)("%s", async (_what, flags, buyerOpts, violation) => {
    // Both numbers share a prefix: the second order excludes the first one's.
    const { fake, buyer } = await setup(buyerOpts, flags, [NUMBERS[0]!, { number: 79281110002, country: "russia", operator: "mts" }]);
    for (let i = 0; i < 3; i++) {
      await buyer.pollOnce();
      await buyer.orderOnce();
    }
    await until(() => fake.violations.some((v) => violation.test(`${v.what} ${v.detail}`)), 5_000, `violation ${violation}`);
    if (flags.overReport) expect(fake.stats().blocked).toBe(true);
  });

  it("sharing the pool with other marketplaces (sharedPool), a NO_NUMBERS after a claim is contested, not a violation", async () => {
    // Another marketplace may take what the last poll counted before this buyer orders it:
    // the case is kept for a check against the agent's ledger. Every other rule still holds
    // (a busy number given is still caught).
    const { fake, buyer } = await setup({ sharedPool: true }, { claimButNone: true });
    for (let i = 0; i < 3; i++) {
      await buyer.pollOnce();
      await buyer.orderOnce();
    }
    expect(fake.stats().contested).toBeGreaterThan(0);
    expect(fake.stats().contested).toBe(buyer.contested.length);
    expect(fake.violations).toEqual([]);
    agent!.flags.claimButNone = false;
    agent!.flags.giveBusy = true;
    for (let i = 0; i < 3; i++) {
      await buyer.pollOnce();
      await buyer.orderOnce();
    }
    await until(() => fake.violations.some((v) => /given again while open/.test(v.detail)), 5_000, "a busy number caught");
  });

  it("an issuance slower than 3 s fails", async () => {
    const { fake, buyer } = await setup({}, { slowMs: 3_400 });
    await buyer.pollOnce();
    expect(await buyer.orderOnce()).toBeUndefined();
    expect(fake.violations.map((v) => v.detail)).toContain("no number within 3000 ms (acceptance test: slower fails)");
  });

  it("a number offered again after it was sold, rejected, or cancelled 4 times", async () => {
    for (const outcome of [1, 4] as const) {
      const t = await setup({ outcomes: [outcome], smsWindowMs: 20, closeAfterSmsMs: 20 }, { ignoreBurns: true }, [NUMBERS[0]!], ["vk"]);
      const rounds = outcome === 4 ? 5 : 2;
      for (let i = 1; i <= rounds; i++) {
        await t.buyer.pollOnce();
        await t.buyer.orderOnce();
        if (i < rounds) await until(() => t.fake.stats().finishes[outcome] === i, 3_000, `finish ${i}`);
      }
      const why = outcome === 4 ? /although it was cancelled 4 times/ : /although it was finished with 1/;
      expect(t.fake.violations.map((v) => v.detail).join("\n")).toMatch(why);
      await t.fake.stop();
      await t.agent.close();
      fake = agent = undefined;
    }
  });
});

describe("fake SMSHUB judges PUSH_SMS", () => {
  it("SMSHUB: a PUSH_SMS without gzip or User-Agent, with a string smsId, for a number it does not hold, or sent again after SUCCESS", async () => {
    fake = new FakeSmshub({ dialect: "smshub", key: KEY });
    const { pushSms } = await fake.start();
    fake.openOrder({ activationId: 7, number: "79281110001" });
    const body = { action: "PUSH_SMS", key: KEY, smsId: 11, phone: 79281110001, phoneFrom: "VK", text: "code 1" };
    expect(await rawPush(pushSms, body, { gzip: false, userAgent: false })).toEqual({ status: 200, json: { status: "SUCCESS" } });
    expect(await rawPush(pushSms, body)).toEqual({ status: 200, json: { status: "SUCCESS" } }); // the same SMS again
    const typed = await rawPush(pushSms, { ...body, smsId: "12" });
    expect(typed.status).toBe(400);
    expect(typed.json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/^BAD_REQUEST: smsId/) });
    expect(await rawPush(pushSms, { ...body, smsId: 13, phone: 79990000000 })).toEqual({ status: 200, json: { status: "ERROR", error: "NO_ACTIVATION" } });
    expect(await rawPush(pushSms, { ...body, key: "wrong" })).toEqual({ status: 401, json: { status: "ERROR", error: "BAD_KEY" } });
    const details = fake.violations.map((v) => v.detail);
    expect(details).toEqual([
      "PUSH_SMS not gzip-compressed (required on every request)",
      "PUSH_SMS without a User-Agent (required on every request)",
      "PUSH_SMS smsId 11 sent again after SUCCESS (acceptance test: never re-send)",
      "PUSH_SMS types: smsId: Invalid input: expected number, received string",
      "PUSH_SMS for 79990000000, which this marketplace does not hold (smsId 13)",
    ]);
    expect(fake.stats().pushSms).toMatchObject({ accepted: 1, duplicates: 1, notHeld: 1 });
  });

  it("Grizzly: no gzip needed; our PUSH_SMS builder is accepted as it is by every dialect", async () => {
    fake = new FakeSmshub({ dialect: "grizzly", key: KEY });
    const { pushSms } = await fake.start();
    fake.openOrder({ activationId: 8, number: "79281110001" });
    const push = pusher(pushSms, "grizzly");
    expect((await push("79281110001", "Ваш код 1234 🔐")).verdict).toEqual({ kind: "delivered" });
    expect(fake.violations).toEqual([]);
    expect(fake.book.byNumber("79281110001")!.sms.map((s) => s.text)).toEqual(["Ваш код 1234 🔐"]);
    expect(fake.log()[0]!.headers["content-encoding"]).toBeUndefined();
  });
});
