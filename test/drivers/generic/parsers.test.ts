import { describe, expect, it } from "vitest";
import {
  parseCnum,
  parseCops,
  parseCpin,
  parseCreg,
  parseCsq,
  parseIdentityLine,
  parseImei,
  parseImsi,
} from "../../../drivers/generic/index.js";

describe("identity lines", () => {
  it.each([
    [[" WAVECOM MODEM"], "WAVECOM MODEM"], // Wavecom pads with a leading space (python-gsmmodem fakemodems)
    [[" MULTIBAND  900E  1800 "], "MULTIBAND 900E 1800"],
    [["+CGMI: SIMCOM_Ltd"], "SIMCOM_Ltd"],
    [["Manufacturer: huawei"], "huawei"],
    [["", "Quectel"], "Quectel"],
  ])("%j → %s", (lines, expected) => {
    expect(parseIdentityLine(lines)).toEqual({ ok: true, value: expected });
  });

  it("reports an empty reply instead of throwing", () => {
    expect(parseIdentityLine([]).ok).toBe(false);
  });
});

describe("IMEI and IMSI", () => {
  it.each([
    [["867123456789012"], "867123456789012"],
    [["+CGSN: 867123456789012"], "867123456789012"],
    [['+CGSN: "867123456789012"'], "867123456789012"],
    [["8671234567890120"], "867123456789012"], // IMEISV (16 digits): the first 15 are the IMEI
  ])("IMEI %j", (lines, expected) => {
    expect(parseImei(lines)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [["250011234567890"], "250011234567890"],
    [["+CIMI: 310260123456789"], "310260123456789"],
  ])("IMSI %j", (lines, expected) => {
    expect(parseImsi(lines)).toEqual({ ok: true, value: expected });
  });

  it("rejects a non-numeric IMSI", () => {
    expect(parseImsi(["ERROR"]).ok).toBe(false);
  });
});

describe("+CPIN", () => {
  it.each([
    ["+CPIN: READY", "ready"],
    ["+CPIN: SIM PIN", "pin"],
    ["+CPIN: SIM PUK", "puk"],
    ["+CPIN: NOT INSERTED", "absent"],
    ["+CPIN: NOT READY", "error"],
    ['+CPIN: "READY"', "ready"],
    ["+CPIN: PH-NET PIN", "error"],
  ])("%s → %s", (line, expected) => {
    expect(parseCpin([line])).toEqual({ ok: true, value: expected });
  });
});

describe("+CREG", () => {
  it.each([
    ["+CREG: 0,1", "home", undefined],
    ["+CREG: 0,5", "roaming", undefined],
    ["+CREG: 2,1,\"4CA\",\"81DE445\",7", "home", "4CA"],
    ["+CREG: 2,1,4CA,81DE445", "home", "4CA"], // Huawei: unquoted hex LAC/CI (gammu tests/at-creg)
    ["+CREG: 1", "home", undefined], // URC form: stat only
    ["+CREG: 5,\"00C3\",\"0000A1B2\"", "roaming", "00C3"], // URC form with location
    ["+CREG: 0,2", "searching", undefined],
    ["+CREG: 0,3", "denied", undefined],
    ["+CREG: 0,0", "unregistered", undefined],
  ])("%s → %s", (line, registration, lac) => {
    const parsed = parseCreg([line]);
    expect(parsed.ok && parsed.value.registration).toBe(registration);
    expect(parsed.ok && parsed.value.lac).toBe(lac);
  });

  it("an empty reply (just OK) says nothing: registration unknown, not an error (gammu tests/at-creg/empty)", () => {
    expect(parseCreg([])).toEqual({ ok: true, value: { registration: "unknown" } });
  });

  it("refuses several unbalanced quotes instead of guessing a LAC (gammu tests/at-creg-corner/mismatched-quotes)", () => {
    const parsed = parseCreg(['+CREG: 2,1,"0B,"0100701",7']);
    expect(parsed).toMatchObject({ ok: false, reason: "mismatched quotes" });
  });
});

describe("+COPS", () => {
  it.each([
    ['+COPS: 0,2,"25001",7', { mode: 0, format: 2, operator: "25001", act: 7 }],
    ['+COPS: 1,2,"46000",7', { mode: 1, format: 2, operator: "46000", act: 7 }],
    ['+COPS: 0,2,"310260"', { mode: 0, format: 2, operator: "310260" }],
    ["+COPS: 0", { mode: 0 }],
    ['+COPS: 0,0,"0056006500720069007A006F006E"', { mode: 0, format: 0, operator: "Verizon" }], // UCS2 under CSCS="UCS2"
    ['+COPS: 0,0,"MTS RUS"', { mode: 0, format: 0, operator: "MTS RUS" }],
  ])("%s", (line, expected) => {
    expect(parseCops([line])).toEqual({ ok: true, value: expected });
  });
});

describe("+CSQ", () => {
  it.each([
    ["+CSQ: 17,99", { rssi: 17, dbm: -79, ber: null }],
    ["+CSQ: 31,0", { rssi: 31, dbm: -51, ber: 0 }],
    ["+CSQ: 0,99", { rssi: 0, dbm: -113, ber: null }],
    ["+CSQ: 99,99", { rssi: null, dbm: null, ber: null }],
  ])("%s", (line, expected) => {
    expect(parseCsq([line])).toEqual({ ok: true, value: expected });
  });
});

describe("+CNUM", () => {
  it("reads an international number", () => {
    expect(parseCnum(['+CNUM: "","+79161234567",145'])).toEqual([{ alpha: "", number: "+79161234567", type: 145 }]);
  });

  it("adds the + for type 145 without one", () => {
    expect(parseCnum(['+CNUM: "My","79161234567",145'])[0]?.number).toBe("+79161234567");
  });

  it("keeps a national number as stored", () => {
    expect(parseCnum(['+CNUM: "","89161234567",129'])[0]).toEqual({ alpha: "", number: "89161234567", type: 129 });
  });

  it("skips entries with empty numbers (Huawei 'Données'/'Fax' entries)", () => {
    expect(
      parseCnum(['+CNUM: "Données","",129', '+CNUM: "Voix","+33612345678",145', '+CNUM: "Fax","",129']).map((n) => n.number),
    ).toEqual(["+33612345678"]);
  });

  it("salvages a valid entry glued to an error on the same line", () => {
    expect(parseCnum(['+CNUM: "","+79161234567",145+CME ERROR: 25'])[0]?.number).toBe("+79161234567");
  });

  it("returns nothing for an empty reply", () => {
    expect(parseCnum([])).toEqual([]);
  });
});
