/**
 * The v1 endpoint answers Onlinesim's documented calls with the documented shapes
 * (docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us), on every configured path, over real HTTP and a real engine.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import type { ClaimOrder, ClaimResult } from "../../src/sales/ledger.js";
import {
  EXAMPLES,
  FinishActivationRequest,
  FinishActivationResponse,
  GetNumberRequest,
  GetNumberResponse,
  GetServicesRequest,
  GetServicesResponse,
  V1ErrorResponse,
  check,
} from "../../src/onlinesim/schemas.js";
import { port } from "../sales/ports.js";
import { DEFAULTS, KEY, startPartner, type Harness } from "./partner-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const order = (extra: Record<string, unknown> = {}) => ({ action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: 12.5, ...extra });
const anyCounts = (json: Record<string, unknown>, country = "russia") =>
  (json["countryList"] as { country: string; operatorMap: Record<string, Record<string, number>> }[]).find((c) => c.country === country)?.operatorMap["any"];

describe("documented example payloads", () => {
  it("the doc's request examples parse with the request schemas, and the endpoint answers each with the documented response shape", async () => {
    expect(check(GetServicesRequest, EXAMPLES.getServicesRequest).ok).toBe(true);
    expect(check(GetNumberRequest, EXAMPLES.getNumberRequest).ok).toBe(true);
    expect(check(FinishActivationRequest, EXAMPLES.finishActivationRequest).ok).toBe(true);

    // A German SIM, so the docs/protocols/onlinesim-v1.md#get_number example (germany / any / facebook) can be served.
    h = await startPartner({ ports: [port(4, { net: "26201" })] });
    const services = await h.call("/getServices", { ...EXAMPLES.getServicesRequest, key: KEY });
    expect(services.status).toBe(200);
    expect(check(GetServicesResponse, services.json)).toEqual({ ok: true, value: services.json });
    expect(anyCounts(services.json, "germany")).toEqual({ facebook: 1, telegram: 1 });

    const number = await h.call("/getNumber", { ...EXAMPLES.getNumberRequest, key: KEY });
    expect(number.json).toEqual({ status: "SUCCESS", number: 499000000004, activationId: 1 });
    expect(check(GetNumberResponse, number.json).ok).toBe(true);

    const finish = await h.call("/finishActivation", { ...EXAMPLES.finishActivationRequest, activationId: 1, key: KEY });
    expect(finish.json).toEqual({ status: "SUCCESS" });
    expect(check(FinishActivationResponse, finish.json).ok).toBe(true);
  });

  it("the doc's response examples parse with the response schemas (the literal placeholder one does not, Q3)", () => {
    expect(check(GetServicesResponse, EXAMPLES.getServicesResponse).ok).toBe(true);
    expect(check(GetServicesResponse, EXAMPLES.getServicesRentResponse).ok).toBe(true);
    expect(check(GetServicesResponse, EXAMPLES.getServicesResponsePlaceholder).ok).toBe(false);
    expect(check(GetNumberResponse, EXAMPLES.getNumberResponse).ok).toBe(true);
    expect(check(GetNumberResponse, EXAMPLES.getNumberNoNumbers).ok).toBe(true);
    expect(check(GetNumberResponse, EXAMPLES.getNumberError).ok).toBe(true);
    expect(check(FinishActivationResponse, EXAMPLES.finishActivationResponse).ok).toBe(true);
  });

  it("error answers are the documented error shape plus an optional detail", async () => {
    h = await startPartner();
    const bad = await h.call("/", { action: "GET_SERVICES" }, { key: "wrong" });
    expect(bad.status).toBe(401);
    expect(check(V1ErrorResponse, bad.json).ok).toBe(true);
    const unknown = await h.call("/", { action: "PUSH_SMS" });
    const { detail, ...shape } = unknown.json;
    expect(typeof detail).toBe("string");
    expect(check(V1ErrorResponse, shape).ok).toBe(true);
  });
});

describe("happy paths on every default path", () => {
  it.each(DEFAULTS.onlinesim.v1.paths)("%s serves GET_SERVICES, GET_NUMBER and FINISH_ACTIVATION (one handler dispatching on action, Q2)", async (path) => {
    h = await startPartner();
    const before = await h.call(path, { action: "GET_SERVICES" });
    expect(before.status).toBe(200);
    expect(before.headers.get("content-type")).toBe("application/json; charset=utf-8"); // docs/protocols/onlinesim.md#content-type
    expect(before.json).toEqual({
      countryList: [{ country: "russia", operatorMap: { any: { facebook: 3, telegram: 3 }, mts: { facebook: 3, telegram: 3 } } }],
      status: "SUCCESS",
    });

    const got = await h.call(path, order());
    expect(got).toMatchObject({ status: 200, json: { status: "SUCCESS", number: 79000000001, activationId: 1 } });
    expect(anyCounts((await h.call(path, { action: "GET_SERVICES" })).json)).toEqual({ facebook: 2, telegram: 2 });

    const fin = await h.call(path, { action: "FINISH_ACTIVATION", activationId: 1, status: 4, sum: 0 });
    expect(fin).toMatchObject({ status: 200, json: { status: "SUCCESS" } });
    // Cancelled (4): the number is offered again for the same service (docs/protocols/onlinesim-v1.md#get_services-rule-3).
    expect(anyCounts((await h.call(path, { action: "GET_SERVICES" })).json)).toEqual({ facebook: 3, telegram: 3 });
  });

  it("a sold number (status 3) is not offered again for that service", async () => {
    h = await startPartner({ ports: [port(1)] });
    const got = await h.call("/getNumber", order());
    expect(got.json["status"]).toBe("SUCCESS");
    await h.call("/finishActivation", { action: "FINISH_ACTIVATION", activationId: got.json["activationId"], status: 3, sum: 4.5 });
    expect(anyCounts((await h.call("/getServices", { action: "GET_SERVICES" })).json)).toEqual({ facebook: 0, telegram: 1 });
  });

  it("answers NO_NUMBERS when nothing fits: all busy, unknown country, excluded prefix", async () => {
    h = await startPartner({ ports: [port(1)] });
    expect((await h.call("/getNumber", order({ exceptionPhoneSet: [7900] }))).json).toEqual({ status: "NO_NUMBERS" });
    expect((await h.call("/getNumber", order({ country: "atlantis" }))).json).toEqual({ status: "NO_NUMBERS" });
    expect((await h.call("/getNumber", order())).json["status"]).toBe("SUCCESS");
    const none = await h.call("/getNumber", order());
    expect(none).toMatchObject({ status: 200, json: { status: "NO_NUMBERS" } });
    expect(check(GetNumberResponse, none.json).ok).toBe(true);
  });

  it("accepts exceptionPhoneSet as integers and as digit strings (Q8)", async () => {
    h = await startPartner({ ports: [port(1, { number: "+79161111111" }), port(2, { number: "+79031111111" })] });
    expect((await h.call("/getNumber", order({ exceptionPhoneSet: [7916] }))).json).toMatchObject({ number: 79031111111 });
    expect((await h.call("/getNumber", order({ exceptionPhoneSet: ["7903"] }))).json).toMatchObject({ number: 79161111111 });
  });

  it("v1.numberType 'string' answers the number as a JSON string (Q7)", async () => {
    h = await startPartner({ v1: { numberType: "string" } });
    expect((await h.call("/getNumber", order())).json).toEqual({ status: "SUCCESS", number: "79000000001", activationId: 1 });
  });

  it("FINISH_ACTIVATION is idempotent (docs/protocols/onlinesim-v1.md#finish_activation re-sends) and answers SUCCESS for an id we never issued (Q11)", async () => {
    h = await startPartner();
    await h.call("/", order());
    const finish = { action: "FINISH_ACTIVATION", activationId: 1, status: 3 };
    expect((await h.call("/", finish)).json).toEqual({ status: "SUCCESS" });
    expect((await h.call("/", finish)).json).toEqual({ status: "SUCCESS" });
    expect((await h.call("/", { ...finish, activationId: 999 })).json).toEqual({ status: "SUCCESS" });
    expect(h.engine.openActivations()).toEqual([]);
  });

  it("an undocumented FINISH status still closes and releases the number (Q17), instead of a 400 Onlinesim would re-send forever", async () => {
    h = await startPartner({ ports: [port(1)] });
    await h.call("/", order());
    expect((await h.call("/", { action: "FINISH_ACTIVATION", activationId: 1, status: 2 })).json).toEqual({ status: "SUCCESS" });
    expect((await h.call("/", order())).json).toMatchObject({ status: "SUCCESS", number: 79000000001, activationId: 2 });
  });

  it("passes the engine's ERROR answer through as HTTP 200 when the store fails (the documented ERROR shape)", async () => {
    class FailingStore extends MemoryLedger {
      override claim(_orders: readonly ClaimOrder[]): Promise<ClaimResult[]> {
        return Promise.reject(new Error("disk full"));
      }
    }
    h = await startPartner({ ledger: new FailingStore() });
    const answer = await h.call("/", order());
    expect(answer).toMatchObject({ status: 200, json: { status: "ERROR", error: "activation could not be stored" } });
    expect(check(GetNumberResponse, answer.json).ok).toBe(true);
    // Nothing stayed reserved: the next order (store still failing) gets the same answer, not NO_NUMBERS.
    expect((await h.call("/", order())).json["status"]).toBe("ERROR");
  });
});

describe("concurrency", () => {
  it("200 concurrent GET_NUMBERs never hand out one number twice", async () => {
    const ports = Array.from({ length: 50 }, (_, i) => port(i + 1));
    h = await startPartner({ ports });
    const harness = h;
    const answers = await Promise.all(Array.from({ length: 200 }, () => harness.call("/getNumber", order())));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const issued = answers.filter((a) => a.json["status"] === "SUCCESS");
    expect(issued).toHaveLength(50);
    expect(answers.filter((a) => a.json["status"] === "NO_NUMBERS")).toHaveLength(150);
    expect(new Set(issued.map((a) => a.json["number"])).size).toBe(50);
    expect(new Set(issued.map((a) => a.json["activationId"])).size).toBe(50);
    expect(h.engine.openActivations()).toHaveLength(50);
  });
});
