/**
 * Rent variants (docs/protocols/onlinesim-v1.md#get_services-rent, docs/protocols/onlinesim-v1.md#get_number-rent, docs/protocols/onlinesim-v1.md#finish_activation-rent): off by default (Q9) → the rent paths are 404; on → they
 * serve the ordinary actions, GET_NUMBER defaulting to the engine's `rent` service, and
 * every body field we do not know is logged (the rent schema was never published, docs/protocols/onlinesim-v1.md#get_number-rent [U]).
 */
import { afterEach, describe, expect, it } from "vitest";
import { LEVEL, requestLines, startPartner, type Harness } from "./partner-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const rentOrder = (extra: Record<string, unknown> = {}) => ({ action: "GET_NUMBER", country: "russia", operator: "any", sum: 300, ...extra });

describe("rent off (default)", () => {
  it.each(["/getServicesRent", "/getNumberRent", "/finishActivationRent"])("%s is a 404 JSON error saying rent is off", async (path) => {
    h = await startPartner({ rentService: true });
    const a = await h.call(path, { action: "GET_SERVICES" });
    expect(a).toMatchObject({ status: 404, json: { status: "ERROR", error: "NOT_FOUND", detail: "rent endpoints are off (onlinesim.v1.rent)" } });
    expect(h.engine.openActivations()).toEqual([]);
  });
});

describe("rent on", () => {
  it("GET_SERVICES at /getServicesRent passes the engine's answer through, the rent counts under the `rent` key (docs/protocols/onlinesim-v1.md#get_services-rent)", async () => {
    h = await startPartner({ v1: { rent: true }, rentService: true });
    const a = await h.call("/getServicesRent", { action: "GET_SERVICES" });
    expect(a.json).toEqual({
      countryList: [{ country: "russia", operatorMap: { any: { facebook: 3, telegram: 3, rent: 3 }, mts: { facebook: 3, telegram: 3, rent: 3 } } }],
      status: "SUCCESS",
    });
    expect((await h.call("/getServices", { action: "GET_SERVICES" })).json).toEqual(a.json);
  });

  it("GET_NUMBER at /getNumberRent orders the `rent` service when the body names none, and FINISH at /finishActivationRent closes it", async () => {
    h = await startPartner({ v1: { rent: true }, rentService: true });
    const got = await h.call("/getNumberRent", rentOrder());
    expect(got.json).toEqual({ status: "SUCCESS", number: 79000000001, activationId: 1 });
    expect(h.engine.openActivations()).toMatchObject([{ id: 1, service: "rent", sum: 300 }]);
    const named = await h.call("/getNumberRent", rentOrder({ service: "telegram" }));
    expect(h.engine.openActivations().find((a) => a.id === named.json["activationId"])).toMatchObject({ service: "telegram" });

    expect((await h.call("/finishActivationRent", { action: "FINISH_ACTIVATION", activationId: 1, status: 3, sum: 300 })).json).toEqual({ status: "SUCCESS" });
    expect(h.engine.openActivations().map((a) => a.id)).toEqual([2]);
    expect(h.infos.map((i) => i.action)).toEqual(["GET_NUMBER_RENT", "GET_NUMBER_RENT", "FINISH_ACTIVATION_RENT"]);
  });

  it("logs the names of body fields we do not know at info, never their values", async () => {
    h = await startPartner({ v1: { rent: true }, rentService: true });
    await h.call("/getNumberRent", rentOrder({ duration: 30, rentTime: "secret-ish value" }));
    const line = requestLines(h)[0]!;
    expect(line).toMatchObject({ level: LEVEL.info, rent: true, action: "GET_NUMBER", unknownFields: ["duration", "rentTime"] });
    expect(JSON.stringify(line)).not.toContain("secret-ish value");
  });

  it("logs the fields of a rent body whose action we do not know, to learn the real schema", async () => {
    h = await startPartner({ v1: { rent: true }, rentService: true });
    const a = await h.call("/getNumberRent", { action: "GET_NUMBER_RENT", country: "russia", days: 3 });
    expect(a).toMatchObject({ status: 200, json: { status: "ERROR", error: "UNKNOWN_ACTION" } });
    expect(requestLines(h)[0]).toMatchObject({ action: "GET_NUMBER_RENT", fields: ["action", "country", "days", "key"] });
  });

  it("needs the key like every other path, and validates the same field types", async () => {
    h = await startPartner({ v1: { rent: true }, rentService: true });
    expect((await h.call("/getNumberRent", rentOrder(), { key: "wrong" })).status).toBe(401);
    expect((await h.call("/getNumberRent", rentOrder({ service: 5 }))).json).toMatchObject({ status: "ERROR", error: "BAD_REQUEST" });
    expect((await h.call("/finishActivationRent", { action: "FINISH_ACTIVATION", activationId: "1", status: 3 })).status).toBe(400);
  });

  it("a rent path also listed in v1.paths is served as rent", async () => {
    h = await startPartner({ v1: { rent: true, paths: ["/", "/getNumberRent"] }, rentService: true });
    expect((await h.call("/getNumberRent", rentOrder())).json["status"]).toBe("SUCCESS");
    expect(h.engine.openActivations()).toMatchObject([{ service: "rent" }]);
  });
});
