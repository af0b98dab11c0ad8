/**
 * SIMCom replies and URCs (SIM800/SIM900 UART modules, SIM5320/SIM7600/A7600 USB modules).
 * Pure, never throw. Shapes from the SIM800 manual V1.09 and SIM7500/SIM7600 manual V1.03 (docs/protocols/at-commands.md#sim-iccid-and-imsi, docs/protocols/at-commands.md#sim-hot-swap-and-readiness).
 */
import { afterPrefix, fail, findPrefixed, ok, splitParams, type Parsed } from "../generic/result.js";
import type { NetworkInfo, SimEvent } from "../types.js";

/** `+CSMINS: <n>,<inserted>` — `AT+CSMINS?` reply and the hot-swap URC after `AT+CSMINS=1` (SIM800 manual). */
export function parseCsmins(line: string): Parsed<{ enabled: boolean; inserted: boolean }> {
  const payload = afterPrefix(line, "+CSMINS:");
  if (payload === undefined) return fail("not a +CSMINS line", line);
  const [n, inserted] = splitParams(payload);
  if (!/^[01]$/.test(n ?? "") || !/^[01]$/.test(inserted ?? "")) return fail("+CSMINS needs <0|1>,<0|1>", line);
  return ok({ enabled: n === "1", inserted: inserted === "1" });
}

export function csminsMeaning(line: string): SimEvent {
  const parsed = parseCsmins(line);
  if (!parsed.ok) return "unknown";
  return parsed.value.inserted ? "inserted" : "removed";
}

/** `SMS Ready` follows a ready SIM on SIM800 (manual V1.09 p.351-352): the SIM is usable for SMS. */
export function smsReadyMeaning(): SimEvent {
  return "ready";
}

export interface CpsiInfo {
  /** "GSM", "WCDMA", "LTE", "NO SERVICE", … */
  system: string;
  /** "Online", "Offline", "Low Power Mode", … */
  status: string;
  /** Numeric MCC/MNC as printed (`250-01`, `310-410`): the MNC length is known. */
  mcc?: string;
  mnc?: string;
  lac?: string;
}

/**
 * `AT+CPSI?` (SIM5320/SIM7600 only; optional) → `+CPSI: LTE,Online,460-00,0x1816,…` or
 * `+CPSI: NO SERVICE,Online`. SIM800 has no +CPSI and answers ERROR.
 */
export function parseCpsi(lines: readonly string[]): Parsed<CpsiInfo> {
  const payload = findPrefixed(lines, "+CPSI:");
  if (payload === undefined) return fail("no +CPSI line", lines);
  const [system, status, oper, lac] = splitParams(payload);
  if (!system || !status) return fail("+CPSI needs <system>,<status>", payload);
  const info: CpsiInfo = { system: system.toUpperCase(), status };
  const m = oper ? /^(\d{3})-(\d{2,3})$/.exec(oper) : null;
  if (m) {
    info.mcc = m[1]!;
    info.mnc = m[2]!;
  }
  if (lac && /^0x[0-9a-f]+$/i.test(lac)) info.lac = lac.slice(2).toUpperCase();
  return ok(info);
}

/**
 * `AT+CPSI?` as network information: in service when the system is not "NO SERVICE" and the
 * module is "Online"; the serving network comes as `MCC-MNC`. SIM7000 on an NB-IoT/LTE-only
 * SIM: `+CREG: 0,0` while `+CPSI: LTE NB-IOT,Online,242-01,…` (botletics/SIM7000-LTE-Shield #50).
 */
export function parseCpsiNetwork(lines: readonly string[]): Parsed<NetworkInfo> {
  const parsed = parseCpsi(lines);
  if (!parsed.ok) return parsed;
  const { system, status, mcc, mnc } = parsed.value;
  const inService = !/NO SERVICE/i.test(system) && /^online$/i.test(status);
  return ok({
    inService,
    accessTechnology: inService ? system : null,
    operator: inService && mcc && mnc ? mcc + mnc : null,
    roaming: null,
  });
}
