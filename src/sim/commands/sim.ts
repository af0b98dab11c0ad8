/** SIM card commands: PIN, IMSI, restricted SIM access (ICCID), own number, phonebooks. */
import { swapNibbles } from "../identifiers.js";
import { decodeFromHost, encodeForHost } from "./charset.js";
import { cme, CME, ok, parseIntArg, simBlocker, type AtResult, type CommandTable, type SimContext } from "./types.js";

const EF_ICCID = 12258;
const EF_IMSI = 28423;
const READ_BINARY = 176;

function cpinSet(m: SimContext, args: string[]): AtResult {
  const sim = m.sim;
  if (!sim) return cme(CME.simNotInserted);
  const [first = "", second] = args.map((a) => decodeFromHost(m, a));
  if (sim.state === "ready") return cme(CME.notAllowed);
  if (sim.state === "pin") {
    if (!sim.enterPin(first)) return cme(CME.incorrectPassword);
  } else if (second === undefined || !sim.enterPuk(first, second)) {
    return cme(CME.incorrectPassword);
  }
  return ok([], () => {
    m.urc(...m.dialect.simReadyUrcs(m));
    m.retryPendingSms();
  });
}

function crsm(m: SimContext, args: string[]): AtResult {
  const sim = m.sim;
  if (!sim) return cme(CME.simNotInserted);
  if (m.dialect.crsmNeedsPin && sim.state !== "ready") return cme(sim.state === "pin" ? CME.simPinRequired : CME.simPukRequired);
  const [command, fileId] = [parseIntArg(args[0]), parseIntArg(args[1])];
  if (command === null || fileId === null) return cme(CME.notSupported);
  if (command === READ_BINARY && fileId === EF_ICCID) return ok([`+CRSM: 144,0,"${swapNibbles(sim.profile.iccid)}"`]);
  if (command === READ_BINARY && fileId === EF_IMSI) {
    if (sim.state !== "ready") return ok(["+CRSM: 105,130"]); // 6982: security status not satisfied
    // EF_IMSI (TS 31.102 §4.2.2): length 08, then parity nibble 9 (odd digit count) and the digits, swapped.
    return ok([`+CRSM: 144,0,"08${swapNibbles("9" + sim.profile.imsi).slice(0, 16)}"`]);
  }
  if (command === 242) return ok(["+CRSM: 144,0"]); // STATUS
  return ok(["+CRSM: 106,130"]); // 6A82: file not found
}

/** Own-number entries: 27.007 §7.1 `+CNUM: <alpha>,<number>,<type>` (145 = international). */
function ownNumberLines(m: SimContext, prefix: string): string[] {
  const n = m.sim?.profile.msisdn;
  if (!n) return [];
  return [`${prefix}"${encodeForHost(m, n)}",${n.startsWith("+") ? 145 : 129}`];
}

export const simCommands: CommandTable = {
  "+CPIN": {
    read: (m) => {
      const sim = m.sim;
      if (!sim) return cme(CME.simNotInserted);
      return ok([`+CPIN: ${sim.state === "ready" ? "READY" : sim.state === "pin" ? "SIM PIN" : "SIM PUK"}`]);
    },
    set: (m, c) => cpinSet(m, c.args),
  },
  "+CIMI": { exec: (m) => simBlocker(m) ?? ok([m.sim?.profile.imsi ?? ""]) },
  "+CRSM": { set: (m, c) => crsm(m, c.args) },
  "+CNUM": { exec: (m) => simBlocker(m) ?? ok(ownNumberLines(m, '+CNUM: "",')) },
  "+CPBS": {
    read: (m) => simBlocker(m) ?? ok([`+CPBS: "${m.settings.cpbs}",${m.settings.cpbs === "ON" ? ownNumberLines(m, "").length : 0},${m.settings.cpbs === "ON" ? 1 : 250}`]),
    test: () => ok(['+CPBS: ("SM","ON","FD","EN")']),
    set: (m, c) => {
      const mem = (c.args[0] ?? "").toUpperCase();
      if (!["SM", "ON", "FD", "EN"].includes(mem)) return cme(CME.notSupported);
      m.settings.cpbs = mem;
      return simBlocker(m) ?? ok();
    },
  },
  "+CPBR": {
    test: (m) => simBlocker(m) ?? ok([`+CPBR: (1-${m.settings.cpbs === "ON" ? 1 : 250}),40,14`]),
    set: (m, c) => {
      const blocked = simBlocker(m);
      if (blocked) return blocked;
      const from = parseIntArg(c.args[0]);
      const to = parseIntArg(c.args[1] ?? c.args[0]);
      if (from === null || to === null || from < 1) return cme(CME.invalidIndex);
      // The SIM phonebook is empty; "ON" holds the own number (the EF_MSISDN that +CNUM reads).
      const own = m.settings.cpbs === "ON" && from <= 1 && to >= 1 ? ownNumberLines(m, "+CPBR: 1,").map((l) => `${l},""`) : [];
      return ok(own);
    },
  },
};
