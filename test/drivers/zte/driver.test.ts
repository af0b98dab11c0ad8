import { describe, expect, it } from "vitest";
import { zteDriver } from "../../../drivers/zte/index.js";
import { iccidStrategyFor } from "../../../drivers/generic/index.js";

const GARBAGE = ["", "\r\n", "OK", "ERROR", "+CME ERROR: 10", "+ZGETICCID:", "\u0000"];

describe("+ZGETICCID through the driver's ICCID command (unverified; generic parseVendorIccid)", () => {
  const zgeticcid = zteDriver.iccidCommands[0]!;
  it.each([
    ["+ZGETICCID: 89860117838000531000", "89860117838000531000"],
    ['+ZGETICCID: "8986011783800053100F"', "8986011783800053100"],
  ])("%j → %s", (line, iccid) => {
    const r = zgeticcid.parse([line]);
    expect(r.ok && r.value.iccid).toBe(iccid);
  });

  it.each([...GARBAGE, "+ZGETICCID: 123"])("fails on %j", (line) => {
    expect(zgeticcid.parse([line]).ok).toBe(false);
  });

  it("is tried before CRSM", () => {
    expect(iccidStrategyFor(zteDriver, "ZTE INCORPORATED").map((c) => c.text)).toEqual(["AT+ZGETICCID", "AT+CRSM=176,12258,0,0,10"]);
  });
});

describe("ZTE init (gammu F_ZTE_INIT)", () => {
  it("runs the generic init, then stops CD-ROM mode and stays online, all tolerated", () => {
    expect(zteDriver.initSequence[0]).toBe("ATE0");
    expect(zteDriver.initSequence.slice(-2)).toEqual(["AT+ZCDRUN=8", "AT+ZOPRT=5"]);
    expect(zteDriver.initRequired).toEqual(["AT+CMGF=0"]);
  });

  it("has no quirks and no network-information command (AT+ZPAS? names neither network nor roaming)", () => {
    expect(zteDriver.quirks).toEqual({});
    expect(zteDriver.networkInfo).toBeUndefined();
  });
});
