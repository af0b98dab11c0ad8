/** Registration, operator and signal: 27.007 §7.2 (+CREG), §7.3 (+COPS), §8.5 (+CSQ), §10.1.19 (+CGREG). */
import type { RegistrationStat } from "../profile.js";
import { encodeForHost } from "./charset.js";
import { cme, CME, ok, parseIntArg, type CommandTable, type SimContext } from "./types.js";

/** What the module is registered as right now: no SIM, locked SIM or radio off means 0. */
export function effectiveRegistration(m: SimContext): RegistrationStat {
  if (m.settings.cfun !== 1 || !m.sim || m.sim.state !== "ready") return 0;
  return m.profile.network.registration;
}

/**
 * What `+CREG` reports: the circuit-switched domain. Only a packet-only attach
 * (`network.csRegistration`) makes it differ from the packet domain.
 */
export function csRegistration(m: SimContext): RegistrationStat {
  const packet = effectiveRegistration(m);
  const cs = m.profile.network.csRegistration;
  return packet !== 0 && cs !== undefined ? cs : packet;
}

export function isRegistered(m: SimContext): boolean {
  const stat = effectiveRegistration(m);
  return stat === 1 || stat === 5;
}

function location(m: SimContext): string {
  const { lac, cellId } = m.profile.network;
  return m.dialect.cregUnquoted ? `${lac},${cellId}` : `"${lac}","${cellId}"`;
}

/** Read form `+CREG: <n>,<stat>[,<lac>,<ci>]`; URC form drops <n>. */
export function regLine(m: SimContext, prefix: string, n: number, urc: boolean): string {
  const stat = prefix === "+CREG" ? csRegistration(m) : effectiveRegistration(m);
  const loc = n === 2 && (stat === 1 || stat === 5) ? `,${location(m)}` : "";
  return urc ? `${prefix}: ${stat}${loc}` : `${prefix}: ${n},${stat}${loc}`;
}

/** URCs for a registration change, for each of +CREG/+CGREG the host enabled. */
export function registrationUrcs(m: SimContext): string[] {
  const out: string[] = [];
  if (m.settings.creg > 0) out.push(regLine(m, "+CREG", m.settings.creg, true));
  if (m.settings.cgreg > 0) out.push(regLine(m, "+CGREG", m.settings.cgreg, true));
  if (m.settings.cereg > 0 && "+CEREG" in m.dialect.commands) out.push(regLine(m, "+CEREG", m.settings.cereg, true));
  return out;
}

function regCommand(prefix: "+CREG" | "+CGREG" | "+CEREG", key: "creg" | "cgreg" | "cereg") {
  return {
    read: (m: SimContext) => ok([regLine(m, prefix, m.settings[key], false)]),
    test: () => ok([`${prefix}: (0-2)`]),
    set: (m: SimContext, c: { args: string[] }) => {
      const n = parseIntArg(c.args[0] || "0");
      if (n === null || n > 2) return cme(CME.notSupported);
      m.settings[key] = n as 0 | 1 | 2;
      return ok();
    },
  };
}

function operatorName(m: SimContext, format: number): string {
  const net = m.profile.network;
  if (format === 2) return net.mcc + net.mnc;
  return encodeForHost(m, format === 1 ? net.operatorShortName : net.operatorName);
}

export const networkCommands: CommandTable = {
  "+CREG": regCommand("+CREG", "creg"),
  "+CGREG": regCommand("+CGREG", "cgreg"),
  "+COPS": {
    read: (m) => {
      if (!isRegistered(m)) return ok(["+COPS: 0"]);
      const act = m.dialect.copsAct === null ? "" : `,${m.dialect.copsAct}`;
      return ok([`+COPS: 0,${m.settings.copsFormat},"${operatorName(m, m.settings.copsFormat)}"${act}`]);
    },
    test: (m) => {
      if (m.settings.cfun !== 1) return ok(["+COPS: ,,(0-4),(0-2)"]);
      const net = m.profile.network;
      const act = m.dialect.copsAct === null ? "" : `,${m.dialect.copsAct}`;
      const stat = isRegistered(m) ? 2 : 1;
      return ok([`+COPS: (${stat},"${operatorName(m, 0)}","${operatorName(m, 1)}","${net.mcc}${net.mnc}"${act}),,(0-4),(0-2)`]);
    },
    set: (m, c) => {
      const mode = parseIntArg(c.args[0]);
      if (mode === null || mode > 4) return cme(CME.notSupported);
      if (mode === 3) {
        const format = parseIntArg(c.args[1]);
        if (format === null || format > 2) return cme(CME.notSupported);
        m.settings.copsFormat = format as 0 | 1 | 2;
        return ok();
      }
      if (mode === 1 || mode === 4) {
        const wanted = c.args[2] ?? "";
        const net = m.profile.network;
        if (wanted !== net.mcc + net.mnc && wanted !== net.operatorName && wanted !== net.operatorShortName) {
          return cme(CME.noNetwork);
        }
      }
      return ok();
    },
  },
  "+CSQ": {
    exec: (m) => ok([m.settings.cfun === 1 ? `+CSQ: ${m.profile.network.signalRssi},${m.dialect.csqBer}` : "+CSQ: 99,99"]),
    test: () => ok(["+CSQ: (0-31,99),(0-7,99)"]),
  },
};

export const ceregCommand = regCommand("+CEREG", "cereg");
