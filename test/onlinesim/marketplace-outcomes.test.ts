/**
 * The buyer's two options the demo relies on: `outcomes` (each operation's fate in turn,
 * so every FINISH status shows up whatever the timing, and only the operations meant to
 * get an SMS are handed to the services) and `awaitPartnerMs` (a partner still starting is
 * not a violation; buying begins once it answers).
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Marketplace, OperationBook, type MarketplaceOptions } from "../../src/onlinesim/fake/index.js";
import { startTinyPartner, until, type TinyNumber, type TinyPartner } from "./tiny-partner.js";

const KEY = "partner-key";
const NUMBERS: TinyNumber[] = Array.from({ length: 6 }, (_, i) => ({ number: 79001110001 + i, country: "russia", operator: "beeline" }));

let partner: TinyPartner | undefined;
let market: Marketplace | undefined;
afterEach(async () => {
  await market?.stop();
  await partner?.close();
  market = partner = undefined;
});

const base = { key: KEY, pollMs: 0, orderEveryMs: 0, seed: 7, exceptionRate: 0, smsWindowMs: 200, closeAfterSmsMs: 10, deadlineMs: 1_000, finishRetryMs: 20 };

describe("outcomes", () => {
  it("closes the operations with the listed statuses in turn; only 'sms' ones are handed to the services", async () => {
    partner = await startTinyPartner(KEY, NUMBERS);
    const book = new OperationBook();
    const handed: Array<boolean | undefined> = [];
    // status1Rate 1 would close everything with 1 if chance still decided.
    const options: MarketplaceOptions = { ...base, partnerUrl: partner.url, outcomes: [1, 4, 5, "sms"], status1Rate: 1, onIssued: (_op, sms) => handed.push(sms) };
    market = new Marketplace(options, book);
    expect(await market.pollOnce()).toBe(true);
    const ops = [];
    for (let i = 0; i < 5; i++) ops.push((await market.orderOnce())!);
    expect(handed).toEqual([false, false, false, true, false]);
    // No SMS reaches the 'sms' operation here: after the window it is cancelled with 4, never left to chance.
    await until(() => book.openOperations().length === 0, 5_000, "all closed");
    expect(ops.map((o) => partner!.finishes.get(o.activationId)![0]!["status"])).toEqual([1, 4, 5, 4, 1]);
    expect(market.stats().finishes).toEqual({ 1: 2, 3: 0, 4: 2, 5: 1 });
  });
});

describe("awaitPartnerMs", () => {
  it("retries a partner that is not up yet without counting violations, then polls and buys", async () => {
    // Until the partner exists its port drops every connection; count the attempts.
    let attempts = 0;
    const refuser: Server = createServer((s: Socket) => {
      attempts++;
      s.destroy();
    });
    const port = await new Promise<number>((resolve) => refuser.listen(0, "127.0.0.1", () => resolve((refuser.address() as { port: number }).port)));
    market = new Marketplace({ ...base, partnerUrl: `http://127.0.0.1:${port}`, pollMs: 60_000, awaitPartnerMs: 30_000 }, new OperationBook());
    market.start();
    await until(() => attempts >= 2, 10_000, "two attempts while the partner is down");
    await new Promise<void>((r) => refuser.close(() => r()));
    partner = await startTinyPartner(KEY, NUMBERS, ["vk"], port);
    await until(() => market!.currentOffers().length > 0, 10_000, "a successful poll");
    expect(market.violationCount).toBe(0);
    expect(market.stats()).toMatchObject({ polls: 1, pollFailures: 0 });
  });
});
