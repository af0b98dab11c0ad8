/**
 * ZTE MF/K-series sticks. Pure, never throw. `+ZPAS` from python-gsmmodem's ZTE probe and
 * fakemodems ZteK3565Z; `+ZGETICCID` from public embedded code, unverified (modems.md §2.4, §2.14).
 */
import { fail, findPrefixed, ok, splitParams, type Parsed } from "../generic/result.js";
import { parseVendorIccid, type Iccid } from "../generic/iccid.js";

export interface Zpas {
  /** "GSM", "GPRS", "EDGE", "UMTS", "HSDPA", "No Service", "Limited Service", … */
  network: string;
  /** "CS_ONLY", "PS_ONLY", "CS_PS", "CAMPED" or null when not printed. */
  domain: string | null;
  registered: boolean;
}

/**
 * `AT+ZPAS?` → `+ZPAS: "GPRS","CS_PS"`; also identifies a ZTE (python-gsmmodem). The ZTE
 * K3565-Z and the Qualcomm M6280 answer it under another prefix: `+BEARTYPE: "UMTS","CS_PS"`
 * (python-gsmmodem fakemodems).
 */
export function parseZpas(lines: readonly string[]): Parsed<Zpas> {
  const payload = findPrefixed(lines, "+ZPAS:") ?? findPrefixed(lines, "+BEARTYPE:");
  if (payload === undefined) return fail("no +ZPAS (or +BEARTYPE) line", lines);
  const [network, domain] = splitParams(payload);
  if (!network) return fail("+ZPAS network type missing", payload);
  const registered = !/^(no service|limited service)$/i.test(network);
  return ok({ network, domain: domain ? domain.toUpperCase() : null, registered });
}

/** `AT+ZGETICCID` → `+ZGETICCID: 8986…`. */
export function parseZgeticcid(lines: readonly string[]): Parsed<Iccid> {
  if (findPrefixed(lines, "+ZGETICCID:") === undefined) return fail("no +ZGETICCID line", lines);
  return parseVendorIccid(lines);
}
