import { describe, expect, it } from "vitest";
import {
  luhnValid,
  normaliseIccid,
  parseCrsmIccid,
  parseVendorIccid,
  splitImsi,
  iccidStrategyFor,
  genericDriver,
} from "../../../drivers/generic/index.js";

describe("ICCID normalisation", () => {
  it.each([
    // AT+CRSM=176,12258,0,0,10 returns raw EF_ICCID bytes: BCD with swapped nibbles, F pad.
    ['+CRSM: 144,0,"98700100000000000050"', "89071000000000000005", true],
    ['+CRSM: 144,0,"987001000000000000F5"', "8907100000000000005", true],
    ['+CRSM: 145,0,"98700100000000000050"', "89071000000000000005", true],
  ])("CRSM %s", (line, iccid, swapped) => {
    const parsed = parseCrsmIccid([line]);
    expect(parsed.ok && parsed.value.iccid).toBe(iccid);
    expect(parsed.ok && parsed.value.swapped).toBe(swapped);
  });

  it("rejects a CRSM error status instead of inventing an ICCID", () => {
    const parsed = parseCrsmIccid(["+CRSM: 106,130"]);
    expect(parsed.ok).toBe(false);
  });

  it.each([
    ['+CCID: "89701010050687591034"', "89701010050687591034"], // SIM800
    ["89701010050687591034", "89701010050687591034"], // SIM800 bare digits
    ["+QCCID: 8970101005068759103F", "8970101005068759103"], // Quectel with F pad
    ['^ICCID: "98071001056078953130"', "89700110500687591303"], // Huawei Qualcomm-based: swapped
    ['^ICCID: "89701010050687591034"', "89701010050687591034"], // Huawei HiSilicon: plain
    ["+ICCID: 89860318640220133897", "89860318640220133897"], // SIM7600 AT+CICCID
    ["+QCCID: 898604B2111990009446", "898604B2111990009446"], // hex account digits (China Mobile)
  ])("vendor %s", (line, iccid) => {
    const parsed = parseVendorIccid([line]);
    expect(parsed.ok && parsed.value.iccid).toBe(iccid);
  });

  it.each([
    ["12345678901234567890", "does not start"],
    ["8970", "digits"],
    ["89ZZ0101005068759103", "hex"],
  ])("rejects %s", (raw, reason) => {
    const parsed = normaliseIccid(raw);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  it("reports the Luhn check without enforcing it", () => {
    expect(luhnValid("8970101005068759103" + "4")).toBe(luhnValid("89701010050687591034"));
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });
});

describe("MCC/MNC split", () => {
  it.each([
    ["250011234567890", undefined, { mcc: "250", mnc: "01" }],
    ["310260123456789", undefined, { mcc: "310", mnc: "260" }],
    ["405854123456789", undefined, { mcc: "405", mnc: "854" }],
    ["405201234567890", undefined, { mcc: "405", mnc: "20" }],
    ["262011234567890", "26201", { mcc: "262", mnc: "01" }],
    ["999991234567890", "999991", { mcc: "999", mnc: "991" }], // registered numeric length wins
  ])("%s", (imsi, cops, expected) => {
    expect(splitImsi(imsi, cops)).toEqual(expected);
  });
});

describe("ICCID strategy", () => {
  it("tries the vendor's own command before the generic CRSM read", () => {
    expect(iccidStrategyFor(genericDriver, "Quectel").map((c) => c.text).slice(0, 2)).toEqual(["AT+QCCID", "AT+CRSM=176,12258,0,0,10"]);
    expect(iccidStrategyFor(genericDriver, "huawei")[0]?.text).toBe("AT^ICCID?");
    expect(iccidStrategyFor(genericDriver, null)[0]?.text).toBe("AT+CRSM=176,12258,0,0,10");
  });
});
