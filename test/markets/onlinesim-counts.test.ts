import { describe, expect, it } from "vitest";
import { anyCounts, makeEngine, port } from "./onlinesim-engine.js";

describe("GET_SERVICES counts", () => {
  it("has the documented shape: country entries, `any` plus each operator, every configured service", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1, { net: "25001" }), port(2, { net: "25002" }), port(3, { net: "25002" }), port(4, { net: "26201" })]);
    expect(engine.getServices()).toEqual({
      countryList: [
        { country: "russia", operatorMap: { any: { facebook: 3, telegram: 3 }, mts: { facebook: 1, telegram: 1 }, megafon: { facebook: 2, telegram: 2 } } },
        { country: "germany", operatorMap: { any: { facebook: 1, telegram: 1 }, telekom: { facebook: 1, telegram: 1 } } },
      ],
      status: "SUCCESS",
    });
  });

  it("counts only present ports with a ready, identified SIM", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([
      port(1),
      port(2, { state: "registering" }),
      port(3, { state: "degraded" }),
      port(4, { present: false }),
      port(5, { number: null }),
      port(6, { iccid: null }),
      port(7, { mcc: null }),
    ]);
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    expect(engine.stats().modules).toBe(1);
  });

  it("counts a SIM reported by two ports once (never more than modules that can receive)", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1), port(1, { id: "other" }), port(2, { iccid: port(1).iccid })]);
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    expect(engine.stats().modules).toBe(1);
    engine.updatePorts([port(3, { mcc: "999", mnc: "99" }), port(3, { id: "again", mcc: "999", mnc: "99" })]);
    expect(engine.stats()).toMatchObject({ modules: 1, namedSims: 0 });
  });

  it("omits SIMs whose network has no name, and an unknown country entirely", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1), port(2, { mcc: "999", mnc: "99" }), port(3, { mcc: "250", mnc: "77" })]);
    expect(engine.getServices().countryList.map((c) => c.country)).toEqual(["russia"]);
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
  });

  it("uses name overrides from config", async () => {
    const { engine } = await makeEngine({ names: { countries: { "999": "testland" }, operators: { "99999": "testnet" } } });
    engine.updatePorts([port(2, { mcc: "999", mnc: "99" })]);
    expect(engine.getServices().countryList).toEqual([{ country: "testland", operatorMap: { any: { facebook: 1, telegram: 1 }, testnet: { facebook: 1, telegram: 1 } } }]);
  });

  it("drops by one for an open activation, and for good for a sold service only", async () => {
    const { engine } = await makeEngine();
    engine.updatePorts([port(1), port(2)]);
    const r = await engine.getNumber({ country: "russia", operator: "any", service: "facebook", sum: 10 });
    expect(r.status).toBe("SUCCESS");
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 1 });
    await engine.finishActivation({ activationId: (r as { activationId: number }).activationId, status: 3 });
    expect(anyCounts(engine)).toEqual({ facebook: 1, telegram: 2 });
  });

  it("holds back the reserve: the most recently used idle SIMs", async () => {
    let now = 1000;
    const { engine } = await makeEngine({ reserveModules: 1 }, undefined, () => now);
    engine.updatePorts([port(1), port(2), port(3)]);
    expect(anyCounts(engine)).toEqual({ facebook: 2, telegram: 2 });
    const r = await engine.getNumber({ country: "russia", operator: "any", service: "telegram" });
    expect(r).toMatchObject({ status: "SUCCESS", number: 79000000001 });
    now = 2000;
    await engine.finishActivation({ activationId: 1, status: 5 });
    // 79000000001 was used last, so it rests; the other two are offered.
    expect(anyCounts(engine)).toEqual({ facebook: 2, telegram: 2 });
    const next = [(await engine.getNumber({ country: "russia", operator: "any", service: "telegram" })), (await engine.getNumber({ country: "russia", operator: "any", service: "telegram" }))];
    expect(next.map((n) => (n as { number: number }).number).sort()).toEqual([79000000002, 79000000003]);
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 0 });
  });

  it("reports zero rather than a negative count when every module is reserved", async () => {
    const { engine } = await makeEngine({ reserveModules: 5 });
    engine.updatePorts([port(1), port(2)]);
    expect(anyCounts(engine)).toEqual({ facebook: 0, telegram: 0 });
    expect(await engine.getNumber({ country: "russia", operator: "any", service: "facebook" })).toEqual({ status: "NO_NUMBERS" });
  });

  it("answers an empty list with no services configured or no ports", async () => {
    expect((await makeEngine({ services: [] })).engine.getServices()).toEqual({ countryList: [], status: "SUCCESS" });
    expect((await makeEngine()).engine.getServices()).toEqual({ countryList: [], status: "SUCCESS" });
  });
});
