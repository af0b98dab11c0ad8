/**
 * Quectel EC25-like: LTE, USB-native (option driver, 2c7c:0125), so AT+CFUN=1,1 drops
 * the ttys off the bus (docs/protocols/at-commands.md#resetting-a-hung-module, docs/hardware.md#vendor-notes).
 */
import { ceregCommand } from "../commands/network.js";
import { isRegistered } from "../commands/network.js";
import { cme, CME, ok, parseIntArg, type CommandTable, type SimContext } from "../commands/types.js";
import { isGsm7Text } from "../commands/charset.js";
import { cpinUrc, plainUssdRequest, textOrUcs2 } from "./common.js";
import { baseCommands } from "./generic.js";
import { quimslotCommand } from "../commands/slots.js";
import { encodeUssdResponse } from "../../codec/index.js";
import type { DialectSpec, UssdWire } from "./types.js";

const commands: CommandTable = {
  ...baseCommands,
  "+CEREG": ceregCommand,
  // AT+QCCID → `+QCCID: 89…`, may end in F (docs/protocols/at-commands.md#sim-iccid-and-imsi, Quectel forum thread). Readable before the PIN.
  "+QCCID": {
    exec: (m) => (m.sim ? ok([`+QCCID: ${m.sim.profile.iccid.padEnd(20, "F")}`]) : cme(CME.simNotInserted)),
  },
  // AT+QSIMSTAT=1 enables +QSIMSTAT: 1,<inserted> (docs/protocols/at-commands.md#sim-hot-swap-and-readiness, marked unverified there).
  "+QSIMSTAT": {
    read: (m) => ok([`+QSIMSTAT: ${m.settings.simDetectUrc ? 1 : 0},${m.sim ? 1 : 0}`]),
    set: (m, c) => {
      const n = parseIntArg(c.args[0]);
      if (n === null || n > 1) return cme(CME.notSupported);
      m.settings.simDetectUrc = n === 1;
      return ok();
    },
  },
  "+QINISTAT": { exec: (m) => ok([`+QINISTAT: ${m.sim?.state === "ready" ? 7 : 0}`]) },
  "+QNWINFO": {
    exec: (m) => {
      const n = m.profile.network;
      return ok([isRegistered(m) ? `+QNWINFO: "FDD LTE","${n.mcc}${n.mnc}","LTE BAND 3",1300` : "+QNWINFO: No Service"]);
    },
  },
  // AT+QUIMSLOT selects the SIM holder on dual-SIM models (docs/sim-banks.md#multi-slot-modules).
  "+QUIMSLOT": quimslotCommand,
  "+QURCCFG": { set: () => ok(), read: () => ok(['+QURCCFG: "urcport","usbat"']) },
};

/** Quectel family quirk: non-GSM replies come as UCS2 hex while the DCS still says 15 (gammu Uissue358-Quectel_M35, docs/protocols/at-commands.md#ussd). */
function encodeUssdReply(m: SimContext, text: string): UssdWire {
  if (m.settings.cscs !== "UCS2" && !isGsm7Text(text)) return { payload: encodeUssdResponse(text, "ucs2-hex"), dcs: 15 };
  return textOrUcs2(m, text);
}

export const quectelDialect: DialectSpec = {
  name: "quectel",
  commands,
  unsupportedText: "ERROR",
  defaults: { cnmi: [2, 1, 0, 0, 0], cscs: "GSM", curc: 0, ussdMode: 0 },
  charsets: ["GSM", "IRA", "UCS2"],
  memories: ["SM", "ME"],
  resetDropsUsb: true,
  busyAfterBootMs: 0,
  // Boot: RDY, +QUSIM: 1 after SIM init, +CPIN (docs/protocols/at-commands.md#sim-hot-swap-and-readiness, Quectel forum log; MM mm-shared-quectel.c).
  bootUrcs: (m) => ["RDY", ...(m.sim ? ["+QUSIM: 1"] : []), cpinUrc(m)],
  simRemovedUrcs: (m) => [...(m.settings.simDetectUrc ? ["+QSIMSTAT: 1,0"] : []), "+CPIN: NOT READY"],
  simInsertedUrcs: (m) => [...(m.settings.simDetectUrc ? ["+QSIMSTAT: 1,1"] : []), "+QUSIM: 1", cpinUrc(m)],
  simReadyUrcs: () => ["+CPIN: READY"],
  memoryFullUrcs: () => [],
  statusUrcs: () => [],
  copsAct: 7,
  csqBer: 99,
  cregUnquoted: false,
  decodeUssdRequest: (m, raw) => plainUssdRequest(m, raw),
  encodeUssdReply,
  ati: (m) => [m.profile.manufacturer, m.profile.model, `Revision: ${m.profile.revision}`],
  crsmNeedsPin: false,
  usb: { vendorId: "2c7c", productId: "0125", manufacturer: "Quectel" },
};
