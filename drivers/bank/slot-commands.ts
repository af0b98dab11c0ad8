/**
 * Selecting a SIM slot on a multi-slot module, as command text and answer parsers
 * (docs/sim-banks.md#multi-slot-modules). Slots are numbered from 1 everywhere in simgate;
 * the 3GPP command counts from 0, so the conversion lives here and nowhere else.
 */
import { afterPrefix, fail, ok, type Parsed } from "../generic/result.js";

/** Which command family switches the slot. */
export type MultiSlotFamily = "3gpp" | "quectel" | "simcom";

export const MULTI_SLOT_FAMILIES: readonly MultiSlotFamily[] = ["3gpp", "quectel", "simcom"];

interface FamilyCommands {
  prefix: string;
  /** The wire number for simgate slot `slot` (1-based). */
  toWire(slot: number): string;
  /** The simgate slot for the number the module printed, or null. */
  fromWire(params: string[]): number | null;
}

const FAMILIES: Record<MultiSlotFamily, FamilyCommands> = {
  // 27.007 `+CSUS=<card_slot>`, first slot 0 (docs/sim-banks.md#multi-slot-modules).
  "3gpp": {
    prefix: "+CSUS",
    toWire: (slot) => String(slot - 1),
    fromWire: ([n]) => (n !== undefined && /^\d+$/.test(n) ? Number(n) + 1 : null),
  },
  // Quectel `+QUIMSLOT=<1|2>`, first slot 1.
  quectel: {
    prefix: "+QUIMSLOT",
    toWire: (slot) => String(slot),
    fromWire: ([n]) => (n !== undefined && /^\d+$/.test(n) ? Number(n) : null),
  },
  // SIMCom `+SMSIMCFG=<mode>,<slot>`: mode 1 is single-SIM standby, slot 1 or 2; read answers `+SMSIMCFG: <mode>,<slot>`.
  simcom: {
    prefix: "+SMSIMCFG",
    toWire: (slot) => `1,${slot}`,
    fromWire: ([, n]) => (n !== undefined && /^\d+$/.test(n) ? Number(n) : null),
  },
};

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 1 || slot > 99) throw new RangeError(`slot must be an integer 1..99, got ${slot}`);
}

/** `AT+CSUS=0`, `AT+QUIMSLOT=1`, `AT+SMSIMCFG=1,1` for slot 1. Throws RangeError on a slot outside 1..99. */
export function selectSlotCommand(family: MultiSlotFamily, slot: number): string {
  checkSlot(slot);
  const f = FAMILIES[family];
  return `AT${f.prefix}=${f.toWire(slot)}`;
}

/** `AT+CSUS?`, `AT+QUIMSLOT?`, `AT+SMSIMCFG?`: which slot is active. */
export function activeSlotQuery(family: MultiSlotFamily): string {
  return `AT${FAMILIES[family].prefix}?`;
}

/** `AT+CSUS=?` / `AT+QUIMSLOT=?`: which slots the module has. */
export function slotRangeQuery(family: MultiSlotFamily): string {
  return `AT${FAMILIES[family].prefix}=?`;
}

function params(payload: string): string[] {
  return payload.split(",").map((p) => p.replace(/"/g, "").trim());
}

/** The active slot (1-based) from the reply to `activeSlotQuery`. */
export function parseActiveSlot(family: MultiSlotFamily, lines: readonly string[]): Parsed<number> {
  const f = FAMILIES[family];
  // Some SIMCom firmwares list every slot as `+SMSIMCFG: <mode>,<slot>,<state>`, one line each;
  // the line whose state is 1 is the active slot (docs/sim-banks.md#multi-slot-modules, marked as our reading there).
  const perSlot = lines.map((l) => afterPrefix(l, `${f.prefix}:`)).filter((p): p is string => p !== undefined && params(p).length === 3);
  if (family === "simcom" && perSlot.length > 0) {
    const active = perSlot.map(params).find((p) => p[2] === "1");
    return active?.[1] !== undefined && /^\d+$/.test(active[1]) ? ok(Number(active[1])) : fail("no +SMSIMCFG line marks a slot active", lines);
  }
  for (const line of lines) {
    const payload = afterPrefix(line, `${f.prefix}:`);
    if (payload === undefined) continue;
    const slot = f.fromWire(params(payload));
    return slot === null ? fail(`${f.prefix} answer carries no slot number`, line) : ok(slot);
  }
  return fail(`no ${f.prefix}: line`, lines);
}

/**
 * The slots (1-based) a module offers, from the reply to `slotRangeQuery`: a list `(1,2)`,
 * a range `(0-1)`, or a bare count-style number. SIMCom's test form lists modes and slots
 * in two groups; the last group is the slots.
 */
export function parseSlotRange(family: MultiSlotFamily, lines: readonly string[]): Parsed<number[]> {
  const f = FAMILIES[family];
  for (const line of lines) {
    const payload = afterPrefix(line, `${f.prefix}:`);
    if (payload === undefined) continue;
    const groups = [...payload.matchAll(/\(([^)]*)\)/g)].map((m) => m[1] ?? "");
    const group = groups.length > 0 ? (groups[groups.length - 1] ?? "") : payload;
    const wire = expandList(group);
    if (wire === null || wire.length === 0) return fail(`cannot read the slot list in ${f.prefix}`, line);
    const offset = family === "3gpp" ? 1 : 0;
    return ok(wire.map((n) => n + offset));
  }
  return fail(`no ${f.prefix}: line`, lines);
}

/** "0-1" → [0,1]; "1,2" → [1,2]; null when a piece is not a number or range. */
function expandList(text: string): number[] | null {
  const out: number[] = [];
  for (const piece of text.split(",").map((p) => p.trim())) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(piece);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (hi < lo || hi - lo > 99) return null;
      for (let n = lo; n <= hi; n++) out.push(n);
    } else if (/^\d+$/.test(piece)) out.push(Number(piece));
    else return null;
  }
  return out;
}
