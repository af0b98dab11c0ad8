/**
 * The SMSHUB wire schemas as properties: every valid payload round-trips through JSON and
 * parses to what was meant; every numeric field sent as a string is refused (SMSHUB's
 * acceptance test), with the protocol's error shape when it comes over HTTP; our own
 * answers (GET_SERVICES, PUSH_SMS) always satisfy the strict schemas the fake uses.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NetworkOffer } from "../../src/markets/market-port.js";
import { DIALECT_NAMES, DIALECTS } from "../../src/markets/smshub/dialects.js";
import { NameBook, FAMILY_SERVICE_CODES, FAMILY_OPERATOR_NAMES } from "../../src/markets/smshub/names.js";
import { buildSmshubPushSms } from "../../src/markets/smshub/push-sms.js";
import { FinishActivationRequest, getNumberRequest, GetServicesAnswer, PushSmsRequest } from "../../src/markets/smshub/schemas.js";
import { servicesAnswer } from "../../src/markets/smshub/services-answer.js";
import { startSmshub, type SmshubHarness } from "./smshub-harness.js";

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
const prefix = fc.stringMatching(/^[1-9]\d{0,11}$/);
/** A sum with at most `decimals` places, as a marketplace writes it. */
const sum = (decimals: number) => fc.integer({ min: 0, max: 1_000_000 * 10 ** decimals }).map((units) => units / 10 ** decimals);

const validOrder = (dialect: (typeof DIALECT_NAMES)[number]) =>
  fc.constantFrom(...Object.keys(DIALECTS[dialect].currencies).map(Number)).chain((currency) =>
    fc.record(
      {
        action: fc.constant("GET_NUMBER"),
        key: fc.string({ minLength: 1, maxLength: 40 }),
        country: word,
        service: word,
        operator: word,
        sum: sum(DIALECTS[dialect].currencies[currency]!.decimals),
        currency: fc.constant(currency),
        exceptionPhoneSet: fc.array(prefix, { maxLength: 6 }),
      },
      { requiredKeys: ["action", "key", "country", "service", "operator", "sum", "currency"] },
    ),
  );

describe("GET_NUMBER schema", () => {
  it.each(DIALECT_NAMES)("%s: valid orders round-trip through JSON and keep their exact sum and currency", (dialect) => {
    const schema = getNumberRequest(DIALECTS[dialect]);
    fc.assert(
      fc.property(validOrder(dialect), (order) => {
        const parsed = schema.parse(JSON.parse(JSON.stringify(order)));
        expect(parsed.price).toEqual({ currency: order.currency === 643 ? "RUB" : "USD", amount: order.sum });
        expect(parsed.exceptionPhoneSet).toEqual(order.exceptionPhoneSet ?? []);
        expect([parsed.country, parsed.service, parsed.operator]).toEqual([order.country, order.service, order.operator]);
      }),
      { numRuns: 300 },
    );
  });

  it("a numeric field sent as a string, or a prefix sent as a number, is refused", () => {
    const schema = getNumberRequest(DIALECTS.smshub);
    fc.assert(
      fc.property(validOrder("smshub"), fc.constantFrom("sum", "currency", "prefix"), (order, field) => {
        const bad =
          field === "prefix"
            ? { ...order, exceptionPhoneSet: [Number(order.exceptionPhoneSet?.[0] ?? "7918")] }
            : { ...order, [field]: String(order[field as "sum" | "currency"]) };
        const r = schema.safeParse(bad);
        expect(r.success).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("sums with more decimals than the currency allows, negative or huge are refused", () => {
    const schema = getNumberRequest(DIALECTS.smshub);
    const base = { action: "GET_NUMBER", key: "k", country: "russia", service: "vk", operator: "any" };
    for (const [s, currency] of [[20.001, 643], [0.30000000000000004, 643], [-1, 643], [1e7, 643], [0.00001, 840], [1e-7, 840]] as const) {
      expect(schema.safeParse({ ...base, sum: s, currency }).success, `${s} in ${currency}`).toBe(false);
    }
    expect(schema.safeParse({ ...base, sum: 20.0, currency: 643 }).success).toBe(true);
    expect(schema.safeParse({ ...base, sum: 0.0001, currency: 840 }).success).toBe(true);
  });
});

describe("FINISH_ACTIVATION and PUSH_SMS schemas", () => {
  it("FINISH: Ulong id and Uint status as numbers pass, as strings or out of range fail", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 2_147_483_647 }), (activationId, status) => {
        const body = { action: "FINISH_ACTIVATION", key: "k", activationId, status };
        expect(FinishActivationRequest.parse(JSON.parse(JSON.stringify(body)))).toMatchObject({ activationId, status });
        expect(FinishActivationRequest.safeParse({ ...body, activationId: String(activationId) }).success).toBe(false);
        expect(FinishActivationRequest.safeParse({ ...body, status: String(status) }).success).toBe(false);
      }),
    );
    expect(FinishActivationRequest.safeParse({ action: "FINISH_ACTIVATION", key: "k", activationId: 1, status: 2_147_483_648 }).success).toBe(false);
  });

  it("the PUSH_SMS we build is exactly the protocol's: numbers as numbers, any text intact", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.stringMatching(/^[1-9]\d{6,14}$/),
        fc.string({ maxLength: 20 }),
        fc.string({ unit: "grapheme", maxLength: 400 }),
        (smsId, number, sender, text) => {
          const body = buildSmshubPushSms({ smsId, number, sender, text }, "key");
          const wire = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
          expect(PushSmsRequest.parse(wire)).toEqual(body);
          expect(wire["phone"]).toBe(Number(number));
          expect(String(wire["phone"])).toBe(number);
          expect(wire["smsId"]).toBe(smsId);
          expect(wire["text"]).toBe(text);
          expect(typeof wire["phoneFrom"] === "string" && wire["phoneFrom"].length > 0).toBe(true);
        },
      ),
    );
    expect(PushSmsRequest.safeParse({ action: "PUSH_SMS", key: "k", smsId: "1", phone: 79281234567, phoneFrom: "VK", text: "x" }).success).toBe(false);
    expect(PushSmsRequest.safeParse({ action: "PUSH_SMS", key: "k", smsId: 1, phone: "79281234567", phoneFrom: "VK", text: "x" }).success).toBe(false);
  });
});

