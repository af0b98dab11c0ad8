/**
 * Generic 3GPP TS 27.007 / 27.005 module (Qualcomm-like): the base table every dialect
 * starts from. No vendor ICCID command: the host has to use AT+CRSM (docs/protocols/at-commands.md#sim-iccid-and-imsi).
 */
import { controlCommands } from "../commands/control.js";
import { identityCommands } from "../commands/identity.js";
import { networkCommands } from "../commands/network.js";
import { simCommands } from "../commands/sim.js";
import { smsCommands } from "../commands/sms.js";
import type { CommandTable } from "../commands/types.js";
import { ussdCommands } from "../commands/ussd.js";
import { csusCommand } from "../commands/slots.js";
import { cpinUrc, plainUssdRequest, qualcommAti, textOrUcs2 } from "./common.js";
import type { DialectSpec } from "./types.js";

export const baseCommands: CommandTable = {
  ...controlCommands,
  ...identityCommands,
  ...simCommands,
  ...networkCommands,
  ...smsCommands,
  ...ussdCommands,
};

export const genericDialect: DialectSpec = {
  name: "generic",
  // 27.007 +CSUS, the standard's own slot selection (docs/sim-banks.md#multi-slot-modules).
  commands: { ...baseCommands, "+CSUS": csusCommand },
  unsupportedText: "ERROR",
  defaults: { cnmi: [2, 1, 0, 0, 0], cscs: "IRA", curc: 0, ussdMode: 0 },
  charsets: ["IRA", "GSM", "UCS2"],
  memories: ["SM", "ME"],
  resetDropsUsb: true,
  busyAfterBootMs: 0,
  bootUrcs: () => [],
  // Generic modules report SIM loss as an unsolicited +CPIN (docs/protocols/at-commands.md#sim-hot-swap-and-readiness, "Generic 27.007" row).
  simRemovedUrcs: () => ["+CPIN: NOT INSERTED"],
  simInsertedUrcs: (m) => [cpinUrc(m)],
  simReadyUrcs: () => [],
  memoryFullUrcs: () => [],
  statusUrcs: () => [],
  copsAct: 7,
  csqBer: 99,
  cregUnquoted: false,
  decodeUssdRequest: (m, raw) => plainUssdRequest(m, raw),
  encodeUssdReply: textOrUcs2,
  ati: qualcommAti,
  crsmNeedsPin: false,
  usb: { vendorId: "05c6", productId: "9025", manufacturer: "Qualcomm, Incorporated" },
};
