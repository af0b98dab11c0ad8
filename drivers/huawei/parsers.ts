/**
 * Huawei stick replies and URCs (E173/E1550/E3372 in serial "stick" mode). Pure, never throw.
 * Shapes from the at-messages-parser K3520 sample (docs/peer-software.md#public-test-data #1), MM huawei plugin regexes,
 * and the simulator's huawei dialect.
 */
import { afterPrefix, fail, findPrefixed, ok, splitParams, type Parsed } from "../generic/result.js";
import type { NetworkInfo, SimEvent } from "../types.js";

const num = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s.trim()) ? Number(s.trim()) : null);

export interface HuaweiSysinfo {
  /** 0 no service, 1 restricted, 2 valid, 3 restricted regional, 4 power saving. */
  serviceStatus: number;
  /** 0 none, 1 CS only, 2 PS only, 3 CS+PS, 4 not registered (searching). */
  serviceDomain: number;
  roaming: boolean;
  /** 0 no service, 2 CDMA, 3 GSM/GPRS, 4 HDR, 5 WCDMA, 7 GSM/WCDMA, 15 TD-SCDMA (MM huawei plugin). */
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

const SYSTEM_MODES: Readonly<Record<number, string>> = { 2: "CDMA", 3: "GSM", 4: "HDR", 5: "WCDMA", 7: "GSM/WCDMA", 15: "TD-SCDMA" };

/**
 * `AT^SYSINFO` as network information: in service when the service status is "valid" (2)
 * in the CS, PS or both domains. The roaming flag is the module's own; ^SYSINFO does not
 * print the serving network.
 */
export function parseSysinfoNetwork(lines: readonly string[]): Parsed<NetworkInfo> {
  const parsed = parseSysinfo(lines);
  if (!parsed.ok) return parsed;
  const { serviceStatus, serviceDomain, roaming, systemMode } = parsed.value;
  const inService = serviceStatus === 2 && serviceDomain >= 1 && serviceDomain <= 3;
  return ok({
    inService,
    accessTechnology: inService ? (SYSTEM_MODES[systemMode] ?? `mode ${systemMode}`) : null,
    operator: null,
    roaming: inService ? roaming : null,
  });
}
