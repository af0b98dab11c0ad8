/**
 * Normalising and validating phone numbers (drivers/generic/phone-number.ts): the shapes
 * modems, operators and people write, the SIM's country from its MCC, and a refusal with a
 * reason for anything that is not a valid number. The exhaustive property over every
 * region is in test/modem/own-number-shapes.test.ts.
 */
import { describe, expect, it } from "vitest";
import { getCountryCallingCode } from "libphonenumber-js/max";
import {
  callingCodeForMcc,
  checkInternationalNumber,
  checkPhoneNumber,
  findPhoneNumber,
  regionsForMcc,
} from "../../../drivers/generic/index.js";
import { MCC_MNC_REGION, MCC_REGIONS } from "../../../drivers/generic/mcc-regions.js";

const mobile = (raw: string, mcc: string | null, mnc: string | null = null) => checkPhoneNumber(raw, { mcc, mnc });
const e164 = (raw: string, mcc: string | null) => {
  const v = mobile(raw, mcc);
  return v.ok ? v.e164 : null;
};

describe("issue 14: a national number that starts with the calling code's digits", () => {
  it.each([
    ["9123456789", "404", "+919123456789"], // India: starts with 91
    ["9123456789", "405", "+919123456789"],
    ["7012345678", "401", "+77012345678"], // Kazakhstan: starts with 7
    ["7712345678", "401", "+77712345678"],
  ])("%s with MCC %s is %s", (raw, mcc, expected) => {
    expect(e164(raw, mcc)).toBe(expected);
  });
});

describe("shapes", () => {
  it.each([
    ["+79161234567", "250", "+79161234567"],
    ["89161234567", "250", "+79161234567"], // Russian trunk prefix 8
    ["8 916 123-45-67", "250", "+79161234567"],
    ["8 (916) 123-45-67", "250", "+79161234567"],
    ["79161234567", "250", "+79161234567"], // calling code without "+"
    ["9161234567", "250", "+79161234567"],
    ["0079161234567", "250", "+79161234567"], // "00" is "+"
    ["87012345678", "401", "+77012345678"],
    ["77012345678", "401", "+77012345678"],
    ["09123456789", "404", "+919123456789"],
    ["919123456789", "404", "+919123456789"],
    ["01701234567", "262", "+491701234567"],
    ["+49 170 1234567", "262", "+491701234567"],
    ["07400 123456", "234", "+447400123456"],
    ["+1 (202) 555-0143", "310", "+12025550143"],
    ["2025550143", "310", "+12025550143"],
    ["1 202 555 0143", "310", "+12025550143"],
  ])("%s (MCC %s) → %s", (raw, mcc, expected) => {
    expect(e164(raw, mcc)).toBe(expected);
  });

  it("keeps a number with its calling code as it is, whatever the SIM's country", () => {
    expect(e164("+447400123456", "250")).toBe("+447400123456");
    expect(e164("+79161234567", null)).toBe("+79161234567");
  });
});

describe("shared calling codes: libphonenumber decides within the code", () => {
  it.each([
    ["7875551234", "310", "+17875551234", "PR"], // a US SIM, a Puerto Rico number
    ["6045551234", "310", "+16045551234", "CA"],
    ["2125551234", "302", "+12125551234", "US"], // a Canadian SIM, a New York number
    ["89161234567", "401", "+79161234567", "RU"], // a Kazakh SIM, a Russian number
    ["87012345678", "250", "+77012345678", "KZ"], // a Russian SIM, a Kazakh number
    ["07781 123456", "234", "+447781123456", "GG"], // Guernsey under the UK's MCC
  ])("%s with MCC %s is %s (%s)", (raw, mcc, expected, region) => {
    expect(mobile(raw, mcc)).toMatchObject({ ok: true, e164: expected, region });
  });

  it("an MCC spanning calling codes tries each and takes the one plan the number fits", () => {
    expect(mobile("0690001234", "340")).toMatchObject({ ok: true, e164: "+590690001234" }); // Guadeloupe
    expect(mobile("0696201234", "340")).toMatchObject({ ok: true, e164: "+596696201234" }); // Martinique
    expect(mobile("7215205678", "362")).toMatchObject({ ok: true, e164: "+17215205678" }); // Sint Maarten (+1) under 362
  });

  it("refuses a national number that fits two calling codes, unless the MNC names the country", () => {
    const both = mobile("0599123456", "425");
    expect(both.ok).toBe(false);
    expect(!both.ok && both.reason).toMatch(/\+972599123456 \(IL\) or \+970599123456 \(PS\).*MCC 425/);
    expect(mobile("0599123456", "425", "05")).toMatchObject({ ok: true, e164: "+970599123456", region: "PS" });
  });
});

