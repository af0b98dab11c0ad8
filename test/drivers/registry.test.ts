import { describe, expect, it } from "vitest";
import {
  DRIVERS,
  MatchScore,
  atInterfaceFor,
  driverByName,
  genericDriver,
  normaliseIdentity,
  resetReenumerates,
  selectDriver,
  usbCompositionWithoutAt,
  type DriverEvidence,
} from "../../drivers/registry.js";
import { CRSM_ICCID, initFailureTolerated, hasQuirk, networkInfoFor } from "../../drivers/generic/index.js";

describe("selectDriver by AT+CGMI / AT+CGMM answers (real captures, docs/protocols/at-commands.md#identity)", () => {
  it.each<[string, string | null, string | null, string, MatchScore]>([
    ["Wavecom Q2303 clone", " WAVECOM MODEM", " MULTIBAND  900E  1800 ", "wavecom", MatchScore.ManufacturerModel],
    ["Wavecom, raw +CGMI prefix", "+CGMI: WAVECOM MODEM", "MULTIBAND 900E 1800", "wavecom", MatchScore.ManufacturerModel],
    ["Huawei E173", "huawei", "E173", "huawei", MatchScore.ManufacturerModel],
    ["Huawei upper case, E3372h", "HUAWEI", "E3372h-153", "huawei", MatchScore.ManufacturerModel],
    ["Huawei K3715 (Vodafone)", "huawei", "K3715", "huawei", MatchScore.ManufacturerModel],
    ["Huawei E1752 via ATI", "Manufacturer: huawei", "Model: E1752", "huawei", MatchScore.ManufacturerModel],
    ["Quectel EC25", "Quectel", "EC25", "quectel", MatchScore.ManufacturerModel],
    ["Quectel EG25-G", "Quectel", "EG25-G", "quectel", MatchScore.ManufacturerModel],
    ["Quectel M35 UART firmware", "Quectel_Ltd", "Quectel_M35", "quectel", MatchScore.ManufacturerModel],
    ["Quectel EG916Q (model not in table)", "Quectel", "EG916Q-GL", "quectel", MatchScore.Manufacturer],
    ["SIMCom SIM800L", "SIMCOM_Ltd", "SIMCOM_SIM800L", "simcom", MatchScore.ManufacturerModel],
    ["SIMCom SIM900", "SIMCOM_Ltd", "SIMCOM_SIM900", "simcom", MatchScore.ManufacturerModel],
    ["SIMCom SIM7600", "SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "simcom", MatchScore.ManufacturerModel],
    ["SIMCom A7600", "SIMCOM INCORPORATED", "A7600E-H", "simcom", MatchScore.ManufacturerModel],
    ["ZTE MF626", "ZTE INCORPORATED", "MF626", "zte", MatchScore.ManufacturerModel],
    ["ZTE CORPORATION MF190", "ZTE CORPORATION", "MF190", "zte", MatchScore.ManufacturerModel],
    ["ZTE-made Vodafone K3565-Z, no CGMI", null, "K3565-Z", "zte", MatchScore.Model],
    ["Huawei model only (CGMI failed)", null, "E1550", "huawei", MatchScore.Model],
    ["Qualcomm reference firmware", "QUALCOMM INCORPORATED", "M6280", "generic", MatchScore.Generic],
    ["Simulator generic dialect", "QUALCOMM INCORPORATED", "SIMGATE-GENERIC-3GPP", "generic", MatchScore.Generic],
    ["Siemens (no driver)", "SIEMENS", "MC35i", "generic", MatchScore.Generic],
    ["nothing known", null, null, "generic", MatchScore.Generic],
  ])("%s → %s", (_what, manufacturer, model, family, score) => {
    const selection = selectDriver({ manufacturer, model });
    expect(selection.driver.name).toBe(family);
    expect(selection.score).toBe(score);
    expect(selection.reasons.length).toBeGreaterThan(0);
  });

  it("says why it fell back to the generic driver", () => {
    expect(selectDriver({ manufacturer: "QUALCOMM INCORPORATED", model: "M6280" }).reasons.join(" ")).toMatch(/no driver matches.*generic/);
  });
});

describe("selectDriver by USB ids", () => {
  it.each<[string, string, string, MatchScore]>([
    ["2c7c", "0125", "quectel", MatchScore.VidPid],
    ["2C7C", "0x0125", "quectel", MatchScore.VidPid],
    ["2c7c", "0999", "quectel", MatchScore.Vid],
    ["05c6", "9003", "quectel", MatchScore.VidPid],
    ["1e0e", "9001", "simcom", MatchScore.VidPid],
    ["1e0e", "9011", "simcom", MatchScore.VidPid],
    ["05c6", "9000", "simcom", MatchScore.VidPid],
    ["12d1", "1506", "huawei", MatchScore.VidPid],
    ["12d1", "1436", "huawei", MatchScore.VidPid],
    ["12d1", "1c05", "huawei", MatchScore.Vid],
    ["19d2", "0031", "zte", MatchScore.VidPid],
    // Qualcomm's VID alone says nothing: many vendors ship under it.
    ["05c6", "9025", "generic", MatchScore.Generic],
    ["1a86", "7523", "generic", MatchScore.Generic],
  ])("%s:%s → %s", (vendorId, productId, family, score) => {
    const selection = selectDriver({ vendorId, productId });
    expect([selection.driver.name, selection.score]).toEqual([family, score]);
  });

  it("adds USB ids and identity strings up: E173 on 12d1:1436 is the strongest match", () => {
    const s = selectDriver({ vendorId: "12d1", productId: "1436", manufacturer: "huawei", model: "E173" });
    expect([s.driver.name, s.score]).toEqual(["huawei", MatchScore.VidPidManufacturerModel]);
    expect(s.reasons).toHaveLength(3);
  });

  it("lets the module's own word beat a shared vendor id (Quectel UC20 firmware on SIMCom's Qualcomm PID)", () => {
    const s = selectDriver({ vendorId: "05c6", productId: "9000", manufacturer: "Quectel", model: "UC20" });
    expect(s.driver.name).toBe("quectel");
    expect(s.score).toBe(MatchScore.ManufacturerModel);
  });

  it("ignores a USB-UART bridge's ids and says so (SIM800 behind a CH340)", () => {
    const s = selectDriver({ vendorId: "1a86", productId: "7523", manufacturer: "SIMCOM_Ltd", model: "SIMCOM_SIM800L" });
    expect([s.driver.name, s.score]).toEqual(["simcom", MatchScore.ManufacturerModel]);
    expect(s.reasons[0]).toMatch(/CH340.*bridge/);
  });

  it.each(["10c4:ea60", "067b:2303", "0403:6001", "1a86:55d2"])("treats %s as a bridge", (ids) => {
    const [vendorId, productId] = ids.split(":");
    const s = selectDriver({ vendorId, productId, manufacturer: " WAVECOM MODEM" });
    expect(s.driver.name).toBe("wavecom");
    expect(s.reasons[0]).toMatch(/bridge/);
  });

  it("orders scores so identity beats USB ids and combinations beat their parts", () => {
    expect(MatchScore.Manufacturer).toBeGreaterThan(MatchScore.VidPidModel);
    expect(MatchScore.Model).toBeGreaterThan(MatchScore.VidPid);
    expect(MatchScore.VidPid).toBeGreaterThan(MatchScore.Vid);
    expect(MatchScore.VidPidManufacturerModel).toBe(MatchScore.VidPid + MatchScore.Manufacturer + MatchScore.Model);
  });

  it.each<DriverEvidence>([{ vendorId: "zz", productId: "??" }, { vendorId: "", model: "" }, { manufacturer: "   " }, {}])(
    "survives junk evidence %j",
    (evidence) => {
      expect(() => selectDriver(evidence)).not.toThrow();
      expect(selectDriver(evidence).driver).toBe(genericDriver);
    },
  );
});

describe("atInterfaceFor (per-model interface tables, docs/hardware.md#vendor-notes)", () => {
  it.each<[string, string, string | number, string | number | undefined, string | undefined]>([
    ["2c7c", "0125", "02", undefined, "at"],
    ["2c7c", "0125", 3, undefined, "at-secondary"],
    ["2c7c", "0125", "00", undefined, "diag"],
    ["2c7c", "0125", "01", undefined, "gps"],
    ["05c6", "9003", "02", undefined, "at"],
    ["1e0e", "9001", 2, undefined, "at"],
    ["1e0e", "9001", "03", undefined, "at-secondary"],
    ["1e0e", "9001", "04", undefined, "audio"],
    ["1e0e", "9011", "04", undefined, "at"],
    ["1e0e", "9011", "05", undefined, "modem"],
    ["19d2", "0031", "01", undefined, "at"],
    ["19d2", "0031", "03", undefined, "modem"],
    // Huawei PCUI = bInterfaceProtocol 02, on any product (vendor-wide entry).
    ["12d1", "1c05", "02", "02", "at"],
    ["12d1", "1506", "00", "01", "modem"],
    ["12d1", "1436", "04", 3, "diag"],
    ["12d1", "1506", "02", undefined, undefined],
    ["2c7c", "0121", "02", undefined, undefined],
    ["1a86", "7523", "00", undefined, undefined],
    ["0000", "0000", "00", undefined, undefined],
  ])("%s:%s if%s proto %s → %s", (vid, pid, ifnum, proto, role) => {
    expect(atInterfaceFor(vid, pid, ifnum, proto)).toBe(role);
  });

  it("knows compositions without an AT port", () => {
    expect(usbCompositionWithoutAt("12d1", "14dc")).toMatch(/HiLink/);
    expect(usbCompositionWithoutAt("12d1", "1446")).toMatch(/CD-ROM/);
    expect(atInterfaceFor("12d1", "14dc", "00", "02")).toBeUndefined();
    expect(usbCompositionWithoutAt("12d1", "1506")).toBeUndefined();
  });

  it("fits discovery's InterfaceRoleFn signature", () => {
    const fn: (v: string, p: string, i: number) => string | undefined = atInterfaceFor;
    expect(fn("2c7c", "0125", 2)).toBe("at");
  });
});

describe("reset behaviour", () => {
  it.each<[DriverEvidence, boolean]>([
    [{ vendorId: "2c7c", productId: "0125", manufacturer: "Quectel" }, true],
    [{ vendorId: "1a86", productId: "7523", manufacturer: "Quectel_Ltd", model: "Quectel_M35" }, false],
    [{ vendorId: "1a86", productId: "7523", manufacturer: "SIMCOM_Ltd" }, false],
    [{ vendorId: "1e0e", productId: "9001", manufacturer: "SIMCOM INCORPORATED" }, true],
    [{ manufacturer: "huawei", model: "E173" }, true],
    [{ manufacturer: " WAVECOM MODEM" }, false],
    [{ vendorId: "05c6", productId: "9025" }, true],
    [{}, false],
  ])("%j re-enumerates: %s", (evidence, expected) => {
    expect(resetReenumerates(selectDriver(evidence), evidence)).toBe(expected);
  });
});

describe("every descriptor is complete and consistent", () => {
  const all = [genericDriver, ...DRIVERS];

  it.each(all.map((d) => [d.name, d] as const))("%s", (_name, d) => {
    expect(d.initRequired.every((c) => d.initSequence.includes(c))).toBe(true);
    expect(d.initSequence.every((c) => /^AT/i.test(c))).toBe(true);
    expect(d.cnmiChain.length).toBeGreaterThan(0);
    expect(d.cnmiChain.every((c) => /^AT\+CNMI=\d/.test(c))).toBe(true);
    expect(d.iccidCommands.map((c) => c.text)).toContain(CRSM_ICCID.text);
    expect(d.simUrcs.some((u) => u.name === "sim-cpin")).toBe(true);
    expect(d.storage.preferred.length).toBeGreaterThan(0);
    expect(d.softReset).toMatch(/^AT\+CFUN=1/);
    for (const u of d.match.usb ?? []) {
      expect(u.vendorId).toMatch(/^[0-9a-f]{4}$/);
      if (u.productId !== undefined) expect(u.productId).toMatch(/^[0-9a-f]{4}$/);
    }
    expect(driverByName(d.name)).toBe(d);
  });

  it("vendor drivers try their own ICCID command before the generic CRSM read", () => {
    for (const d of DRIVERS) {
      expect(d.iccidCommands[0]?.text).not.toBe(CRSM_ICCID.text);
      expect(d.iccidCommands.at(-1)?.text).toBe(CRSM_ICCID.text);
    }
  });

  it("tolerates vendor init extras but not PDU mode", () => {
    const huawei = driverByName("huawei")!;
    expect(initFailureTolerated(huawei, "AT^CURC=0")).toBe(true);
    expect(initFailureTolerated(huawei, "AT+CMGF=0")).toBe(false);
  });

  it("scopes model quirks and network-information commands", () => {
    const scoped = { ...genericDriver, quirks: { cpinWithoutOk: /^Q2[34]\d\d/i } };
    expect(hasQuirk(scoped, "cpinWithoutOk", "Q2403A")).toBe(true);
    expect(hasQuirk(scoped, "cpinWithoutOk", "MULTIBAND 900E 1800")).toBe(false);
    expect(hasQuirk(scoped, "cpinWithoutOk", null)).toBe(false);
    expect(hasQuirk(driverByName("wavecom")!, "cpinWithoutOk", null)).toBe(true);
    expect(hasQuirk(genericDriver, "cpinWithoutOk", "x")).toBe(false);
    const simcom = driverByName("simcom")!;
    expect(networkInfoFor(simcom, "SIMCOM_SIM7600E-H")?.text).toBe("AT+CPSI?");
    expect(networkInfoFor(simcom, "SIMCOM_SIM800L")).toBeUndefined();
    expect(networkInfoFor(simcom, null)).toBeUndefined();
    expect(networkInfoFor(driverByName("huawei")!, null)?.text).toBe("AT^SYSINFO");
    expect(networkInfoFor(genericDriver, "EC25")).toBeUndefined();
  });

  it("only the Wavecom driver carries a quirk: every other difference is data or generic handling", () => {
    const withQuirks = [genericDriver, ...DRIVERS].filter((d) => Object.keys(d.quirks).length > 0).map((d) => d.name);
    expect(withQuirks).toEqual(["wavecom"]);
  });

  it("normalises identity strings", () => {
    expect(normaliseIdentity(" MULTIBAND  900E  1800 ")).toBe("MULTIBAND 900E 1800");
    expect(normaliseIdentity('+CGMM: "SIMCOM_SIM800L"')).toBe("SIMCOM_SIM800L");
    expect(normaliseIdentity("  ")).toBeUndefined();
  });
});
