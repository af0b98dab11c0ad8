/**
 * The generic 3GPP TS 27.007 driver: what any GSM module answers. Vendor drivers
 * (issue 4) reuse these parsers and supply only their differences.
 */
import type { Parsed } from "./result.js";
import { parseCrsmIccid, parseVendorIccid, type Iccid } from "./iccid.js";

export * from "./parsers.js";
export * from "./iccid.js";
export * from "./mcc-mnc.js";
export type { Parsed } from "./result.js";

export interface DriverCommand<T> {
  text: string;
  timeoutMs?: number;
  parse: (lines: readonly string[]) => Parsed<T>;
  /** Vendor hint: tried first when the manufacturer string matches. */
  vendor?: RegExp;
}

export interface DriverDescriptor {
  name: string;
  /**
   * Sent once after the port answers `AT`. Echo off and numeric errors are what
   * ModemManager's primary_init_sequence converges on (modems.md §2.2); failures of
   * single steps are tolerated (Wavecom rejects some, SIM800 ignores others).
   */
  initSequence: readonly string[];
  /** ICCID strategies, most portable first; the probe falls through on failure. */
  iccidCommands: readonly DriverCommand<Iccid>[];
}

export const genericDriver: DriverDescriptor = {
  name: "generic",
  initSequence: ["ATE0", "AT+CMEE=1"],
  iccidCommands: [
    // READ BINARY of EF_ICCID: works on every 27.007 module with a ready SIM, except the
    // Quectel M35 (CRSM dropped) and EG916Q (CME 3). ModemManager allows 20 s for it.
    { text: "AT+CRSM=176,12258,0,0,10", timeoutMs: 20_000, parse: parseCrsmIccid },
    { text: "AT+QCCID", timeoutMs: 5_000, parse: parseVendorIccid, vendor: /quectel/i },
    // Huawei answers ^ICCID? even before the PIN is entered (mm-sim-huawei.c).
    { text: "AT^ICCID?", timeoutMs: 5_000, parse: parseVendorIccid, vendor: /huawei/i },
    { text: "AT+CICCID", timeoutMs: 5_000, parse: parseVendorIccid, vendor: /simcom/i },
    { text: "AT+CCID", timeoutMs: 5_000, parse: parseVendorIccid, vendor: /simcom|wavecom|u-?blox/i },
    { text: "AT+ICCID", timeoutMs: 5_000, parse: parseVendorIccid },
    { text: "AT+ZGETICCID", timeoutMs: 5_000, parse: parseVendorIccid, vendor: /zte/i },
  ],
};

/** ICCID commands in the order to try them for a manufacturer string: vendor matches first. */
export function iccidStrategyFor(driver: DriverDescriptor, manufacturer: string | null): DriverCommand<Iccid>[] {
  const [first, ...rest] = driver.iccidCommands;
  const matching = rest.filter((c) => c.vendor && manufacturer && c.vendor.test(manufacturer));
  const others = rest.filter((c) => !matching.includes(c));
  return [...matching, ...(first ? [first] : []), ...others];
}
