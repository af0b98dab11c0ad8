import { describe, expect, it } from "vitest";
import { Catalog } from "../../src/markets/onlinesim/catalog.js";
import { parseEngineConfig } from "../../src/config/engine-schema.js";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import { OPERATORS } from "../../src/sim/operators.js";

describe("engine config", () => {
  it("has documented defaults", () => {
    const c = parseEngineConfig({});
    expect(c).toMatchObject({ services: [], reserveModules: 0, cancelLimit: 4, activationLifeMs: 15 * 60_000, staleFactor: 4, unknownActivation: "success" });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("lowercases names and rejects reserved or repeated services", () => {
    expect(parseEngineConfig({ services: ["Facebook "] }).services).toEqual(["facebook"]);
    for (const services of [["any"], ["rent"], ["vk", "VK"]]) {
      expect(() => parseEngineConfig({ services })).toThrow(/services/);
    }
    expect(() => parseEngineConfig({ names: { operators: { "25001": "ANY" } } })).toThrow(/summed operator/);
    expect(() => parseEngineConfig({ names: { countries: { "25": "russia" } } })).toThrow(/names\.countries/);
    try {
      parseEngineConfig({ cancelLimit: 0 });
    } catch (err) {
      expect(isSimgateError(err, ErrorCode.EngineConfigInvalid)).toBe(true);
      expect((err as Error).message).toMatch(/cancelLimit/);
    }
  });
});

describe("catalog", () => {
  it("names every operator the simulator uses", () => {
    const catalog = new Catalog();
    for (const op of OPERATORS) expect(catalog.resolve(op.mcc, op.mnc), `${op.mcc}/${op.mnc}`).not.toBeNull();
  });

  it("spells names lowercase as Onlinesim's examples do", () => {
    const catalog = new Catalog();
    expect(catalog.resolve("250", "01")).toEqual({ country: "russia", operator: "mts" });
    expect(catalog.resolve("250", "02")).toEqual({ country: "russia", operator: "megafon" });
    expect(catalog.resolve("262", "01")?.country).toBe("germany");
    expect(catalog.resolve("310", "260")?.country).toBe("usa");
    expect(catalog.resolve("999", "99")).toBeNull();
    expect(catalog.resolve("250", "77")).toBeNull();
  });

  it("lets config overrides win", () => {
    const catalog = new Catalog({ countries: { "250": "rossiya", "999": "testland" }, operators: { "25001": "mts-rus", "99999": "testnet" } });
    expect(catalog.resolve("250", "01")).toEqual({ country: "rossiya", operator: "mts-rus" });
    expect(catalog.resolve("999", "99")).toEqual({ country: "testland", operator: "testnet" });
  });
});
