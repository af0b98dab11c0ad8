import { describe, expect, it } from "vitest";
import { parseSimst, parseSysinfo, parseSysinfoNetwork, simstMeaning, huaweiDriver } from "../../../drivers/huawei/index.js";
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

describe("^SYSINFO as network information (where +CREG says not registered)", () => {
  it.each([
    // CS+PS, WCDMA, not roaming (at-messages-parser K3520 capture).
    ["^SYSINFO:2,3,0,5,1,,4", { inService: true, accessTechnology: "WCDMA", operator: null, roaming: false }],
    // PS only (a packet-only attach): in service, and +CREG alone would say otherwise.
    ["^SYSINFO:2,2,1,3,1", { inService: true, accessTechnology: "GSM", operator: null, roaming: true }],
    // Valid status but "CS and PS not registered" (4) or no domain: no service.
    ["^SYSINFO:2,4,5,3,1", { inService: false, accessTechnology: null, operator: null, roaming: null }],
    ["^SYSINFO:0,0,0,0,1", { inService: false, accessTechnology: null, operator: null, roaming: null }],
    // Restricted service (1) is not service.
    ["^SYSINFO:1,3,0,5,1", { inService: false, accessTechnology: null, operator: null, roaming: null }],
  ])("%j", (line, expected) => {
    const r = parseSysinfoNetwork([line]);
    expect(r.ok && r.value).toEqual(expected);
  });

  it.each(GARBAGE)("fails on %j without throwing", (line) => expect(parseSysinfoNetwork([line]).ok).toBe(false));

  it("is the Huawei driver's network-information command", () => {
    expect(huaweiDriver.networkInfo?.text).toBe("AT^SYSINFO");
  });
});

describe("Huawei replies through the generic parsers (docs/protocols/at-commands.md)", () => {
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

  it("drops the +CME ERROR glued onto +CNUM (generic parseCnum, for every module)", () => {
    expect(parseCnum(['+CNUM: "","+79161234567",145+CME ERROR: 25'])).toEqual([{ alpha: "", number: "+79161234567", type: 145 }]);
  });
});
