/**
 * Huawei E173-like stick (Qualcomm-based, USB-native 12d1): `^` URC chatter until
 * AT^CURC=0, `COMMAND NOT SUPPORT` for unknown commands, AT^ICCID? nibble-swapped,
 * USSD requests as packed 7-bit hex and replies as UCS2 hex with DCS 72.
 */
import { csRegistration, isRegistered } from "../commands/network.js";
import { unpackGsm7Hex } from "../commands/charset.js";
import { cme, CME, ok, parseIntArg, type CommandTable, type SimContext } from "../commands/types.js";
import { swapNibbles } from "../identifiers.js";
import { plainUssdRequest, qualcommAti, textOrUcs2 } from "./common.js";
import { baseCommands } from "./generic.js";
import { encodeUssdResponse } from "../../codec/index.js";
import type { DialectSpec, UssdWire } from "./types.js";

const { "+CLAC": _clac, ...withoutClac } = baseCommands;

const flagCommand = (key: "curc" | "ussdMode", prefix: string) => ({
  read: (m: SimContext) => ok([`${prefix}: ${m.settings[key]}`]),
  test: () => ok([`${prefix}: (0-1)`]),
  set: (m: SimContext, c: { args: string[] }) => {
    const n = parseIntArg(c.args[0]);
    if (n === null || n > 1) return cme(CME.notSupported);
    m.settings[key] = n;
    return ok();
  },
});

const commands: CommandTable = {
  // E1752-family firmware answers AT+CLAC with its own oddities or not at all (docs/protocols/at-commands.md#identity).
  ...withoutClac,
  // ^ICCID? works before the PIN; Qualcomm-based models swap nibbles (MM mm-sim-huawei.c; modemmanager-devel 2013-09/000350).
  "^ICCID": { read: (m) => (m.sim ? ok([`^ICCID: "${swapNibbles(m.sim.profile.iccid)}"`]) : cme(CME.simNotInserted)) },
  // ^CURC=0 stops ^RSSI/^MODE/^BOOT chatter (gammu F_HUAWEI_INIT, gateway-soft; docs/protocols/at-commands.md#init-sequence).
  "^CURC": flagCommand("curc", "^CURC"),
  // ^USSDMODE=0 switches to text USSD (python-gsmmodem; docs/peer-software.md#python-gsmmodem).
  "^USSDMODE": flagCommand("ussdMode", "^USSDMODE"),
  "^PORTSEL": { read: () => ok(["^PORTSEL: 0"]), set: () => ok() },
  "^U2DIAG": { read: () => ok(["^U2DIAG: 0"]), set: () => ok() },
  "^CARDMODE": { exec: (m) => (m.sim ? ok(["^CARDMODE: 2"]) : cme(CME.simNotInserted)) },
  "^HWVER": { exec: () => ok(['^HWVER:"CD1E173M"']) },
  // ^SYSINFO: <srv_status>,<srv_domain>,<roam>,<sys_mode>,<sim_state>,,<sys_submode> (MM huawei plugin):
  // service valid (2) in CS+PS (3), or PS only (2) on a packet-only attach where +CREG says otherwise.
  "^SYSINFO": {
    exec: (m) => {
      const reg = isRegistered(m);
      const cs = csRegistration(m);
      const domain = !reg ? 0 : cs === 1 || cs === 5 ? 3 : 2;
      const roam = reg && m.profile.network.registration === 5 ? 1 : 0;
      const simState = !m.sim ? 255 : m.sim.state === "ready" ? 1 : 0;
      return ok([`^SYSINFO:${reg ? 2 : 0},${domain},${roam},${reg ? 5 : 0},${simState},,${reg ? 4 : 0}`]);
    },
  },
};

function decodeUssdRequest(m: SimContext, raw: string): string | null {
  // Codes contain * and #, never valid hex: a hex string is the packed 7-bit form.
  if (/^[0-9A-Fa-f]+$/.test(raw) && raw.length % 2 === 0 && m.settings.cscs !== "UCS2") {
    const unpacked = unpackGsm7Hex(raw);
    if (unpacked) return unpacked;
  }
  return plainUssdRequest(m, raw);
}

/** Encoded mode (default): UCS2 hex with DCS 72 (gammu tests/at-ussd issue109-E3276; docs/protocols/at-commands.md#ussd). */
function encodeUssdReply(m: SimContext, text: string): UssdWire {
  if (m.settings.ussdMode === 0) return textOrUcs2(m, text);
  return { payload: encodeUssdResponse(text, "ucs2-hex"), dcs: 72 };
}

export const huaweiDialect: DialectSpec = {
  name: "huawei",
  commands,
  // Huawei's final result for unknown commands (python-gsmmodem fakemodems HuaweiE1752; docs/protocols/at-commands.md#line-protocol).
  unsupportedText: "COMMAND NOT SUPPORT",
  // No +CNMI indications until the host asks: users see no +CMTI on Huawei sticks unless
  // they (re)send AT+CNMI (emilsedgh/modem #41, #12; docs/peer-software.md#node-packages).
  defaults: { cnmi: [0, 0, 0, 0, 0], cscs: "IRA", curc: 1, ussdMode: 1 },
  charsets: ["IRA", "GSM", "UCS2"],
  memories: ["SM", "ME"],
  resetDropsUsb: true,
  busyAfterBootMs: 0,
  bootUrcs: (m) => [`^SIMST: ${m.sim ? 1 : 255}`, ...huaweiDialect.statusUrcs(m)],
  simRemovedUrcs: () => ["^SIMST: 255"],
  simInsertedUrcs: () => ["^SIMST: 1"],
  simReadyUrcs: () => [],
  // Storage full: Huawei says ^SMMEMFULL and stops +CMTI (docs/peer-software.md#what-breaks-in-the-field, chan_dongle #47).
  memoryFullUrcs: (_m, mem) => [`^SMMEMFULL: "${mem}"`],
  statusUrcs: (m) => (m.settings.curc === 1 ? [`^RSSI:${m.profile.network.signalRssi}`, `^MODE:5,4`] : []),
  copsAct: 2,
  csqBer: 99,
  // +CREG: 2,1,4CA,81DE445 — unquoted hex LAC/CI (gammu tests/at-creg; docs/protocols/at-commands.md#network-registration).
  cregUnquoted: true,
  decodeUssdRequest,
  encodeUssdReply,
  ati: qualcommAti,
  // Some Huawei need the PIN before AT+CRSM reads EF_ICCID (docs/protocols/at-commands.md#sim-iccid-and-imsi).
  crsmNeedsPin: true,
  usb: { vendorId: "12d1", productId: "1436", manufacturer: "HUAWEI" },
};
