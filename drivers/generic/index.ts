/**
 * The generic 3GPP TS 27.007 driver: what any GSM module answers. Vendor drivers reuse
 * these parsers and supply only their differences through `vendorDriver`.
 */
import type { DriverCommand, DriverDescriptor, SimEvent, SimUrc } from "../types.js";
import { parseCrsmIccid, parseVendorIccid, type Iccid } from "./iccid.js";

export * from "./parsers.js";
export * from "./iccid.js";
export * from "./mcc-mnc.js";
export * from "./phone-number.js";
export * from "./sms.js";
export type { Parsed } from "./result.js";
export type { DriverCommand, DriverDescriptor, DriverMatch, DriverQuirks, NetworkInfo, NetworkInfoCommand, SimEvent, SimUrc, UsbId, UsbInterfaceRole } from "../types.js";
export { hasQuirk, initFailureTolerated, networkInfoFor } from "../types.js";

/**
 * READ BINARY of EF_ICCID: works on every 27.007 module with a ready SIM, except the
 * Quectel M35 (CRSM dropped) and EG916Q (CME 3). ModemManager allows 20 s for it
 * (docs/protocols/at-commands.md#sim-iccid-and-imsi, MM mm-base-sim.c).
 */
export const CRSM_ICCID: DriverCommand<Iccid> = { text: "AT+CRSM=176,12258,0,0,10", timeoutMs: 20_000, parse: parseCrsmIccid };

/** A vendor ICCID command (all share the tolerant parseVendorIccid). */
export function vendorIccid(text: string, vendor?: RegExp): DriverCommand<Iccid> {
  return vendor ? { text, timeoutMs: 5_000, parse: parseVendorIccid, vendor } : { text, timeoutMs: 5_000, parse: parseVendorIccid };
}

/** `+CPIN: <code>` pushed unsolicited on many modules (docs/protocols/at-commands.md#sim-hot-swap-and-readiness, "Generic 27.007" row; SIM800 URC table). */
export const CPIN_URC: SimUrc = {
  name: "sim-cpin",
  pattern: /^\+CPIN:\s*.+$/i,
  meaning: (line): SimEvent => {
    const code = line.replace(/^\+CPIN:\s*/i, "").replace(/"/g, "").trim().toUpperCase();
    if (code === "READY") return "ready";
    if (code === "NOT INSERTED" || code === "NO SIM" || code === "SIM REMOVED") return "removed";
    if (code.startsWith("SIM PIN") || code.startsWith("SIM PUK")) return "inserted";
    // NOT READY: during boot and, on Quectel, after removal (simulator quectel dialect) — re-check.
    return "unknown";
  },
};

export const genericDriver: DriverDescriptor = {
  name: "generic",
  family: "Generic 3GPP TS 27.007",
  match: {},
  // Echo off, verbose finals, numeric errors: ModemManager primary_init_sequence (docs/protocols/at-commands.md#init-sequence).
  // PDU mode: text-mode +CMGR output varies too much between vendors (faucamp/python-gsmmodem #6).
  initSequence: ["ATE0", "ATV1", "AT+CMEE=1", "AT+CMGF=0"],
  // Without PDU mode we cannot read SMS; everything else only makes replies nicer to parse.
  initRequired: ["AT+CMGF=0"],
  // ME first, then SIM: read and receive memories must match or +CMTI indexes point at the
  // wrong memory (bg111/asterisk-chan-dongle #31; gateway-soft's ME-then-SM order, docs/peer-software.md#supplier-software).
  storage: { preferred: ["ME", "SM"] },
  cnmiChain: [
    // Store and indicate with +CMTI, no cell broadcast, no status reports: receive-only pools
    // need no SRs and SR memory fills up otherwise (docs/protocols/at-commands.md#status-reports).
    "AT+CNMI=2,1,0,0,0",
    // Some firmwares reject the 5th parameter <bfr>.
    "AT+CNMI=2,1,0,0",
    // Mode 1 (discard indications while the link is busy) where mode 2 is refused (Kannel default uses mode 1, docs/peer-software.md#kannel).
    "AT+CNMI=1,1,0,0,0",
  ],
  iccidCommands: [
    CRSM_ICCID,
    // For a modem we could not identify: try the vendor forms blindly, most likely first.
    vendorIccid("AT+QCCID", /quectel/i),
    // Huawei answers ^ICCID? even before the PIN is entered (mm-sim-huawei.c).
    vendorIccid("AT^ICCID?", /huawei/i),
    vendorIccid("AT+CICCID", /simcom/i),
    vendorIccid("AT+CCID", /simcom|wavecom|u-?blox/i),
    vendorIccid("AT+ICCID"),
    vendorIccid("AT+ZGETICCID", /zte/i),
  ],
  simUrcs: [CPIN_URC],
  // Full power cycle of the module (MM Quectel plugin; chan_dongle README; docs/protocols/at-commands.md#resetting-a-hung-module).
  softReset: "AT+CFUN=1,1",
  resetReenumerates: "usb-native",
  // 27.007: request in the TE character set, DCS 15 (MM falls back to this form, docs/peer-software.md#modemmanager).
  ussd: { request: "text", dcs: 15 },
  quirks: {},
};

/** What a vendor descriptor states; everything it leaves out comes from the generic driver. */
export interface VendorDiff extends Partial<Omit<DriverDescriptor, "name" | "family" | "match" | "iccidCommands" | "simUrcs" | "initSequence">> {
  name: string;
  family: string;
  match: DriverDescriptor["match"];
  /** Appended to the generic init sequence (all tolerated unless also put in initRequired). */
  initExtra?: readonly string[];
  /** Tried before the generic `AT+CRSM` read. */
  iccidVendor?: readonly DriverCommand<Iccid>[];
  /** Added to the generic `+CPIN` URC. */
  simUrcsExtra?: readonly SimUrc[];
}

export function vendorDriver(diff: VendorDiff): DriverDescriptor {
  const { initExtra = [], iccidVendor = [], simUrcsExtra = [], ...own } = diff;
  return {
    ...genericDriver,
    ...own,
    initSequence: [...genericDriver.initSequence, ...initExtra],
    iccidCommands: [...iccidVendor, CRSM_ICCID],
    simUrcs: [CPIN_URC, ...simUrcsExtra],
    quirks: { ...genericDriver.quirks, ...(own.quirks ?? {}) },
  };
}

/** ICCID commands in the order to try them for a manufacturer string: vendor matches first. */
export function iccidStrategyFor(driver: DriverDescriptor, manufacturer: string | null): DriverCommand<Iccid>[] {
  const [first, ...rest] = driver.iccidCommands;
  const matching = rest.filter((c) => c.vendor && manufacturer && c.vendor.test(manufacturer));
  const others = rest.filter((c) => !matching.includes(c));
  return [...matching, ...(first ? [first] : []), ...others];
}
