import { describe, expect, it } from "vitest";
import { parseZgeticcid, parseZpas, zteDriver } from "../../../drivers/zte/index.js";
import { iccidStrategyFor } from "../../../drivers/generic/index.js";

const GARBAGE = ["", "\r\n", "OK", "ERROR", "+CME ERROR: 10", "+ZPAS:", "+ZGETICCID:", "\u0000"];

describe("+ZPAS (python-gsmmodem ZTE probe, modems.md §2.14)", () => {
  it.each([
    ['+ZPAS: "GPRS","CS_PS"', { network: "GPRS", domain: "CS_PS", registered: true }],
    ['+ZPAS: "HSDPA","PS_ONLY"', { network: "HSDPA", domain: "PS_ONLY", registered: true }],
    ['+ZPAS: "No Service"', { network: "No Service", domain: null, registered: false }],
    ['+ZPAS: "Limited Service","CAMPED"', { network: "Limited Service", domain: "CAMPED", registered: false }],
    ["+ZPAS: UMTS,cs_ps\r", { network: "UMTS", domain: "CS_PS", registered: true }],
  ])("%j", (line, value) => {
    const r = parseZpas([line]);
    expect(r.ok && r.value).toEqual(value);
  });

  it.each(GARBAGE)("fails on %j", (line) => expect(parseZpas([line]).ok).toBe(false));
});

describe("+ZGETICCID (unverified, modems.md §2.4)", () => {
  it.each([
    ["+ZGETICCID: 89860117838000531000", "89860117838000531000"],
    ['+ZGETICCID: "8986011783800053100F"', "8986011783800053100"],
  ])("%j → %s", (line, iccid) => {
    const r = parseZgeticcid([line]);
    expect(r.ok && r.value.iccid).toBe(iccid);
  });

  it.each([...GARBAGE, "89860117838000531000", "+ZGETICCID: 123"])("fails on %j", (line) => {
    expect(parseZgeticcid([line]).ok).toBe(false);
  });

  it("is tried before CRSM", () => {
    expect(iccidStrategyFor(zteDriver, "ZTE INCORPORATED").map((c) => c.text)).toEqual(["AT+ZGETICCID", "AT+CRSM=176,12258,0,0,10"]);
  });
});

describe("ZTE init (gammu F_ZTE_INIT)", () => {
  it("asks AT+CPIN? first, then stops CD-ROM mode and stays online, all tolerated", () => {
    expect(zteDriver.initSequence[0]).toBe("AT+CPIN?");
    expect(zteDriver.initSequence.slice(-2)).toEqual(["AT+ZCDRUN=8", "AT+ZOPRT=5"]);
    expect(zteDriver.initRequired).toEqual(["AT+CMGF=0"]);
  });
});
