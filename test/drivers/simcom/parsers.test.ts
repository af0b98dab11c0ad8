import { describe, expect, it } from "vitest";
import { csminsMeaning, parseCpsi, parseCpsiNetwork, parseCsmins, simcomDriver } from "../../../drivers/simcom/index.js";
import { iccidStrategyFor } from "../../../drivers/generic/index.js";

const GARBAGE = ["", "\r\n", "OK", "ERROR", "+CME ERROR: 10", "+CSMINS:", "+CSMINS: 1", "+CPSI:", "Call Ready", "\u0000"];

describe("ICCID: SIM800 +CCID bare digits, SIM7600 +CICCID, through the driver's commands (generic parseVendorIccid)", () => {
  const ccid = simcomDriver.iccidCommands[0]!;
  it.each([
    ["89860117838000531000", "89860117838000531000"],
    ["8970101012345678901F", "8970101012345678901"],
    ['+CCID: "89014103211118510720"', "89014103211118510720"],
    ["+ICCID: 89860318760257382930", "89860318760257382930"],
    [" 89860117838000531000 \r", "89860117838000531000"],
  ])("%j → %s", (line, iccid) => {
    const r = ccid.parse([line]);
    expect(r.ok && r.value.iccid).toBe(iccid);
  });

  it.each([...GARBAGE, "1234567890", "+ICCID: 44860117838000531000"])("fails on %j", (line) => {
    expect(ccid.parse([line]).ok).toBe(false);
  });

  it("tries AT+CCID (SIM800), AT+CICCID (SIM7600), then CRSM", () => {
    expect(iccidStrategyFor(simcomDriver, "SIMCOM_Ltd").map((c) => c.text)).toEqual(["AT+CCID", "AT+CICCID", "AT+CRSM=176,12258,0,0,10"]);
  });
});

describe("+CSMINS hot-swap (SIM800 manual, docs/protocols/at-commands.md#sim-hot-swap-and-readiness)", () => {
  it.each([
    ["+CSMINS: 1,0", { enabled: true, inserted: false }, "removed"],
    ["+CSMINS: 1,1", { enabled: true, inserted: true }, "inserted"],
    ["+CSMINS:0,1\r\n", { enabled: false, inserted: true }, "inserted"],
  ])("%j", (line, value, meaning) => {
    const r = parseCsmins(line);
    expect(r.ok && r.value).toEqual(value);
    expect(csminsMeaning(line)).toBe(meaning);
  });

  it.each([...GARBAGE, "+CSMINS: 2,1", "+CSMINS: x,y"])("fails on %j", (line) => {
    expect(parseCsmins(line).ok).toBe(false);
    expect(csminsMeaning(line)).toBe("unknown");
  });

  it("the driver's URCs cover +CSMINS, SMS Ready and +CPIN", () => {
    const meaning = (line: string) => simcomDriver.simUrcs.find((u) => u.pattern.test(line))?.meaning(line);
    expect(meaning("+CSMINS: 1,0")).toBe("removed");
    expect(meaning("SMS Ready")).toBe("ready");
    expect(meaning("+CPIN: NOT INSERTED")).toBe("removed");
    expect(meaning("+CPIN: READY")).toBe("ready");
    expect(meaning("Call Ready")).toBeUndefined();
  });
});

describe("+CPSI (SIM5320/SIM7600, optional)", () => {
  it.each([
    ["+CPSI: LTE,Online,460-00,0x1816,27593490,102,EUTRAN-BAND3,1825,5,5,-94,-850,-583,14", { system: "LTE", status: "Online", mcc: "460", mnc: "00", lac: "1816" }],
    ["+CPSI: GSM,Online,250-01,0x1a2b,12345,45,EGSM 900,-67,0,40-40", { system: "GSM", mcc: "250", mnc: "01", lac: "1A2B" }],
    ["+CPSI: WCDMA,Online,310-410,0x9C4,12345,WCDMA IMT 2000,27,10700,0,3.5,75,23,33,500", { mcc: "310", mnc: "410" }],
    ["+CPSI: NO SERVICE,Online", { system: "NO SERVICE", status: "Online" }],
  ])("%j", (line, value) => {
    const r = parseCpsi([line]);
    expect(r.ok && r.value).toMatchObject(value);
  });

  it("has no operator on NO SERVICE", () => {
    const r = parseCpsi(["+CPSI: NO SERVICE,Online"]);
    expect(r.ok && r.value.mcc).toBeUndefined();
  });

  it.each([...GARBAGE, "+CPSI: LTE"])("fails on %j", (line) => expect(parseCpsi([line]).ok).toBe(false));
});

describe("+CPSI? as network information (where +CREG says not registered)", () => {
  it.each([
    // SIM7000 on an NB-IoT SIM with +CREG: 0,0 (botletics/SIM7000-LTE-Shield #50).
    ["+CPSI: LTE NB-IOT,Online,242-01,0xA411,18460008,457,EUTRAN-BAND20,6352,0,0,-7,-77,-70,14", { inService: true, accessTechnology: "LTE NB-IOT", operator: "24201", roaming: null }],
    ["+CPSI: GSM,Online,460-00,0x1816,4741,17 EGSM 900,-67,0,40-40", { inService: true, accessTechnology: "GSM", operator: "46000", roaming: null }],
    ["+CPSI: NO SERVICE,Online", { inService: false, accessTechnology: null, operator: null, roaming: null }],
    ["+CPSI: LTE,Low Power Mode", { inService: false, accessTechnology: null, operator: null, roaming: null }],
  ])("%j", (line, expected) => {
    const r = parseCpsiNetwork([line]);
    expect(r.ok && r.value).toEqual(expected);
  });

  it.each([...GARBAGE, "+CPSI: LTE"])("fails on %j", (line) => expect(parseCpsiNetwork([line]).ok).toBe(false));

  it("is asked on SIM5320/SIM7x00/A76xx only (SIM800 and SIM900 have no +CPSI)", () => {
    const models = simcomDriver.networkInfo?.models;
    expect(["SIMCOM_SIM7600E-H", "SIMCOM_SIM5320E", "A7600E-H", "SIM7000E"].map((m) => models?.test(m))).toEqual([true, true, true, true]);
    expect(["SIMCOM_SIM800L", "SIM900"].map((m) => models?.test(m))).toEqual([false, false]);
  });
});
