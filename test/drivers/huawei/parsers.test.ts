import { describe, expect, it } from "vitest";
import { parseHuaweiRssi, parseSimst, parseSmMemFull, parseSysinfo, simstMeaning, huaweiDriver } from "../../../drivers/huawei/index.js";
import { iccidStrategyFor, parseCreg, parseCnum } from "../../../drivers/generic/index.js";

const GARBAGE = ["", "\r\n", "OK", "ERROR", "COMMAND NOT SUPPORT", "^SYSINFO", "^SYSINFO:", "^SIMST:", "^SIMST: x", "^RSSI:abc", "\u0000\u00ff", "+CME ERROR: 10"];

describe("^SYSINFO", () => {
  it.each([
    ["^SYSINFO:2,3,0,5,1,,4", { serviceStatus: 2, serviceDomain: 3, roaming: false, systemMode: 5, simState: 1, subMode: 4 }],
    ["^SYSINFO: 2,3,1,3,1", { serviceStatus: 2, serviceDomain: 3, roaming: true, systemMode: 3, simState: 1, subMode: null }],
    ["^SYSINFO:0,0,0,0,255,,0\r\n", { serviceStatus: 0, simState: 255, subMode: 0 }],
    ["^sysinfo:2,2,0,4,1,0,4", { serviceDomain: 2, systemMode: 4 }],
  ])("%j", (line, expected) => {
    const r = parseSysinfo([line]);
    expect(r.ok && r.value).toMatchObject(expected);
  });

  it.each([...GARBAGE, "^SYSINFO:2,3", "^SYSINFO:a,b,c,d,e"])("fails on %j without throwing", (line) => {
    expect(parseSysinfo([line]).ok).toBe(false);
  });
});

describe("^SIMST URC (hot-swap)", () => {
  it.each([
    ["^SIMST: 255", 255, null, "removed"],
    ["^SIMST:1", 1, null, "inserted"],
    ["^SIMST: 1,1", 1, true, "inserted"],
    ["^SIMST: 1,0\r", 1, false, "inserted"],
    ["^SIMST: 0", 0, null, "unknown"],
    ["^SIMST: 240", 240, null, "unknown"],
  ])("%j → state %d", (line, state, locked, meaning) => {
    const r = parseSimst(line);
    expect(r.ok && r.value).toEqual({ state, locked });
    expect(simstMeaning(line)).toBe(meaning);
  });

  it.each(GARBAGE)("%j is not a ^SIMST", (line) => {
    expect(parseSimst(line).ok).toBe(false);
    expect(simstMeaning(line)).toBe("unknown");
  });

  it("is one of the driver's SIM URCs, matched by its pattern", () => {
    const urc = huaweiDriver.simUrcs.find((u) => u.pattern.test("^SIMST: 255"));
    expect(urc?.meaning("^SIMST: 255")).toBe("removed");
  });
});

describe("^RSSI and ^SMMEMFULL URCs", () => {
  it.each([
    ["^RSSI:17", 17, -79],
    ["^RSSI: 31", 31, -51],
    ["^RSSI:0", 0, -113],
    ["^RSSI:99", null, null],
  ])("%j", (line, rssi, dbm) => {
    const r = parseHuaweiRssi(line);
    expect(r.ok && r.value).toEqual({ rssi, dbm });
  });
  it.each(GARBAGE)("^RSSI fails on %j", (line) => expect(parseHuaweiRssi(line).ok).toBe(false));

  it.each([
    ['^SMMEMFULL: "SM"', "SM"],
    ["^SMMEMFULL:ME", "ME"],
  ])("%j → %s", (line, mem) => {
    const r = parseSmMemFull(line);
    expect(r.ok && r.value).toBe(mem);
  });
  it.each([...GARBAGE, '^SMMEMFULL: ""'])("^SMMEMFULL fails on %j", (line) => expect(parseSmMemFull(line).ok).toBe(false));
});

describe("Huawei replies through the generic parsers (modems.md §2.4-2.6)", () => {
  it("reads ^ICCID? nibble-swapped (Qualcomm-based) and plain (HiSilicon)", () => {
    const [first] = iccidStrategyFor(huaweiDriver, "huawei");
    expect(first?.text).toBe("AT^ICCID?");
    const swapped = first!.parse(['^ICCID: "98107120300540678214"']);
    expect(swapped.ok && swapped.value).toMatchObject({ iccid: "89011702035004762841", swapped: true });
    const plain = first!.parse(["^ICCID: 89860117838000531000"]);
    expect(plain.ok && plain.value).toMatchObject({ iccid: "89860117838000531000", swapped: false });
    expect(first!.parse(["COMMAND NOT SUPPORT"]).ok).toBe(false);
  });

  it("reads unquoted hex LAC/CI in +CREG (gammu tests/at-creg)", () => {
    const r = parseCreg(["+CREG: 2,1,4CA,81DE445"]);
    expect(r.ok && r.value).toMatchObject({ registration: "home", lac: "4CA", cellId: "81DE445" });
  });

  it("drops the +CME ERROR glued onto +CNUM (quirk cnumGluedErrors)", () => {
    expect(huaweiDriver.quirks.cnumGluedErrors).toBe(true);
    expect(parseCnum(['+CNUM: "","+79161234567",145+CME ERROR: 25'])).toEqual([{ alpha: "", number: "+79161234567", type: 145 }]);
  });
});
