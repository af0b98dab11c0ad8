/**
 * Huawei stick replies and URCs (E173/E1550/E3372 in serial "stick" mode). Pure, never throw.
 * Shapes from the at-messages-parser K3520 sample (modems.md §4 #1), MM huawei plugin regexes,
 * and the simulator's huawei dialect.
 */
import { afterPrefix, fail, findPrefixed, ok, splitParams, type Parsed } from "../generic/result.js";
import type { SimEvent } from "../types.js";

const num = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s.trim()) ? Number(s.trim()) : null);

export interface HuaweiSysinfo {
  /** 0 no service, 1 restricted, 2 valid, 3 restricted regional, 4 power saving. */
  serviceStatus: number;
  /** 0 none, 1 CS, 2 PS, 3 CS+PS, 4 not registered/searching. */
  serviceDomain: number;
  roaming: boolean;
  /** 0 none, 3 GSM/GPRS, 4 WCDMA, 5 GSM+WCDMA, … */
  systemMode: number;
  /** 0 invalid, 1 valid, 2/3/4 invalid for CS/PS/both, 240 ROM SIM, 255 absent. */
  simState: number;
  /** `<sys_submode>` when present (7th field), e.g. 4 HSDPA. */
  subMode: number | null;
}

/** `AT^SYSINFO` → `^SYSINFO:2,3,0,5,1,,4` (the empty 6th field is the lock state). */
export function parseSysinfo(lines: readonly string[]): Parsed<HuaweiSysinfo> {
  const payload = findPrefixed(lines, "^SYSINFO:");
  if (payload === undefined) return fail("no ^SYSINFO line", lines);
  const p = splitParams(payload);
  const [srv, domain, roam, mode, sim] = [num(p[0]), num(p[1]), num(p[2]), num(p[3]), num(p[4])];
  if (srv === null || domain === null || roam === null || mode === null || sim === null) {
    return fail("^SYSINFO needs five numeric fields", payload);
  }
  return ok({ serviceStatus: srv, serviceDomain: domain, roaming: roam === 1, systemMode: mode, simState: sim, subMode: num(p[6]) });
}

export interface HuaweiSimst {
  state: number;
  /** `<lock_state>`: 1 when the SIM is locked by a PIN. */
  locked: boolean | null;
}

/** `^SIMST: <state>[,<lock>]` URC (MM huawei plugin; at-messages-parser sample). */
export function parseSimst(line: string): Parsed<HuaweiSimst> {
  const payload = afterPrefix(line, "^SIMST:");
  if (payload === undefined) return fail("not a ^SIMST line", line);
  const [state, lock] = splitParams(payload).map(num);
  if (state === null || state === undefined) return fail("^SIMST state is not a number", line);
  return ok({ state, locked: lock === null || lock === undefined ? null : lock === 1 });
}

/** 255 = no SIM, 1 = valid card (PIN state still to be checked), anything else = re-check. */
export function simstMeaning(line: string): SimEvent {
  const parsed = parseSimst(line);
  if (!parsed.ok) return "unknown";
  if (parsed.value.state === 255) return "removed";
  if (parsed.value.state === 1) return "inserted";
  return "unknown";
}

/** `^RSSI:17` URC (unless `AT^CURC=0`, gammu #146): the 27.007 0-31/99 scale as in +CSQ. */
export function parseHuaweiRssi(line: string): Parsed<{ rssi: number | null; dbm: number | null }> {
  const payload = afterPrefix(line, "^RSSI:");
  if (payload === undefined) return fail("not a ^RSSI line", line);
  const rssi = num(payload);
  if (rssi === null) return fail("^RSSI value is not a number", line);
  if (rssi === 99 || rssi > 31) return ok({ rssi: null, dbm: null });
  return ok({ rssi, dbm: -113 + 2 * rssi });
}

/** `^SMMEMFULL: "SM"`: storage full, +CMTI stops until something is deleted (chan_dongle #47, §1.9). */
export function parseSmMemFull(line: string): Parsed<string> {
  const payload = afterPrefix(line, "^SMMEMFULL:");
  if (payload === undefined) return fail("not a ^SMMEMFULL line", line);
  const mem = payload.replace(/"/g, "").trim().toUpperCase();
  return /^[A-Z]{2}$/.test(mem) ? ok(mem) : fail("memory name missing", line);
}
