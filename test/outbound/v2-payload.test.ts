/**
 * v2 payload building (Q19–Q24): country_id from the number, operator digits, date_start,
 * port_id, numbers left out, and every list item valid for the strict schema the fake uses.
 */
import { describe, expect, it } from "vitest";
import { callingCodeForMcc } from "../../drivers/generic/mcc-mnc.js";
import { AddMessageItem, AddNumberRequest, check, SendNumbersOnlineRequest } from "../../src/onlinesim/schemas.js";
import { CALLING_CODES } from "../../src/outbound/calling-codes.js";
import { buildNumberList, callingCodeOf, countryIdOf, operatorOf, toMessageItem, toV2Number } from "../../src/outbound/index.js";
import { toAddNumber } from "../../src/outbound/v2-payload.js";

describe("calling codes", () => {
  it("form a prefix code: no code starts another", () => {
    const codes = [...CALLING_CODES];
    for (const a of codes) for (const b of codes) if (a !== b) expect(b.startsWith(a), `${a} is a prefix of ${b}`).toBe(false);
  });

  // Why country_id needs no MCC: every code a SIM's home network could suggest is known,
  // so a number that starts with it is recognised by its own digits.
  it("cover every code the MCC table maps to", () => {
    for (let m = 0; m < 1000; m++) {
      const cc = callingCodeForMcc(String(m).padStart(3, "0"));
      if (cc) expect(callingCodeOf(`${cc}123456789`), `MCC ${m} → ${cc}`).toBe(cc);
    }
  });

  it.each([
    ["79161234567", "7"],
    ["+77011234567", "7"], // Kazakhstan shares 7 (Q20)
    ["12025550123", "1"],
    ["4915112345678", "49"],
    ["37255512345", "372"],
    ["2348031234567", "234"],
    ["8821234567890", "882"],
    ["2101234567", undefined], // 210 is unassigned
  ])("%s → %s", (number, code) => {
    expect(callingCodeOf(number)).toBe(code);
  });
});

describe("country_id and operator", () => {
  it("country_id comes from the number alone", () => {
    expect(countryIdOf("79161234567")).toBe(7); // a Russian number on a German SIM: the number decides
    expect(countryIdOf("4915112345678")).toBe(49);
    expect(countryIdOf("2101234567")).toBeUndefined();
  });

  it.each([
    ["250", "01", "real", 25001],
    ["310", "260", "real", 310260],
    ["310", "260", "5", 31026],
    ["250", "01", "5", 25001],
    [null, "01", "real", undefined],
    ["250", null, "real", undefined],
    ["25x", "01", "real", undefined],
    ["001", "01", "real", undefined], // test network: below the schema's range
  ] as const)("MCC %s MNC %s (%s) → %s", (mcc, mnc, digits, expected) => {
    expect(operatorOf(mcc, mnc, digits)).toBe(expected);
  });
});

describe("list items", () => {
  const live = { number: "79161234567", mcc: "250", mnc: "01", portId: "usb-1-1.3", since: 1_790_000_123_456 };

  it("builds the documented item: '+', calling code, MCC+MNC, unix seconds, port id", () => {
    expect(toV2Number(live, "real")).toEqual({
      ok: true,
      item: { number: "+79161234567", country_id: 7, operator: 25001, date_start: 1_790_000_123, port_id: "usb-1-1.3" },
    });
  });

  it("cuts port_id to 100 characters and leaves out what is unknown", () => {
    const r = toV2Number({ ...live, number: "+79161234567", mcc: null, mnc: null, portId: "p".repeat(150), since: 0 }, "real");
    expect(r).toEqual({ ok: true, item: { number: "+79161234567", country_id: 7, port_id: "p".repeat(100) } });
  });

  it("sorts, keeps a number listed twice once, and reports what it left out; the result passes the strict schema", () => {
    const { numbers, skipped } = buildNumberList(
      [
        { ...live, number: "+4915112345678", mcc: "262", mnc: "02", portId: "b" },
        live,
        { ...live, portId: "dup" },
        { ...live, number: "2101234567", portId: "x" },
        { ...live, number: "12ab", portId: "y" },
      ],
      "real",
    );
    expect(numbers.map((n) => n.number)).toEqual(["+4915112345678", "+79161234567"]);
    expect(skipped).toEqual([
      { number: "79161234567", reason: "listed twice (port dup and usb-1-1.3)" },
      { number: "2101234567", reason: "country calling code unknown (MCC 250)" },
      { number: "12ab", reason: "not an E.164 number (digits with country code)" },
    ]);
    expect(check(SendNumbersOnlineRequest, { numbers }).ok).toBe(true);
    expect(check(AddNumberRequest, toAddNumber(numbers[0]!)).ok).toBe(true);
  });

  it("builds addMessage items with unix seconds as a string and '+' on the number", () => {
    const item = toMessageItem({ number: "79161234567", from: "Telegram", text: "code 55", receivedAt: 1_790_000_123_999 });
    expect(item).toEqual({ date: "1790000123", number: "+79161234567", from: "Telegram", message: "code 55" });
    expect(check(AddMessageItem, item).ok).toBe(true);
  });
});
