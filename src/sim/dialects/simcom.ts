/**
 * SIMCom SIM800L-like: a 2G UART module, in pools usually behind a CH340 bridge, so the
 * tty stays when the module restarts (docs/hardware.md#vendor-notes, docs/hardware.md#pool-hardware).
 */
import { isRegistered } from "../commands/network.js";
import { ok, parseIntArg, cme, CME, unsupported, type CommandTable, type SimContext } from "../commands/types.js";
import { cpinUrc, plainUssdRequest, textOrUcs2 } from "./common.js";
import { baseCommands } from "./generic.js";
import { smsimcfgCommand } from "../commands/slots.js";
import type { DialectSpec } from "./types.js";

/** Call Ready / SMS Ready follow a ready SIM (SIM800 manual V1.09 p.351–352, docs/protocols/at-commands.md#sim-hot-swap-and-readiness). */
const readyUrcs = (m: SimContext): string[] => (m.sim?.state === "ready" ? ["Call Ready", "SMS Ready"] : []);

const commands: CommandTable = {
  ...baseCommands,
  // AT+SMSIMCFG selects the SIM holder on dual-SIM SIMCom models (docs/sim-banks.md#multi-slot-modules).
  "+SMSIMCFG": smsimcfgCommand,
  // SIM800 prints its revision with a prefix.
  "+CGMR": { exec: (m) => ok([`Revision:${m.profile.revision}`]) },
  // AT+CCID: bare digits on SIM800 (docs/protocols/at-commands.md#sim-iccid-and-imsi, "SIMCom SIM800/SIM900" row). Readable before the PIN.
  "+CCID": { exec: (m) => (m.sim ? ok([m.sim.profile.iccid]) : cme(CME.simNotInserted)) },
  // AT+CSMINS=1 enables +CSMINS: <n>,<inserted> on hot-swap (SIM800 manual, docs/protocols/at-commands.md#sim-hot-swap-and-readiness).
  "+CSMINS": {
    read: (m) => ok([`+CSMINS: ${m.settings.simDetectUrc ? 1 : 0},${m.sim ? 1 : 0}`]),
    test: () => ok(["+CSMINS: (0,1)"]),
    set: (m, c) => {
      const n = parseIntArg(c.args[0]);
      if (n === null || n > 1) return cme(CME.notSupported);
      m.settings.simDetectUrc = n === 1;
      return ok();
    },
  },
  "+CIURC": { read: () => ok(["+CIURC: 1"]), set: () => ok() },
  // +CPSI? exists on SIM5320/SIM7x00/A76xx only (SIM7500/SIM7600 manual V1.03); the 2G SIM800/SIM900 answer ERROR.
  // It follows the packet attach, so on an LTE attach without CS it says Online while +CREG says 0
  // (SIM7000: botletics/SIM7000-LTE-Shield #50).
  "+CPSI": {
    read: (m) => {
      if (!/SIM5\d{3}|SIM7\d{3}|A76\d\d/i.test(m.profile.model)) return unsupported();
      const n = m.profile.network;
      if (!isRegistered(m)) return ok(["+CPSI: NO SERVICE,Online"]);
      return ok([`+CPSI: LTE,Online,${n.mcc}-${n.mnc},0x${n.lac},${parseInt(n.cellId, 16)},304,EUTRAN-BAND3,1300,5,5,-94,-850,-545,15`]);
    },
  },
  "+CSPN": {
    read: (m) => (m.sim?.state === "ready" ? ok([`+CSPN: "${m.sim.profile.operatorName}",0`]) : cme(CME.simNotInserted)),
  },
};

export const simcomDialect: DialectSpec = {
  name: "simcom",
  commands,
  unsupportedText: "ERROR",
  defaults: { cnmi: [2, 1, 0, 0, 0], cscs: "IRA", curc: 0, ussdMode: 0 },
  charsets: ["IRA", "GSM", "UCS2", "HEX", "8859-1"],
  memories: ["SM", "ME"],
  resetDropsUsb: false,
  busyAfterBootMs: 0,
  // Boot: RDY, +CPIN, Call Ready, SMS Ready (docs/protocols/at-commands.md#sim-hot-swap-and-readiness, docs/protocols/at-commands.md#resetting-a-hung-module). `RDY` is printed at a fixed baud.
  bootUrcs: (m) => ["RDY", cpinUrc(m), ...readyUrcs(m)],
  simRemovedUrcs: (m) => [...(m.settings.simDetectUrc ? ["+CSMINS: 1,0"] : []), "+CPIN: NOT INSERTED"],
  simInsertedUrcs: (m) => [...(m.settings.simDetectUrc ? ["+CSMINS: 1,1"] : []), cpinUrc(m), ...readyUrcs(m)],
  simReadyUrcs: (m) => ["+CPIN: READY", ...readyUrcs(m)],
  memoryFullUrcs: () => [],
  statusUrcs: () => [],
  copsAct: null,
  csqBer: 0,
  cregUnquoted: false,
  decodeUssdRequest: (m, raw) => plainUssdRequest(m, raw),
  encodeUssdReply: textOrUcs2,
  ati: (m) => [`SIM800 R${m.profile.revision.slice(0, 2)}.${m.profile.revision.slice(2, 4)}`],
  crsmNeedsPin: false,
  // CH340 USB-UART bridge (docs/hardware.md#pool-hardware: pools feed one bridge per UART module).
  usb: { vendorId: "1a86", productId: "7523", manufacturer: "1a86" },
};
