/**
 * The SMSHUB agent endpoint over real HTTP on loopback, per dialect, against the
 * sales core (in-memory ledger): what a marketplace sees on the wire (shapes, types, gzip) and
 * what the core is asked to do (reserve with the deadline, close with neutral outcomes).
 */
import { afterEach, describe, expect, it } from "vitest";
import { DIALECT_NAMES } from "../../src/markets/smshub/dialects.js";
import { GetNumberAnswer, GetServicesAnswer } from "../../src/markets/smshub/schemas.js";
import { KEY, MARKET, startSmshub, until, type SmshubHarness } from "./smshub-harness.js";

let h: SmshubHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ORDER = { action: "GET_NUMBER", country: "russia", operator: "any", service: "vk", sum: 20.5, currency: 643 };

async function order(harness: SmshubHarness, extra: Record<string, unknown> = {}) {
  return harness.call({ ...ORDER, ...extra });
}

async function finish(harness: SmshubHarness, activationId: number, status: number) {
  return harness.call({ action: "FINISH_ACTIVATION", activationId, status });
}

/** vk counts per country as GET_SERVICES reports them (operator `any`). */
async function vkCounts(harness: SmshubHarness): Promise<Record<string, number>> {
  const a = await harness.call({ action: "GET_SERVICES" });
  const parsed = GetServicesAnswer.parse(a.json);
  if (parsed.status !== "SUCCESS") throw new Error("ERROR answer");
  return Object.fromEntries(parsed.countryList.map((c) => [c.country, c.operatorMap["any"]?.["vk"] ?? -1]));
}

