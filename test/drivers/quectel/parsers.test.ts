import { describe, expect, it } from "vitest";
import {
  parseQnwinfo,
  parseQnwinfoNetwork,
  parseQsimstat,
  qsimstatMeaning,
  qusimMeaning,
  quectelDriver,
} from "../../../drivers/quectel/index.js";
import { iccidStrategyFor, splitImsi } from "../../../drivers/generic/index.js";

const GARBAGE = ["", "\r\n", "OK", "ERROR", "+CME ERROR: 3", "+QCCID:", "+QSIMSTAT:", "+QSIMSTAT: 1", "+QNWINFO:", "RDY", "\u0000"];

describe("+QCCID through the driver's ICCID command (generic parseVendorIccid)", () => {
  const qccid = quectelDriver.iccidCommands[0]!;
  it.each([
    ["+QCCID: 89860117838000531000", "89860117838000531000"],
    ["+QCCID: 8944500102198304826F", "8944500102198304826"],
    ["+QCCID: 898604B21922C0123456", "898604B21922C0123456"],
    ["+QCCID:89701010123456789012\r", "89701010123456789012"],
    // Some firmware prints the bare number like SIM800's +CCID.
    ["89014103211118510720", "89014103211118510720"],
  ])("%j → %s", (line, iccid) => {
    const r = qccid.parse([line]);
    expect(r.ok && r.value.iccid).toBe(iccid);
  });

  it.each([...GARBAGE, "+QCCID: 12345", "+QCCID: 98ZZ"])("fails on %j", (line) => {
    expect(qccid.parse([line]).ok).toBe(false);
  });

  it("is tried before the generic CRSM read (M35 has no CRSM, EG916Q answers CME 3)", () => {
    expect(iccidStrategyFor(quectelDriver, "Quectel").map((c) => c.text)).toEqual(["AT+QCCID", "AT+CRSM=176,12258,0,0,10"]);
  });
});

describe("SIM URCs: +QUSIM, +QSIMSTAT (docs/protocols/at-commands.md#sim-hot-swap-and-readiness)", () => {
  it.each([
    ["+QUSIM: 1", "inserted"],
    ["+QUSIM:1", "inserted"],
    ["+QUSIM: 0", "unknown"],
  ])("%j → %s", (line, meaning) => expect(qusimMeaning(line)).toBe(meaning));

  it.each([
    ["+QSIMSTAT: 1,0", { enabled: true, inserted: false }, "removed"],
    ["+QSIMSTAT: 1,1", { enabled: true, inserted: true }, "inserted"],
    ["+QSIMSTAT: 0,1", { enabled: false, inserted: true }, "inserted"],
    ["+QSIMSTAT: 1,2", { enabled: true, inserted: null }, "unknown"],
  ])("%j", (line, value, meaning) => {
    const r = parseQsimstat(line);
    expect(r.ok && r.value).toEqual(value);
    expect(qsimstatMeaning(line)).toBe(meaning);
  });

  it.each([...GARBAGE, "+QSIMSTAT: 3,1", "+QSIMSTAT: a,b"])("+QSIMSTAT fails on %j", (line) => {
    expect(parseQsimstat(line).ok).toBe(false);
    expect(qsimstatMeaning(line)).toBe("unknown");
  });

  it("the driver enables +QSIMSTAT but tolerates its failure (M35 lacks it)", () => {
    expect(quectelDriver.initSequence).toContain("AT+QSIMSTAT=1");
    expect(quectelDriver.initRequired).not.toContain("AT+QSIMSTAT=1");
    const urc = quectelDriver.simUrcs.find((u) => u.pattern.test("+QSIMSTAT: 1,0"));
    expect(urc?.meaning("+QSIMSTAT: 1,0")).toBe("removed");
  });
});

describe("+QNWINFO", () => {
  it.each([
    ['+QNWINFO: "FDD LTE","46001","LTE BAND 3",1300', { act: "FDD LTE", operator: "46001", mcc: "460", mnc: "01", band: "LTE BAND 3", channel: 1300 }],
    ['+QNWINFO: "WCDMA","310410","WCDMA 850",4384', { mcc: "310", mnc: "410" }],
    ['+QNWINFO: "GSM","25001","GSM 900",58', { mcc: "250", mnc: "01", channel: 58 }],
  ])("%j", (line, value) => {
    const r = parseQnwinfo([line]);
    expect(r.ok && r.value).toMatchObject(value);
  });

  it("keeps the MNC length the module printed, which splitImsi can use", () => {
    const r = parseQnwinfo(['+QNWINFO: "WCDMA","310410","WCDMA 850",4384']);
    expect(r.ok && splitImsi("310410123456789", r.value.operator)).toEqual({ mcc: "310", mnc: "410" });
  });

  it.each([...GARBAGE, "+QNWINFO: No Service", '+QNWINFO: "GSM","2500","GSM 900",58'])("+QNWINFO fails on %j", (line) => {
    expect(parseQnwinfo([line]).ok).toBe(false);
  });
});

describe("+QNWINFO as network information (where +CREG says not registered)", () => {
  it.each([
    // Quectel EP06 with +CREG: 2,3 (koshev-msk/luci-app-modeminfo #14).
    ['+QNWINFO: "FDD LTE","25011","LTE BAND 3",1602', { inService: true, accessTechnology: "FDD LTE", operator: "25011", roaming: null }],
    ["+QNWINFO: No Service", { inService: false, accessTechnology: null, operator: null, roaming: null }],
  ])("%j", (line, expected) => {
    const r = parseQnwinfoNetwork([line]);
    expect(r.ok && r.value).toEqual(expected);
  });

  it.each([...GARBAGE.filter((g) => !/QNWINFO/.test(g)), '+QNWINFO: "GSM","2500","GSM 900",58'])("fails on %j", (line) => {
    expect(parseQnwinfoNetwork([line]).ok).toBe(false);
  });

  it("is asked on the LTE models only (the M35/M26 have no +QNWINFO)", () => {
    expect(quectelDriver.networkInfo?.text).toBe("AT+QNWINFO");
    expect(quectelDriver.networkInfo?.models?.test("EC25")).toBe(true);
    expect(quectelDriver.networkInfo?.models?.test("Quectel_M35")).toBe(false);
  });
});