describe("refusals say what and why", () => {
  it.each([
    ["9123", "404", /"9123" is not a valid IN mobile number/],
    ["+9123456789", null, /"\+9123456789" is not a valid IN mobile number/],
    ["+7012345678", null, /"\+7012345678" is not a valid \+7 mobile number/],
    ["12", "250", /"12" is not a valid RU mobile number/],
    ["88005553535", "250", /"88005553535" is a toll-free RU number, not a mobile one/],
    ["+4930123456", "262", /is a fixed-line DE number, not a mobile one/],
    ["89161234567", null, /no calling code and the SIM's country is unknown \(MCC unknown\)/],
    ["89161234567", "999", /no calling code and the SIM's country is unknown \(MCC 999\)/],
    ["tel:abc", "250", /"tel:abc" is not a phone number/],
    ["", "250", /"" is not a phone number/],
  ])("%s (MCC %s)", (raw, mcc, reason) => {
    const v = mobile(raw, mcc);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(reason);
  });

  it("valid is not enough: the number must receive SMS", () => {
    expect(mobile("+4930123456", null)).toMatchObject({ ok: false, reason: '"+4930123456" is a fixed-line DE number, not a mobile one' });
    expect(mobile("+12025550143", null)).toMatchObject({ ok: true, type: "FIXED_LINE_OR_MOBILE" }); // +1: the plan cannot tell
  });
});

describe("an operator's entry must carry its calling code", () => {
  it.each([
    ["+7 916 123-45-67", "+79161234567"],
    ["0079161234567", "+79161234567"],
    ["+919123456789", "+919123456789"],
  ])("%s → %s", (raw, expected) => {
    expect(checkInternationalNumber(raw)).toMatchObject({ ok: true, e164: expected });
  });

  it.each([
    ["79161234567", /has no calling code: write it as \+<country code><number>/],
    ["89161234567", /has no calling code/],
    ["+7012345678", /not a valid \+7 mobile number/],
    ["+4930123456", /is a fixed-line DE number, not a mobile one/],
  ])("refuses %s", (raw, reason) => {
    const v = checkInternationalNumber(raw);
    expect(!v.ok && v.reason).toMatch(reason);
  });
});

describe("the number in an operator's reply", () => {
  const find = (text: string, mcc = "250") => findPhoneNumber(text, { mcc });

  it.each([
    ["Ваш номер +79261234567", "+79261234567"],
    ["Your number is 7 926 123-45-67.", "+79261234567"],
    ["Vash nomer: 89771234567", "+79771234567"],
    ["Your number is 8 916 123-45-67. Help: 8 800 555-35-35", "+79161234567"], // the hotline is not the SIM's
    ["Ваш номер:79261234567", "+79261234567"],
  ])("%s → %s", (text, expected) => {
    expect(find(text)).toMatchObject({ ok: true, e164: expected });
  });

  it("no number-like text is no number", () => {
    expect(find("Баланс: 123,45 р.")).toBeNull();
    expect(find("Запрос принят. Ожидайте SMS")).toBeNull();
  });

  it("a number-like text that is not a valid mobile number is refused with the reason", () => {
    expect(find("Your number is 9123456", "404")).toMatchObject({ ok: false, reason: expect.stringMatching(/"9123456" is not a valid IN mobile number/) });
    expect(find("Call 8 800 555-35-35")).toMatchObject({ ok: false, reason: expect.stringMatching(/toll-free/) });
  });

  it("a piece of a longer number is not taken for a number (counterexamples the property test found)", () => {
    // Saint Helena's +290 reads "24740" as a fixed line; the whole is an Ascension mobile.
    expect(find("Your number is 24740 123", "658")).toMatchObject({ ok: true, e164: "+24740123", region: "AC" });
    // "099291712" alone is a valid Tajik mobile, and the wrong one.
    expect(find("Your number is 0 099291712 3456", "436")).toMatchObject({ ok: true, e164: "+992917123456" });
  });

  it("two different mobile numbers in one reply are refused, not guessed", () => {
    expect(find("Numbers: +79161234567 and +79031234567")).toMatchObject({ ok: false, reason: expect.stringMatching(/names 2 numbers/) });
    expect(find("+79161234567 (8 916 123-45-67)")).toMatchObject({ ok: true, e164: "+79161234567" });
  });
});

describe("MCC table", () => {
  it("names only regions libphonenumber knows, each MCC with its E.212 country first", () => {
    for (const [mcc, regions] of Object.entries(MCC_REGIONS)) {
      expect(mcc, mcc).toMatch(/^[2-7]\d\d$|^995$/);
      expect(regionsForMcc(mcc), mcc).toEqual(regions);
    }
    for (const [mccMnc, region] of Object.entries(MCC_MNC_REGION)) expect(regionsForMcc(mccMnc.slice(0, 3), mccMnc.slice(3))).toEqual([region]);
  });

  it("calling code of the MCC's own country", () => {
    expect(callingCodeForMcc("250")).toBe("7");
    expect(callingCodeForMcc("401")).toBe("7");
    expect(callingCodeForMcc("404")).toBe("91");
    expect(callingCodeForMcc("310")).toBe("1");
    expect(callingCodeForMcc("302")).toBe("1");
    expect(callingCodeForMcc("340")).toBe(getCountryCallingCode("GP"));
    expect(callingCodeForMcc("999")).toBeUndefined();
  });
});