describe("GET_SERVICES answer", () => {
  // Real networks with their countries, one the core could not place (null), one without a name.
  const networks: Array<[string, string | null]> = [...Object.keys(FAMILY_OPERATOR_NAMES).map((n): [string, string] => [n, n.startsWith("250") ? "RU" : n.startsWith("255") ? "UA" : "KZ"]), ["26201", "DE"], ["99999", null], ["64001", "XX"]];
  const allServices = [...Object.keys(FAMILY_SERVICE_CODES), "unknown-service"];
  const offersFor = (services: string[]) =>
    fc.uniqueArray(fc.constantFrom(...networks), { maxLength: networks.length, selector: ([n]) => n }).chain((nets) =>
      fc.tuple(...nets.map(([network, country]) => fc.array(fc.integer({ min: 0, max: 500 }), { minLength: services.length, maxLength: services.length }).map((counts): NetworkOffer => ({ network, mcc: network.slice(0, 3), mnc: network.slice(3), country, counts })))),
    );
  const input = fc.subarray(allServices, { minLength: 1 }).chain((services) => fc.tuple(fc.constant(services), offersFor(services)));

  it("always parses strictly, keeps either `any` or operators per country, and loses or invents no count", () => {
    fc.assert(
      fc.property(input, fc.subarray(["RU", "UA", "KZ", "DE"]), ([services, offers], split) => {
        const names = new NameBook(DIALECTS.smshub, { operatorSplit: split });
        const answer = servicesAnswer(offers, services, names);
        expect(GetServicesAnswer.safeParse(JSON.parse(JSON.stringify(answer))).success).toBe(true);
        const expected = new Map<string, number>();
        for (const o of offers) {
          const country = o.country === null ? undefined : names.countryName(o.country);
          if (!country || (names.isSplit(o.country!) && !names.operatorName(o.network))) continue;
          services.forEach((service, i) => {
            const code = names.serviceCode(service);
            if (code) expected.set(`${country}|${code}`, (expected.get(`${country}|${code}`) ?? 0) + o.counts[i]!);
          });
        }
        const got = new Map<string, number>();
        for (const entry of answer.countryList) {
          for (const [op, counts] of Object.entries(entry.operatorMap)) {
            expect(op === "any").toBe(!names.isSplit(names.countryCode(entry.country)!));
            for (const [code, n] of Object.entries(counts)) got.set(`${entry.country}|${code}`, (got.get(`${entry.country}|${code}`) ?? 0) + n);
          }
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses counts that are not counts, or not one per service, instead of guessing", () => {
    const names = new NameBook(DIALECTS.smshub);
    const offer = (counts: number[]): NetworkOffer => ({ network: "25099", mcc: "250", mnc: "99", country: "RU", counts });
    expect(() => servicesAnswer([offer([1, -1])], ["vk", "telegram"], names)).toThrow(/is -1/);
    expect(() => servicesAnswer([offer([1.5, 1])], ["vk", "telegram"], names)).toThrow(/is 1.5/);
    expect(() => servicesAnswer([offer([1])], ["vk", "telegram"], names)).toThrow(/1 counts for 2 services/);
  });
});

describe("over HTTP: wrong types get the protocol's error", () => {
  let h: SmshubHarness;
  beforeAll(async () => {
    h = await startSmshub();
  });
  afterAll(async () => h.close());

  it("any numeric field of GET_NUMBER or FINISH sent as a string: 400 {status: ERROR, error: BAD_REQUEST: <field>…}, nothing reserved or closed", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          validOrder("smshub").chain((o) => fc.constantFrom("sum", "currency").map((f) => ({ body: { ...o, [f]: String(o[f as "sum" | "currency"]) }, field: f }))),
          fc.record({ activationId: fc.integer({ min: 1, max: 1e9 }), status: fc.constantFrom(1, 3, 4, 5) }).chain((f) =>
            fc.constantFrom("activationId", "status").map((field) => ({ body: { action: "FINISH_ACTIVATION", ...f, [field]: String(f[field as "status"]) }, field })),
          ),
        ),
        async ({ body, field }) => {
          const { key: _k, ...rest } = body as Record<string, unknown>;
          const a = await h.call(rest);
          expect(a.status).toBe(400);
          expect(Object.keys(a.json as object).sort()).toEqual(["error", "status"]);
          expect((a.json as { status: string }).status).toBe("ERROR");
          expect((a.json as { error: string }).error.startsWith(`BAD_REQUEST: ${field}:`)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
    expect(h.sales.reserveRequests).toHaveLength(0);
    expect(h.mem.ledger.writes).toBe(0);
  });
});
