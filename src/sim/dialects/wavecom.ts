/**
 * Wavecom / Sierra "MULTIBAND 900E 1800" (Q2303/Q24 class): a 2G UART module, in pools
 * behind a USB-UART bridge. What sets it apart, as the python-gsmmodem capture
 * (test/corpus/devices/wavecom-multiband-900e-1800.json) and gammu's F_CPIN_NO_OK say
 * (docs/hardware.md#wavecom-q2303-and-q24):
 *  - `AT+CPIN?` answers `+CPIN: READY` (or `+CPIN: SIM PIN`) and no final result;
 *  - `AT+CGMR` answers ERROR; `+CGMI`/`+CGMM` pad with spaces;
 *  - `AT+CFUN=1` restarts the module, and every command then answers `+CME ERROR: 515`
 *    for a while;
 *  - `+CPMS` offers only SM (with BM/SR for reading), in a nested list;
 *  - SIM events come as `+WIND` indications once `AT+WIND=<mask>` enabled them;
 *  - the ICCID is `AT+CCID`.
 */
import { cme, CME, error, ok, parseIntArg, type CommandTable, type SimContext } from "../commands/types.js";
import { plainUssdRequest, textOrUcs2 } from "./common.js";
import { baseCommands } from "./generic.js";
import type { DialectSpec } from "./types.js";

/** +WIND bit 0: SIM removed/inserted (+WIND: 0 / 1); bit 2: ready for all commands (+WIND: 4). */
const WIND_SIM = 1;
const WIND_READY = 4;

const wind = (m: SimContext, bit: number, line: string): string[] => ((m.settings.windMask & bit) !== 0 ? [line] : []);
const readyWind = (m: SimContext): string[] => (m.sim?.state === "ready" ? wind(m, WIND_READY, "+WIND: 4") : []);

const commands: CommandTable = {
  ...baseCommands,
  "+CGMR": { exec: () => error() },
  "+CPIN": {
    ...baseCommands["+CPIN"],
    read: (m) => {
      const sim = m.sim;
      if (!sim) return cme(CME.simNotInserted);
      const code = sim.state === "ready" ? "READY" : sim.state === "pin" ? "SIM PIN" : "SIM PUK";
      return { lines: [`+CPIN: ${code}`], final: { kind: "none" } };
    },
  },
  "+CFUN": {
    ...baseCommands["+CFUN"],
    set: (m, c) => {
      // AT+CFUN=1 restarts a Wavecom; the other forms behave as on any module.
      if (parseIntArg(c.args[0]) === 1 && (c.args[1] ?? "") === "") return ok([], () => m.powerCycle());
      return baseCommands["+CFUN"]!.set!(m, c);
    },
  },
  "+CPMS": {
    ...baseCommands["+CPMS"],
    test: () => ok(['+CPMS: (("SM","BM","SR"),("SM"))']),
  },
  // +CCID: "<iccid>" (docs/protocols/at-commands.md#sim-iccid-and-imsi). Readable before the PIN.
  "+CCID": { exec: (m) => (m.sim ? ok([`+CCID: "${m.sim.profile.iccid}"`]) : cme(CME.simNotInserted)) },
  "+WIND": {
    read: (m) => ok([`+WIND: ${m.settings.windMask}`]),
    set: (m, c) => {
      const mask = parseIntArg(c.args[0]);
      if (mask === null || mask > 0xffff) return cme(CME.notSupported);
      m.settings.windMask = mask;
      return ok();
    },
  },
};

export const wavecomDialect: DialectSpec = {
  name: "wavecom",
  commands,
  unsupportedText: "ERROR",
  defaults: { cnmi: [0, 0, 0, 0, 0], cscs: "GSM", curc: 0, ussdMode: 0 },
  charsets: ["GSM", "IRA", "UCS2"],
  memories: ["SM"],
  resetDropsUsb: false,
  // The python-gsmmodem capture: two commands answer 515 after AT+CFUN=1; "quite a while" in its comment.
  busyAfterBootMs: 2_000,
  bootUrcs: () => [],
  simRemovedUrcs: (m) => wind(m, WIND_SIM, "+WIND: 0"),
  simInsertedUrcs: (m) => [...wind(m, WIND_SIM, "+WIND: 1"), ...readyWind(m)],
  simReadyUrcs: (m) => readyWind(m),
  memoryFullUrcs: () => [],
  statusUrcs: () => [],
  // GSM only: +COPS without <AcT>.
  copsAct: null,
  csqBer: 99,
  cregUnquoted: false,
  decodeUssdRequest: (m, raw) => plainUssdRequest(m, raw),
  encodeUssdReply: textOrUcs2,
  ati: (m) => [m.profile.manufacturer, m.profile.model],
  crsmNeedsPin: false,
  // Prolific PL2303 bridge: a pool puts one in front of each UART module (docs/hardware.md#topology).
  usb: { vendorId: "067b", productId: "2303", manufacturer: "Prolific Technology, Inc." },
};
