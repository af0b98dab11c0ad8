/**
 * Selecting the SIM holder of a multi-slot module (docs/sim-banks.md#multi-slot-modules):
 * 3GPP `+CSUS` (holders from 0), Quectel `+QUIMSLOT` and SIMCom `+SMSIMCFG` (from 1).
 * A module with one holder answers the read and test forms and refuses any other holder.
 */
import { cme, CME, ok, parseIntArg, type CommandSpec, type SimContext } from "./types.js";

function select(m: SimContext, slot: number | null) {
  if (slot === null || slot < 1 || slot > m.slots.count) return cme(CME.notSupported);
  return ok([], () => m.selectSlot(slot));
}

const list = (m: SimContext, from: number) => Array.from({ length: m.slots.count }, (_, i) => i + from).join(",");

export const csusCommand: CommandSpec = {
  read: (m) => ok([`+CSUS: ${m.slots.active - 1}`]),
  test: (m) => ok([`+CSUS: (${list(m, 0)})`]),
  set: (m, c) => {
    const n = parseIntArg(c.args[0]);
    return select(m, n === null ? null : n + 1);
  },
};

export const quimslotCommand: CommandSpec = {
  read: (m) => ok([`+QUIMSLOT: ${m.slots.active}`]),
  test: (m) => ok([`+QUIMSLOT: (${list(m, 1)})`]),
  set: (m, c) => select(m, parseIntArg(c.args[0])),
};

export const smsimcfgCommand: CommandSpec = {
  read: (m) => ok([`+SMSIMCFG: 1,${m.slots.active}`]),
  test: (m) => ok([`+SMSIMCFG: (1),(${list(m, 1)})`]),
  // Mode 1 (one SIM active at a time) is the only mode simulated.
  set: (m, c) => (parseIntArg(c.args[0]) === 1 ? select(m, parseIntArg(c.args[1])) : cme(CME.notSupported)),
};
