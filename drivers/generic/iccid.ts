/**
 * ICCID normalisation (docs/protocols/at-commands.md#sim-iccid-and-imsi; ModemManager test_iccid_parse_* rules):
 * strip prefixes and quotes, undo the BCD nibble swap when the raw EF_ICCID bytes come
 * back (always for `AT+CRSM`, sometimes for Huawei `^ICCID?` on Qualcomm-based sticks),
 * drop the trailing `F` pad, allow hex account digits, require the `89` MII (telecom) prefix
 * and 18-20 digits. The Luhn check digit is reported, not enforced: some issuers ship
 * ICCIDs whose last digit is not a Luhn check.
 */
import { fail, ok, splitParams, type Parsed } from "./result.js";

export interface Iccid {
  iccid: string;
  /** The modem returned nibble-swapped BCD and we swapped it back. */
  swapped: boolean;
  luhnValid: boolean;
}

function swapNibbles(hex: string): string {
  let out = "";
  for (let i = 0; i + 1 < hex.length; i += 2) out += hex[i + 1]! + hex[i]!;
  if (hex.length % 2 === 1) out += hex[hex.length - 1]!;
  return out;
}

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits) || digits.length < 2) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Normalise an ICCID string. `swappedHint`: true when the source is known to be raw
 * EF_ICCID bytes (CRSM), false when known plain, undefined to detect by the `98` prefix.
 */
export function normaliseIccid(raw: string, swappedHint?: boolean): Parsed<Iccid> {
  const cleaned = raw.replace(/["\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]+$/.test(cleaned)) return fail("ICCID has characters other than hex digits", raw);
  let swapped = swappedHint ?? (cleaned.startsWith("98") && !cleaned.startsWith("89"));
  let candidate = swapped ? swapNibbles(cleaned) : cleaned;
  if (swappedHint === undefined && !candidate.startsWith("89") && swapNibbles(cleaned).startsWith("89")) {
    swapped = true;
    candidate = swapNibbles(cleaned);
  }
  candidate = candidate.replace(/F+$/, "");
  if (!candidate.startsWith("89")) return fail("ICCID does not start with the telecom prefix 89", raw);
  if (candidate.length < 18 || candidate.length > 20) return fail(`ICCID has ${candidate.length} digits, expected 18-20`, raw);
  return ok({ iccid: candidate, swapped, luhnValid: luhnValid(candidate) });
}

export interface CrsmReply {
  sw1: number;
  sw2: number;
  /** The response data as hex, or null when the SIM returned none. */
  data: string | null;
}

/**
 * `+CRSM: <sw1>,<sw2>[,<response>]` (27.007 §8.18). The response comes quoted or bare and
 * some firmwares put spaces after the commas (ModemManager crsm tests).
 */
export function parseCrsm(lines: readonly string[]): Parsed<CrsmReply> {
  for (const line of lines) {
    const m = /^\s*\+CRSM\s*:\s*(.*)$/i.exec(line);
    if (!m) continue;
    const [sw1, sw2, data] = splitParams(m[1]!);
    if (!/^\d+$/.test(sw1 ?? "") || !/^\d+$/.test(sw2 ?? "")) return fail("+CRSM status words are not numbers", line);
    if (data !== undefined && data !== "" && !/^[0-9A-Fa-f]+$/.test(data)) return fail("+CRSM response is not hex", line);
    return ok({ sw1: Number(sw1), sw2: Number(sw2), data: data ? data.toUpperCase() : null });
  }
  return fail("no +CRSM line", lines);
}

/** `+CRSM: <sw1>,<sw2>[,"<response>"]` for a READ BINARY of EF_ICCID (2FE2 = 12258). */
export function parseCrsmIccid(lines: readonly string[]): Parsed<Iccid> {
  const reply = parseCrsm(lines);
  if (!reply.ok) return reply;
  const { sw1, sw2, data } = reply.value;
  // 144,0 is normal completion; 145/146 (0x91/0x92) and 159 (0x9F) also carry data
  // (ModemManager mm-base-sim.c accepts the same set).
  if (![144, 145, 146, 159].includes(sw1)) return fail(`SIM answered status ${sw1},${sw2}`, lines);
  if (!data) return fail("CRSM reply carries no data", lines);
  return normaliseIccid(data, true);
}

/**
 * Vendor ICCID replies: `+CCID: "…"`, bare digits (SIM800 `AT+CCID`), `+QCCID: …` (Quectel),
 * `^ICCID: "…"` (Huawei, swapped on some models), `+ICCID: …` (SIM7600 `AT+CICCID`),
 * `ICCID: …` (SIM5350), `+ZGETICCID: …` (ZTE).
 */
export function parseVendorIccid(lines: readonly string[]): Parsed<Iccid> {
  for (const line of lines) {
    const payload = line.replace(/^\s*[+^]?(CCID|QCCID|ICCID|CICCID|ZGETICCID)\s*:\s*/i, "").trim();
    if (payload.length === 0) continue;
    const result = normaliseIccid(payload);
    if (result.ok) return result;
  }
  return fail("no ICCID in reply", lines);
}
