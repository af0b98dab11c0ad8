/**
 * V.250 basics and module control: echo, verbose/quiet, reset to defaults, error mode,
 * functionality (CFUN), character set, command list.
 */
import { defaultSettings, type Charset } from "../settings.js";
import { cme, CME, error, ok, parseIntArg, type CommandTable, type SimContext } from "./types.js";

const flag = (arg: string | undefined): 0 | 1 | null => (arg === "" || arg === "0" ? 0 : arg === "1" ? 1 : null);

export function resetSettings(m: SimContext): void {
  Object.assign(m.settings, defaultSettings(m.dialect.defaults));
}

export const controlCommands: CommandTable = {
  E: {
    exec: (m, c) => {
      const v = flag(c.args[0]);
      if (v === null) return error();
      m.settings.echo = v === 1;
      return ok();
    },
  },
  V: {
    exec: (m, c) => {
      const v = flag(c.args[0]);
      if (v === null) return error();
      m.settings.verbose = v === 1;
      return ok();
    },
  },
  Q: {
    exec: (m, c) => {
      const v = flag(c.args[0]);
      if (v === null) return error();
      m.settings.quiet = v === 1;
      return ok();
    },
  },
  Z: { exec: (m) => (resetSettings(m), ok()) },
  "&F": { exec: (m) => (resetSettings(m), ok()) },
  "&W": { exec: () => ok() },
  X: { exec: () => ok() },
  "&C": { exec: () => ok() },
  "&D": { exec: () => ok() },
  H: { exec: () => ok() },
  S: {
    read: (m, c) => ok([String(m.settings.sRegisters[Number(c.args[0])] ?? 0).padStart(3, "0")]),
    set: (m, c) => {
      const v = parseIntArg(c.args[1]);
      if (v === null || v > 255) return error();
      m.settings.sRegisters[Number(c.args[0])] = v;
      return ok();
    },
    exec: () => ok(),
  },
  "+CMEE": {
    read: (m) => ok([`+CMEE: ${m.settings.cmee}`]),
    test: () => ok(["+CMEE: (0-2)"]),
    set: (m, c) => {
      const v = parseIntArg(c.args[0] || "0");
      if (v === null || v > 2) return cme(CME.notSupported);
      m.settings.cmee = v as 0 | 1 | 2;
      return ok();
    },
    exec: (m) => ((m.settings.cmee = 0), ok()),
  },
  "+CFUN": {
    read: (m) => ok([`+CFUN: ${m.settings.cfun}`]),
    test: () => ok(["+CFUN: (0,1,4),(0,1)"]),
    set: (m, c) => {
      const fun = parseIntArg(c.args[0]);
      const rst = c.args[1] === undefined || c.args[1] === "" ? 0 : parseIntArg(c.args[1]);
      if (fun === null || ![0, 1, 4].includes(fun) || (rst !== 0 && rst !== 1)) return cme(CME.notSupported);
      // AT+CFUN=1,1 answers OK, then the module power-cycles (docs/protocols/at-commands.md#resetting-a-hung-module).
      if (rst === 1) return ok([], () => m.powerCycle());
      m.setRadio(fun === 1);
      m.settings.cfun = fun;
      return ok();
    },
  },
  "+CSCS": {
    read: (m) => ok([`+CSCS: "${m.settings.cscs}"`]),
    test: (m) => ok([`+CSCS: (${m.dialect.charsets.map((c) => `"${c}"`).join(",")})`]),
    set: (m, c) => {
      const want = (c.args[0] ?? "").toUpperCase() as Charset;
      if (!m.dialect.charsets.includes(want)) return cme(CME.notSupported);
      m.settings.cscs = want;
      return ok();
    },
  },
  "+CLAC": {
    exec: (m) => ok(Object.keys(m.dialect.commands).filter((n) => n.length > 2 && !n.startsWith("&")).sort().map((n) => `AT${n}`)),
  },
  "+GCAP": { exec: () => ok(["+GCAP: +CGSM,+DS,+ES"]) },
  "+IPR": { read: () => ok(["+IPR: 115200"]), set: () => ok(), test: () => ok(["+IPR: (),(0,9600,19200,38400,57600,115200)"]) },
  "+IFC": { read: () => ok(["+IFC: 0,0"]), set: () => ok() },
  "+CHUP": { exec: () => ok() },
};
