/**
 * Quectel replies and URCs (M35/M26 UART modules, UC20/EC2x/EG25 USB modules). Pure, never throw.
 * Shapes: Quectel forum logs and MM mm-shared-quectel.c as summarised in docs/protocols/at-commands.md#sim-iccid-and-imsi, docs/protocols/at-commands.md#sim-hot-swap-and-readiness.
 */
import { afterPrefix, fail, findPrefixed, ok, splitParams, type Parsed } from "../generic/result.js";
import type { NetworkInfo, SimEvent } from "../types.js";

/** `+QUSIM: 1`: the SIM was (re)initialised — MM re-reads the SIM on it (mm-shared-quectel.c). */
export function qusimMeaning(line: string): SimEvent {
  return /^\s*\+QUSIM:\s*1\s*$/i.test(line) ? "inserted" : "unknown";
}

export interface QsimStat {
  enabled: boolean;
  inserted: boolean;
}

/**
 * `+QSIMSTAT: <enable>,<inserted>` — both the `AT+QSIMSTAT?` reply and the URC after
 * `AT+QSIMSTAT=1` (docs/protocols/at-commands.md#sim-hot-swap-and-readiness, marked unverified there). 2 = unknown insertion state.
 */
export function parseQsimstat(line: string): Parsed<QsimStat | { enabled: boolean; inserted: null }> {
  const payload = afterPrefix(line, "+QSIMSTAT:");
  if (payload === undefined) return fail("not a +QSIMSTAT line", line);
  const [enable, inserted] = splitParams(payload);
  if (!/^[01]$/.test(enable ?? "") || !/^[012]$/.test(inserted ?? "")) return fail("+QSIMSTAT needs <0|1>,<0|1|2>", line);
  return ok({ enabled: enable === "1", inserted: inserted === "2" ? null : inserted === "1" });
}

export function qsimstatMeaning(line: string): SimEvent {
  const parsed = parseQsimstat(line);
  if (!parsed.ok || parsed.value.inserted === null) return "unknown";
  return parsed.value.inserted ? "inserted" : "removed";
}

export interface QnwInfo {
  /** "FDD LTE", "TDD LTE", "WCDMA", "GSM", … */
  act: string;
  /** Numeric MCC+MNC as printed: 5 or 6 digits, so the MNC length is known. */
  operator: string;
  mcc: string;
  mnc: string;
  band: string;
  channel: number | null;
}

/** `AT+QNWINFO` → `+QNWINFO: "FDD LTE","46001","LTE BAND 3",1300` or `+QNWINFO: No Service`. */
export function parseQnwinfo(lines: readonly string[]): Parsed<QnwInfo> {
  const payload = findPrefixed(lines, "+QNWINFO:");
  if (payload === undefined) return fail("no +QNWINFO line", lines);
  if (/no service/i.test(payload)) return fail("no service", payload);
  const [act, oper, band = "", channel] = splitParams(payload);
  if (!act || !oper || !/^\d{5,6}$/.test(oper)) return fail("+QNWINFO operator is not a 5-6 digit MCCMNC", payload);
  return ok({
    act,
    operator: oper,
    mcc: oper.slice(0, 3),
    mnc: oper.slice(3),
    band,
    channel: channel !== undefined && /^\d+$/.test(channel) ? Number(channel) : null,
  });
}

/** `AT+QNWINFO` as network information: "No Service" is out of service, anything parsed is in service. */
export function parseQnwinfoNetwork(lines: readonly string[]): Parsed<NetworkInfo> {
  const payload = findPrefixed(lines, "+QNWINFO:");
  if (payload !== undefined && /no service/i.test(payload)) return ok({ inService: false, accessTechnology: null, operator: null, roaming: null });
  const parsed = parseQnwinfo(lines);
  if (!parsed.ok) return parsed;
  return ok({ inService: true, accessTechnology: parsed.value.act, operator: parsed.value.operator, roaming: null });
}