describe.each(DIALECT_NAMES)("SMSHUB endpoint, dialect %s", (dialect) => {
  const gzipAlways = dialect !== "grizzly";

  it("GET_SERVICES answers every named country as `any` with integer counts, gzip as the dialect wants", async () => {
    h = await startSmshub({ dialect });
    const a = await h.call({ action: "GET_SERVICES" }, { acceptEncoding: null });
    expect(a.status).toBe(200);
    expect(a.json).toEqual({
      countryList: [
        { country: "russia", operatorMap: { any: { tg: 2, vk: 2, wa: 2 } } },
        { country: "ukraine", operatorMap: { any: { tg: 1, vk: 1, wa: 1 } } },
      ],
      status: "SUCCESS",
    });
    expect(GetServicesAnswer.safeParse(a.json).success).toBe(true);
    // Without Accept-Encoding: SMSHUB and SMSBower compress every answer, Grizzly does not.
    expect(a.gzipped).toBe(gzipAlways);
    const asked = await h.call({ action: "GET_SERVICES" }, { acceptEncoding: "gzip, deflate" });
    expect(asked.gzipped).toBe(true);
    const refused = await h.call({ action: "GET_SERVICES" }, { acceptEncoding: "gzip;q=0, identity" });
    expect(refused.gzipped).toBe(false);
  });

  it("orders, answers number and activationId as JSON numbers, hides the SIM, and closes with 3 burning the service only", async () => {
    h = await startSmshub({ dialect });
    const a = await order(h);
    expect(a.status).toBe(200);
    expect(a.text).toMatch(/^\{"number":\d+,"activationId":\d+,"status":"SUCCESS"\}$/);
    const got = GetNumberAnswer.parse(a.json);
    if (got.status !== "SUCCESS") throw new Error("no number");
    expect(String(got.number)).toMatch(/^7\d{10}$/);
    expect(await vkCounts(h)).toEqual({ russia: 1, ukraine: 1 });
    const req = h.sales.reserveRequests[0]!;
    expect(req).toMatchObject({ market: MARKET, country: "RU", service: "vk", price: { currency: "RUB", amount: 20.5 }, excludePrefixes: [] });
    expect(req.networks).toBeUndefined();
    // The deadline handed to the core is the dialect's 3 s after the request arrived.
    expect(req.deadline! - req.receivedAt).toBeGreaterThan(2_000);
    expect(req.deadline! - req.receivedAt).toBeLessThanOrEqual(3_000);

    expect((await finish(h, got.activationId, 3)).json).toEqual({ status: "SUCCESS" });
    // Idempotent: SMSHUB re-sends a FINISH whose answer it missed.
    expect((await finish(h, got.activationId, 3)).json).toEqual({ status: "SUCCESS" });
    expect(await h.mem.earned(MARKET)).toEqual({ RUB: 20.5 });
    expect(await vkCounts(h)).toEqual({ russia: 1, ukraine: 1 }); // vk burned for that SIM
    const tg = GetServicesAnswer.parse((await h.call({ action: "GET_SERVICES" })).json);
    expect(tg.status === "SUCCESS" && tg.countryList[0]!.operatorMap["any"]!["tg"]).toBe(2); // other services back
  });

  it("status 4 lets a number be given for the service 3 more times, then no more; other services stay", async () => {
    h = await startSmshub({ dialect, sims: [{ number: "79281234567", network: "25099" }] });
    for (let i = 1; i <= 4; i++) {
      const got = GetNumberAnswer.parse((await order(h)).json);
      expect(got, `order ${i}`).toMatchObject({ status: "SUCCESS", number: 79281234567 });
      if (got.status !== "SUCCESS") return;
      expect((await finish(h, got.activationId, 4)).json).toEqual({ status: "SUCCESS" });
    }
    expect((await order(h)).json).toEqual({ status: "NO_NUMBERS" });
    expect(await vkCounts(h)).toEqual({ russia: 0 });
    expect((await order(h, { service: "tg" })).json).toMatchObject({ status: "SUCCESS", number: 79281234567 });
  });

  it("status 1 stops offering the number for that service; 5 releases it without earnings", async () => {
    h = await startSmshub({ dialect, sims: [{ number: "79281234567", network: "25099" }] });
    const first = GetNumberAnswer.parse((await order(h)).json);
    if (first.status !== "SUCCESS") throw new Error("no number");
    await finish(h, first.activationId, 5);
    expect(await h.mem.earned(MARKET)).toEqual({});
    const second = GetNumberAnswer.parse((await order(h)).json);
    if (second.status !== "SUCCESS") throw new Error("5 must release the number for the same service");
    expect(second.activationId).not.toBe(first.activationId);
    await finish(h, second.activationId, 1);
    expect((await order(h)).json).toEqual({ status: "NO_NUMBERS" });
    expect((await order(h, { service: "wa" })).json).toMatchObject({ status: "SUCCESS" });
  });

  it("a 5 sent after a 3 is answered SUCCESS: a refund of the sale, which leaves the earnings; the outcome and its burn stand", async () => {
    h = await startSmshub({ dialect, sims: [{ number: "79281234567", network: "25099" }] });
    const got = GetNumberAnswer.parse((await order(h)).json);
    if (got.status !== "SUCCESS") throw new Error("no number");
    expect((await finish(h, got.activationId, 3)).json).toEqual({ status: "SUCCESS" });
    expect((await finish(h, got.activationId, 5)).json).toEqual({ status: "SUCCESS" });
    expect(await h.mem.core.find(got.activationId)).toMatchObject({ outcome: "sold", status: 3, refundedAt: expect.any(Number) });
    expect(await h.mem.earned(MARKET)).toEqual({});
    expect((await order(h)).json).toEqual({ status: "NO_NUMBERS" });
  });

  it("an undocumented status still closes (released, nothing burned); an unknown activation is SUCCESS with a warning", async () => {
    h = await startSmshub({ dialect, sims: [{ number: "79281234567", network: "25099" }] });
    const got = GetNumberAnswer.parse((await order(h)).json);
    if (got.status !== "SUCCESS") throw new Error("no number");
    expect((await finish(h, got.activationId, 8)).json).toEqual({ status: "SUCCESS" });
    expect(await h.mem.core.find(got.activationId)).toMatchObject({ outcome: "released", status: 8, closeReason: "finish" });
    expect((await order(h)).json).toMatchObject({ status: "SUCCESS" });
    expect((await finish(h, 999_999, 3)).json).toEqual({ status: "SUCCESS" });
    expect(h.logs().some((l) => l["unknownActivation"] === true && l["level"] === 40)).toBe(true);
  });

  it("honours exceptionPhoneSet prefixes of any length, and gives NO_NUMBERS when all are excluded", async () => {
    h = await startSmshub({ dialect });
    const a = GetNumberAnswer.parse((await order(h, { exceptionPhoneSet: ["7928"] })).json);
    expect(a).toMatchObject({ status: "SUCCESS", number: 79161234568 });
    expect((await order(h, { exceptionPhoneSet: ["79161", "792812"] })).json).toEqual({ status: "NO_NUMBERS" });
    expect(h.sales.reserveRequests.at(-1)!.excludePrefixes).toEqual(["79161", "792812"]);
  });

  it("unknown country, service or operator is a clean NO_NUMBERS, and nothing is reserved", async () => {
    h = await startSmshub({ dialect });
    for (const extra of [{ country: "atlantis" }, { service: "zz" }, { operator: "nosuchtel" }]) {
      const a = await order(h, extra);
      expect(a.status).toBe(200);
      expect(a.json).toEqual({ status: "NO_NUMBERS" });
    }
    expect(h.sales.reserveRequests).toHaveLength(0);
  });

  it("money: cents for roubles; dollars with the dialect's decimals; other currencies refused", async () => {
    h = await startSmshub({ dialect });
    expect((await order(h, { sum: 20.123 })).json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/^BAD_REQUEST: sum: .*2 decimal places/) });
    const usd = await order(h, { sum: 0.1234, currency: 840 });
    if (dialect === "grizzly") expect(usd.json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/sum: .*2 decimal places/) });
    else expect(usd.json).toMatchObject({ status: "SUCCESS" });
    expect((await order(h, { currency: 978 })).json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/currency: unsupported currency 978/) });
    const { currency: _c, ...noCurrency } = ORDER;
    const absent = await h.call(noCurrency);
    // SMSHUB marks currency required; the clones' pages do not show it: absent = roubles.
    if (dialect === "smshub") expect(absent.json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/^BAD_REQUEST: currency/) });
    else expect(absent.json).toMatchObject({ status: "SUCCESS" });
  });
});

