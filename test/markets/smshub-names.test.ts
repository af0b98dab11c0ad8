/** The SMSHUB family's names and codes, their config overrides, the market's config block, and the status → outcome table. */
import { describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import { marketRulesOf, nameBookOf, pushSmsUrlOf, smshubMarketConfigSchema } from "../../src/markets/smshub/config.js";
import { DIALECTS } from "../../src/markets/smshub/dialects.js";
import { NameBook } from "../../src/markets/smshub/names.js";
import { outcomeOf } from "../../src/markets/smshub/outcomes.js";

describe("NameBook", () => {
  it("maps our ids to the family's codes and names and back (the documented defaults)", () => {
    const b = new NameBook(DIALECTS.smshub);
    expect(["vk", "odnoklassniki", "whatsapp", "telegram", "google", "facebook"].map((s) => b.serviceCode(s))).toEqual(["vk", "ok", "wa", "tg", "go", "fb"]);
    expect(b.serviceId("tg")).toBe("telegram");
    expect([b.countryName("RU"), b.countryName("UA"), b.countryName("GB"), b.countryName("US")]).toEqual(["russia", "ukraine", "england", "usa"]);
    expect(b.countryCode("russia")).toBe("RU");
    expect(b.networksNamed("beeline").sort()).toEqual(["25028", "25099", "40101"]);
    expect(b.isSplit("RU")).toBe(false);
    expect(b.serviceCode("no-such-service")).toBeUndefined();
  });

  it("config overrides replace a default, add a name, or remove one with null", () => {
    const b = new NameBook(DIALECTS.smshub, { services: { google: "gl", vk: null, signal: "sg" }, countries: { RU: "rossiya", XK: "kosovo" }, operators: { "25001": "mts-ru" }, operatorSplit: ["RU"] });
    expect([b.serviceCode("google"), b.serviceCode("vk"), b.serviceCode("signal")]).toEqual(["gl", undefined, "sg"]);
    expect(b.serviceId("go")).toBeUndefined();
    expect([b.countryName("RU"), b.countryCode("kosovo"), b.countryCode("russia")]).toEqual(["rossiya", "XK", undefined]);
    expect(b.operatorName("25001")).toBe("mts-ru");
    expect(b.isSplit("RU")).toBe(true);
  });

  it("two of ours under one name, or an operator called 'any', is a config error in one line", () => {
    const two = () => new NameBook(DIALECTS.smshub, { services: { google: "tg" } });
    expect(two).toThrow(/service codes: '(telegram|google)' and '(telegram|google)' both map to 'tg'/);
    try {
      two();
    } catch (err) {
      expect(isSimgateError(err, ErrorCode.ConfigInvalid)).toBe(true);
    }
    expect(() => new NameBook(DIALECTS.smshub, { operators: { "25001": "any" } })).toThrow(/'any' is the protocol's word for every operator/);
  });
});

describe("the market's config block", () => {
  it("defaults: SMSHUB dialect, /smshub, every country as `any`, SUCCESS for an unknown activation; SMSHUB's published PUSH_SMS URL", () => {
    const c = smshubMarketConfigSchema.parse({});
    expect(c).toEqual({ protocol: "smshub", dialect: "smshub", path: "/smshub", pushConcurrency: 4, services: [], names: { services: {}, countries: {}, operators: {} }, operatorSplit: [], unknownActivation: "success", share: 1, headroom: 0, allowIps: [] });
    expect(pushSmsUrlOf(c)).toBe("https://agent.unerio.com/agent/api/sms");
    expect(pushSmsUrlOf(smshubMarketConfigSchema.parse({ dialect: "smsbower" }))).toBeUndefined();
    expect(pushSmsUrlOf(smshubMarketConfigSchema.parse({ dialect: "grizzly", pushSmsUrl: "https://grizzly.example/sms" }))).toBe("https://grizzly.example/sms");
    expect(nameBookOf(smshubMarketConfigSchema.parse({ names: { services: { google: "gl" } }, operatorSplit: ["RU"] })).serviceCode("google")).toBe("gl");
  });

  it("gives the sales core the market's rules: the services it has codes for, in the order given, with its share and headroom", () => {
    const c = smshubMarketConfigSchema.parse({ share: 0.5, headroom: 2, names: { services: { telegram: null } } });
    const rules = marketRulesOf("hub", c, nameBookOf(c), ["whatsapp", "telegram", "no-such-service", "vk"]);
    expect(rules).toMatchObject({ id: "hub", services: ["whatsapp", "vk"], share: 0.5, headroom: 2 });
    expect(marketRulesOf("hub", c, nameBookOf(c)).services).toEqual(nameBookOf(c).services());
    expect(marketRulesOf("hub", c, nameBookOf(c)).services).not.toContain("telegram");
  });

  it("refuses what cannot be right, naming the field", () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ dialect: "vak" }, /dialect/],
      [{ path: "smshub" }, /path/],
      [{ names: { countries: { ru: "russia" } } }, /names\.countries/],
      [{ names: { operators: { "250": "mts" } } }, /names\.operators/],
      [{ operatorSplit: ["Russia"] }, /operatorSplit/],
      [{ unknownActivation: "ignore" }, /unknownActivation/],
      [{ share: 0 }, /share/],
      [{ share: 1.5 }, /share/],
      [{ headroom: -1 }, /headroom/],
      [{ pushSmsUrl: "not a url" }, /pushSmsUrl/],
      [{ extra: 1 }, /extra/],
    ];
    for (const [input, field] of bad) {
      const r = smshubMarketConfigSchema.safeParse(input);
      expect(r.success, JSON.stringify(input)).toBe(false);
      if (!r.success) expect(r.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")).toMatch(field);
    }
  });
});

describe("FINISH status → neutral outcome", () => {
  it("1 rejected, 3 sold, 4 cancelled with the dialect's limit, 5 refunded, anything else released", () => {
    expect([1, 3, 4, 5, 0, 2, 6].map((s) => outcomeOf(s, DIALECTS.smshub))).toEqual([
      { kind: "rejected" },
      { kind: "sold" },
      { kind: "cancelled", cancelLimit: 4 },
      { kind: "refunded" },
      { kind: "released", why: "undocumented FINISH status 0" },
      { kind: "released", why: "undocumented FINISH status 2" },
      { kind: "released", why: "undocumented FINISH status 6" },
    ]);
  });
});
