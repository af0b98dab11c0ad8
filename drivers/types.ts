/**
 * The driver descriptor: what one modem family needs, as data plus a few tiny pure
 * functions (parsers, URC meanings). Descriptors never do I/O; the modem layer runs the
 * commands they list. The generic 3GPP TS 27.007 descriptor is the base and vendor
 * descriptors supply only their differences (docs/conventions.md#rule-2, ModemManager plugins).
 */
import type { Iccid } from "./generic/iccid.js";
import type { Parsed } from "./generic/result.js";

/** What a USB interface of a multi-interface modem is for (ModemManager ID_MM_PORT_TYPE_* tags). */
export type UsbInterfaceRole = "at" | "at-secondary" | "modem" | "diag" | "gps" | "audio";

/**
 * One USB identity a family claims. Without `productId` the vendor id alone points at the
 * family (weaker evidence). `noAt` marks compositions that have no AT port at all (HiLink,
 * CD-ROM mode): discovery must not probe them, and says why.
 */
export interface UsbId {
  vendorId: string;
  productId?: string;
  /** Human names of the models seen with this id (for logs and the README table). */
  models?: string;
  /** bInterfaceNumber ("00", "02", …) → role. */
  interfaces?: Readonly<Record<string, UsbInterfaceRole>>;
  /** bInterfaceProtocol ("01", "02", …) → role, for vendors that tag interfaces by protocol (Huawei). */
  protocols?: Readonly<Record<string, UsbInterfaceRole>>;
  noAt?: string;
}

export interface DriverMatch {
  usb?: readonly UsbId[];
  /** Tested against the normalised `AT+CGMI` answer (trimmed, inner spaces collapsed). */
  manufacturer?: RegExp;
  /** Tested against the normalised `AT+CGMM` answer. */
  model?: RegExp;
}

export interface DriverCommand<T> {
  text: string;
  timeoutMs?: number;
  parse: (lines: readonly string[]) => Parsed<T>;
  /** Vendor hint: tried first when the manufacturer string matches. */
  vendor?: RegExp;
}

/** What a SIM URC says happened to the card. "unknown": something changed, re-read `AT+CPIN?`. */
export type SimEvent = "inserted" | "removed" | "ready" | "unknown";

export interface SimUrc {
  /** Registry name (AtChannel.registerUrc). */
  name: string;
  /** Matches the whole URC line. */
  pattern: RegExp;
  meaning: (line: string) => SimEvent;
}

export type SmsMemory = "ME" | "SM";

/**
 * A quirk applies to the whole family (`true`) or only to models whose normalised
 * `AT+CGMM` matches the pattern. Every quirk in a descriptor carries a comment naming
 * the device and the source. A quirk earns its place only by changing what the modem
 * layer does (see drivers/README.md#quirks for the ones removed and why).
 */
export type QuirkScope = boolean | RegExp;

export interface DriverQuirks {
  /**
   * `AT+CPIN?` answers with the `+CPIN:` line and no final result: the SIM state is read
   * with allowMissingFinal (a short wait after the line, not a timeout). Every other
   * module must send OK, so that a final result that comes late is never taken for the
   * answer to the next command.
   */
  cpinWithoutOk?: QuirkScope;
}

/**
 * What a vendor's network-information command says (Huawei `^SYSINFO`, Quectel
 * `+QNWINFO`, SIMCom `+CPSI?`): whether the module has service, on which radio access
 * technology and serving network. A second opinion where `+CREG` (the circuit-switched
 * domain only) says "not registered" on a module that is attached for packet service.
 */
export interface NetworkInfo {
  inService: boolean;
  /** "GSM", "WCDMA", "FDD LTE", "LTE", … as the module names it; null when it says none. */
  accessTechnology: string | null;
  /** Serving network, numeric MCC+MNC, or null when the command does not print it. */
  operator: string | null;
  /** The module's own roaming flag, or null when the command has none. */
  roaming: boolean | null;
}

export interface NetworkInfoCommand extends DriverCommand<NetworkInfo> {
  /** Only these models have the command (normalised `AT+CGMM`); absent = every model of the family. */
  models?: RegExp;
}

export interface DriverDescriptor {
  /** Unique id, e.g. "quectel". */
  name: string;
  /** Family shown to users, e.g. "Quectel M35/M26/UC20/EC2x/EG25". */
  family: string;
  match: DriverMatch;
  /**
   * Full command lines sent once after the port answers `AT`, in order. Steps not listed
   * in `initRequired` may fail on a real module and are only logged.
   */
  initSequence: readonly string[];
  /** The init steps whose failure makes the modem unusable for us. */
  initRequired: readonly string[];
  /** SMS memories in order of preference for `AT+CPMS` (read, write and receive alike). */
  storage: { preferred: readonly SmsMemory[] };
  /** `AT+CNMI` settings to try in order: the first that answers OK wins. */
  cnmiChain: readonly string[];
  /** ICCID strategies: vendor command(s) first, the generic `AT+CRSM` read as fallback. */
  iccidCommands: readonly DriverCommand<Iccid>[];
  /** URCs that report SIM insertion/removal/readiness. */
  simUrcs: readonly SimUrc[];
  /** The command that restarts the module. */
  softReset: string;
  /**
   * Whether the ttys drop off the bus on `softReset`: always (USB sticks), never (UART
   * modules behind a USB-UART bridge), or only when the module itself is the USB device.
   */
  resetReenumerates: "always" | "never" | "usb-native";
  /** How to send `AT+CUSD=1,"<request>",<dcs>`. */
  ussd: { request: "text" | "gsm7-packed-hex"; dcs: number };
  quirks: DriverQuirks;
  /** The vendor's network-information command, asked when `+CREG` does not say registered. */
  networkInfo?: NetworkInfoCommand;
  /** Serial defaults when they are not 115200 8N1 without flow control. */
  serial?: { baudRate?: number; rtscts?: boolean };
}

/** Whether `quirk` applies to this model (normalised `AT+CGMM`, or null when unknown). */
export function hasQuirk(driver: DriverDescriptor, quirk: keyof DriverQuirks, model: string | null): boolean {
  const scope = driver.quirks[quirk];
  if (scope === undefined || scope === false) return false;
  if (scope === true) return true;
  return model !== null && scope.test(model);
}

/** Whether a failed init step may be ignored. */
export function initFailureTolerated(driver: DriverDescriptor, command: string): boolean {
  return !driver.initRequired.includes(command);
}

/** The driver's network-information command for this model, or undefined. */
export function networkInfoFor(driver: DriverDescriptor, model: string | null): NetworkInfoCommand | undefined {
  const cmd = driver.networkInfo;
  if (!cmd) return undefined;
  if (cmd.models === undefined) return cmd;
  return model !== null && cmd.models.test(model) ? cmd : undefined;
}