describe("SMSHUB endpoint: refusals in the protocol's shape", () => {
  it("types are strict: a numeric field sent as a string, or a prefix as a number, is refused with exactly {status, error}", async () => {
    h = await startSmshub();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...ORDER, sum: "20.5" }, /sum/],
      [{ ...ORDER, currency: "643" }, /currency/],
      [{ ...ORDER, exceptionPhoneSet: [7918] }, /exceptionPhoneSet\.0/],
      [{ ...ORDER, country: 7 }, /country/],
      [{ action: "FINISH_ACTIVATION", activationId: "5", status: 3 }, /activationId/],
      [{ action: "FINISH_ACTIVATION", activationId: 5, status: "3" }, /status/],
      [{ action: "FINISH_ACTIVATION", activationId: 5, status: -1 }, /status/],
      [{ action: "FINISH_ACTIVATION", activationId: 1.5, status: 3 }, /activationId/],
    ];
    for (const [body, field] of cases) {
      const a = await h.call(body);
      expect(a.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(a.json as object).sort()).toEqual(["error", "status"]);
      expect((a.json as { error: string }).error).toMatch(/^BAD_REQUEST: /);
      expect((a.json as { error: string }).error).toMatch(field);
    }
    expect(h.sales.reserveRequests).toHaveLength(0);
  });

  it("bad key, unknown action, bad JSON, bad gzip, wrong method: each its own token, never fastify's format", async () => {
    h = await startSmshub();
    const wrongKey = await h.call({ action: "GET_SERVICES" }, { key: "nope" });
    expect([wrongKey.status, wrongKey.json]).toEqual([401, { status: "ERROR", error: "BAD_KEY" }]);
    const noKey = await h.call({ action: "GET_SERVICES" }, { key: null });
    expect([noKey.status, noKey.json]).toEqual([401, { status: "ERROR", error: "BAD_KEY" }]);
    const unknown = await h.call({ action: "GET_BALANCE" });
    expect(unknown.status).toBe(200);
    expect(unknown.json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/^UNKNOWN_ACTION/) });
    const badJson = await h.call({}, { raw: Buffer.from("{nope") });
    expect(badJson.status).toBe(400);
    expect(badJson.json).toEqual({ status: "ERROR", error: "BAD_JSON: body is not valid JSON" });
    const badGzip = await h.call({}, { raw: Buffer.from("not gzip"), gzip: false, headers: { "content-encoding": "gzip" } });
    expect(badGzip.json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/^BAD_ENCODING/) });
    const get = await h.call({}, { method: "GET", raw: Buffer.alloc(0), gzip: false });
    expect([get.status, get.json]).toEqual([405, { status: "ERROR", error: "METHOD_NOT_ALLOWED: use POST" }]);
    // Refusals are gzip too on a gzip dialect.
    expect(wrongKey.gzipped && unknown.gzipped && badJson.gzipped).toBe(true);
    expect(h.rawLogs.join("")).not.toContain(KEY);
  });

  it("a request body sent without gzip is still read (we are lenient in what we accept)", async () => {
    h = await startSmshub();
    expect((await h.call({ action: "GET_SERVICES" }, { gzip: false })).json).toMatchObject({ status: "SUCCESS" });
  });

  it("a core that failed to record answers ERROR so the marketplace sends it again", async () => {
    h = await startSmshub();
    h.mem.ledger.failNextWrite = true;
    expect((await order(h)).json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/^NOT_RECORDED/) });
    const got = GetNumberAnswer.parse((await order(h)).json);
    if (got.status !== "SUCCESS") throw new Error("no number");
    h.mem.ledger.failNextWrite = true;
    expect((await finish(h, got.activationId, 3)).json).toMatchObject({ status: "ERROR", error: expect.stringMatching(/^NOT_RECORDED/) });
    expect((await finish(h, got.activationId, 3)).json).toEqual({ status: "SUCCESS" });
  });
});

