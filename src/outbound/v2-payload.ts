/**
 * v2 payloads built from what the daemon knows (docs/protocols/onlinesim-v2.md#sendnumbersonline, docs/protocols/onlinesim-v2.md#addnumber, docs/protocols/onlinesim-v2.md#addmessage, docs/protocols/onlinesim-v2.md#addmessages).
 *
 * sendNumbersOnline item per number:
 *  - number: "+" and the E.164 digits;
 *  - country_id (Q20): the calling code the number itself starts with (calling-codes.ts) —
 *    the number is what Onlinesim sells, so it decides, not the SIM's home network. When the
 *    number starts with no known code, the MCC's code (callingCodeForMcc) is used if the
 *    number starts with it; otherwise the number is left out (the caller warns);
 *  - operator (Q19): MCC+MNC as an integer, with the real MNC length (5 or 6 digits) or the
 *    first 5 digits (v2.operatorDigits "5"); left out when MCC/MNC are unknown;
 *  - date_start (Q23): when the port became ready, unix seconds (stable across reports);
 *  - port_id (Q24): the stable physical port id, cut to 100 characters;
 *  - rent: left out (sendNumbersOnline: [U]; rent stays off until support enables it, Q9);
 *    addNumber requires it, so there it is 0.
 */
import { callingCodeForMcc } from "../../drivers/generic/mcc-mnc.js";
import type { Config } from "../config/schema.js";
import type { AddMessageItem, AddNumberRequest, V2Number } from "../onlinesim/schemas.js";
import { callingCodeOf } from "./calling-codes.js";

export type V2Config = Config["onlinesim"]["v2"];

/** One sellable number as the daemon sees it. */
export interface LiveNumber {
  /** E.164 digits, "+" optional. */
  number: string;
  mcc: string | null;
  mnc: string | null;
  portId: string;
  /** Epoch ms the port became ready with this SIM. */
  since: number;
}

export type NumberVerdict = { ok: true; item: V2Number } | { ok: false; number: string; reason: string };

const E164 = /^[1-9]\d{6,14}$/;

export function countryIdOf(digits: string, mcc: string | null): number | undefined {
  const own = callingCodeOf(digits);
  if (own) return Number(own);
  const fromMcc = mcc ? callingCodeForMcc(mcc) : undefined;
  return fromMcc && digits.startsWith(fromMcc) ? Number(fromMcc) : undefined;
}

export function operatorOf(mcc: string | null, mnc: string | null, digits: V2Config["operatorDigits"]): number | undefined {
  if (!mcc || !mnc || !/^\d{3}$/.test(mcc) || !/^\d{2,3}$/.test(mnc)) return undefined;
  const code = digits === "5" ? `${mcc}${mnc.slice(0, 2)}` : `${mcc}${mnc}`;
  const n = Number(code);
  // The schema's range: MCC 001 test networks and the like make no sense to Onlinesim.
  return n >= 10_000 && n <= 999_999 ? n : undefined;
}

export function toV2Number(live: LiveNumber, operatorDigits: V2Config["operatorDigits"]): NumberVerdict {
  const digits = live.number.replace(/^\+/, "");
  if (!E164.test(digits)) return { ok: false, number: live.number, reason: "not an E.164 number (digits with country code)" };
  const country = countryIdOf(digits, live.mcc);
  if (country === undefined) return { ok: false, number: live.number, reason: `country calling code unknown (MCC ${live.mcc ?? "unknown"})` };
  const item: V2Number = { number: `+${digits}`, country_id: country };
  const operator = operatorOf(live.mcc, live.mnc, operatorDigits);
  if (operator !== undefined) item.operator = operator;
  if (Number.isFinite(live.since) && live.since > 0) item.date_start = Math.floor(live.since / 1000);
  if (live.portId) item.port_id = live.portId.slice(0, 100);
  return { ok: true, item };
}

export interface BuiltList {
  /** Sorted by number: the same live set always gives the same payload (change detection). */
  numbers: V2Number[];
  skipped: Array<{ number: string; reason: string }>;
}

/** The full list for sendNumbersOnline; a number listed twice (two ports, one number) is kept once. */
export function buildNumberList(live: readonly LiveNumber[], operatorDigits: V2Config["operatorDigits"]): BuiltList {
  const byNumber = new Map<string, V2Number>();
  const skipped: BuiltList["skipped"] = [];
  for (const l of live) {
    const v = toV2Number(l, operatorDigits);
    if (!v.ok) {
      skipped.push({ number: v.number, reason: v.reason });
      continue;
    }
    if (byNumber.has(v.item.number)) {
      skipped.push({ number: l.number, reason: `listed twice (port ${l.portId} and ${byNumber.get(v.item.number)?.port_id ?? "?"})` });
      continue;
    }
    byNumber.set(v.item.number, v.item);
  }
  const numbers = [...byNumber.values()].sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  return { numbers, skipped };
}

export function toAddNumber(n: V2Number): AddNumberRequest {
  return { ...n, rent: n.rent ?? 0 };
}

/** A queued SMS as an addMessage(s) item: receive time as unix seconds in a string (docs/protocols/onlinesim-v2.md#addmessage example). */
export function toMessageItem(m: { number: string; from: string; text: string; receivedAt: number }): AddMessageItem {
  return {
    date: String(Math.floor(m.receivedAt / 1000)),
    number: m.number.startsWith("+") ? m.number : `+${m.number}`,
    from: m.from.trim() === "" ? "unknown" : m.from,
    message: m.text,
  };
}

/** Everything Onlinesim is told about one number, as one comparable string (incremental diffs). */
export function numberKey(n: V2Number): string {
  return JSON.stringify([n.number, n.country_id, n.operator ?? null, n.date_start ?? null, n.port_id ?? null, n.rent ?? null]);
}
