/**
 * A dialect = the generic 27.007 command table plus a vendor's differences, as data and
 * small functions. Every vendor difference names its source in docs/hardware.md.
 */
import type { CommandTable, SimContext } from "../commands/types.js";
import type { SimDialect } from "../profile.js";
import type { Charset, SettingsDefaults } from "../settings.js";

/** How a `+CUSD` reply is put on the wire: the string between the quotes and its DCS. */
export interface UssdWire {
  payload: string;
  dcs: number;
}

export interface DialectSpec {
  name: SimDialect;
  commands: CommandTable;
  /** Final result for commands the module does not know. */
  unsupportedText: string;
  defaults: SettingsDefaults;
  charsets: readonly Charset[];
  /** +CPMS memories this module offers. */
  memories: readonly string[];
  /** USB-native modules drop off the bus on AT+CFUN=1,1; UART modules behind a bridge keep the tty. */
  resetDropsUsb: boolean;
  /** After a power-on or restart, every command answers +CME ERROR: 515 for this long (Wavecom); 0 for the others. */
  busyAfterBootMs: number;
  /** URCs after power-on / reset, given the SIM state. */
  bootUrcs(m: SimContext): string[];
  /** URCs when the SIM is pulled / inserted / unlocked. */
  simRemovedUrcs(m: SimContext): string[];
  simInsertedUrcs(m: SimContext): string[];
  simReadyUrcs(m: SimContext): string[];
  /** URCs when an incoming SMS finds its memory full (Huawei ^SMMEMFULL, docs/peer-software.md#what-breaks-in-the-field). */
  memoryFullUrcs(m: SimContext, mem: string): string[];
  /** Periodic-style status URCs (Huawei ^RSSI/^MODE) raised on signal/network changes. */
  statusUrcs(m: SimContext): string[];
  /** +COPS <AcT> (0 GSM, 2 UTRAN, 7 E-UTRAN) or null when the module omits it (2G-only SIM800). */
  copsAct: number | null;
  /** +CSQ <ber>. */
  csqBer: number;
  /** Huawei prints +CREG LAC/CI unquoted (docs/protocols/at-commands.md#network-registration, gammu tests/at-creg). */
  cregUnquoted: boolean;
  /** The USSD string the host sent → the code it means; null when the module rejects the form. */
  decodeUssdRequest(m: SimContext, raw: string, dcs: number): string | null;
  encodeUssdReply(m: SimContext, text: string): UssdWire;
  /** Lines of `ATI`. */
  ati(m: SimContext): string[];
  /** AT+CRSM before the PIN: some Huawei need the SIM unlocked (docs/protocols/at-commands.md#sim-iccid-and-imsi). */
  crsmNeedsPin: boolean;
  usb: { vendorId: string; productId: string; manufacturer: string };
}