describe("SMSHUB endpoint: operators and lost answers", () => {
  it("a country in operatorSplit is reported per operator only (never with `any`), and orders by operator name", async () => {
    h = await startSmshub({ names: { operatorSplit: ["RU"] } });
    const a = GetServicesAnswer.parse((await h.call({ action: "GET_SERVICES" })).json);
    expect(a).toEqual({
      countryList: [
        { country: "russia", operatorMap: { beeline: { tg: 1, vk: 1, wa: 1 }, mts: { tg: 1, vk: 1, wa: 1 } } },
        { country: "ukraine", operatorMap: { any: { tg: 1, vk: 1, wa: 1 } } },
      ],
      status: "SUCCESS",
    });
    const mts = GetNumberAnswer.parse((await order(h, { operator: "mts" })).json);
    expect(mts).toMatchObject({ status: "SUCCESS", number: 79161234568 });
    expect(h.sales.reserveRequests.at(-1)!.networks).toEqual(new Set(["25001"]));
    // `any` still orders any operator of the country.
    expect((await order(h, { operator: "any" })).json).toMatchObject({ status: "SUCCESS", number: 79281234567 });
  });

  it("a GET_NUMBER whose caller hung up before the answer is withdrawn, and the SIM is offered again", async () => {
    h = await startSmshub({ sims: [{ number: "79281234567", network: "25099" }] });
    h.sales.reserveDelayMs = 300;
    await expect(h.call({ ...ORDER }, { abortAfterMs: 100 })).rejects.toThrow(/client gave up/);
    await until(() => h!.sales.withdrawals.length === 1, 5_000, "the withdrawal");
    const withdrawn = h.sales.withdrawals[0]!;
    expect(withdrawn).toMatchObject({ market: MARKET });
    await until(() => h!.mem.core.openReservations().length === 0, 5_000, "the SIM freed");
    expect(await h.mem.core.find(withdrawn.reservationId)).toMatchObject({ closeReason: "undelivered", outcome: null });
    h.sales.reserveDelayMs = 0;
    expect(await vkCounts(h)).toEqual({ russia: 1 });
    // A FINISH for it after all (the marketplace did hear of it) is recorded once and answered SUCCESS.
    expect((await finish(h, withdrawn.reservationId, 4)).json).toEqual({ status: "SUCCESS" });
    expect(await h.mem.core.find(withdrawn.reservationId)).toMatchObject({ closeReason: "undelivered", outcome: "cancelled", status: 4 });
  });

  it("reports each request for metrics and logs no key", async () => {
    h = await startSmshub();
    await h.call({ action: "GET_SERVICES" });
    await order(h);
    await h.call({ action: "GET_SERVICES" }, { key: "wrong" });
    await until(() => h!.infos.length === 3, 3_000, "three request infos");
    expect(h.infos.map((i) => [i.action, i.status, i.result])).toEqual([
      ["GET_SERVICES", 200, "SUCCESS"],
      ["GET_NUMBER", 200, "SUCCESS"],
      ["invalid", 401, "BAD_KEY"],
    ]);
    expect(h.rawLogs.join("")).not.toContain(KEY);
  });
});
