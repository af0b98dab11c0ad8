/**
 * Pure parsers for the 3GPP TS 27.007 replies every driver shares. Input is the
 * information lines of one command's response (echo and final result already removed
 * by the AT channel). They never throw: a reply they cannot read is a `Parsed` failure.
 */
import { afterPrefix, fail, findPrefixed, ok, splitParams, type Parsed } from "./result.js";

export type SimState = "ready" | "absent" | "pin" | "puk" | "error";
export type Registration = "home" | "roaming" | "searching" | "denied" | "unregistered" | "unknown";

/** Identity strings (`AT+CGMI`, `AT+CGMM`, `AT+CGMR`): first non-empty line, vendor prefixes removed. */
export function parseIdentityLine(lines: readonly string[]): Parsed<string> {
  for (const raw of lines) {
    // Some firmwares answer "+CGMI: SIMCOM_Ltd" or "Manufacturer: huawei"; Wavecom pads with
    // spaces (" WAVECOM MODEM") which carry no meaning (docs/protocols/at-commands.md#identity).
    const line = raw.replace(/^\s*(\+C?GM[IMR]|\+GMI|\+GMM|\+GMR|Manufacturer|Model|Revision)\s*:\s*/i, "").trim();
    if (line.length > 0) return ok(line.replace(/\s{2,}/g, " "));
  }
  return fail("empty identity reply", lines);
}

/** `AT+CGSN` → 15-digit IMEI (some modules prefix `+CGSN:` or quote it). */
export function parseImei(lines: readonly string[]): Parsed<string> {
  for (const line of lines) {
    const digits = line.replace(/^\s*\+(CGSN|GSN)\s*:\s*/i, "").replace(/"/g, "").trim();
    if (/^\d{14,17}$/.test(digits)) return ok(digits.slice(0, 15));
  }
  return fail("no IMEI (14-17 digits) in reply", lines);
}

/** `AT+CIMI` → IMSI (bare 6-15 digits; some modules add `+CIMI:`). */
export function parseImsi(lines: readonly string[]): Parsed<string> {
  for (const line of lines) {
    const digits = line.replace(/^\s*\+CIMI\s*:\s*/i, "").replace(/"/g, "").trim();
    if (/^\d{6,15}$/.test(digits)) return ok(digits);
  }
  return fail("no IMSI in reply", lines);
}

/** The codes `+CPIN:` carries (27.007 §8.3), for firmwares that print them without the prefix. */
const CPIN_CODE = /^\s*"?(READY|SIM PIN2?|SIM PUK2?|PH-[A-Z]+ P[IU][NK]|NOT INSERTED|NOT READY|NO SIM|SIM REMOVED)"?\s*$/i;

/** `+CPIN: <code>` → SIM state. Some modules print the bare code (`   SIM PUK`, ModemManager test_cpin_response). */
export function parseCpin(lines: readonly string[]): Parsed<SimState> {
  const code = findPrefixed(lines, "+CPIN:") ?? lines.find((l) => CPIN_CODE.test(l));
  if (code === undefined) return fail("no +CPIN line", lines);
  const value = code.replace(/"/g, "").trim().toUpperCase();
  if (value === "READY") return ok("ready");
  if (value === "SIM PIN" || value === "SIM PIN2") return ok("pin");
  if (value === "SIM PUK" || value === "SIM PUK2") return ok("puk");
  if (value === "NOT INSERTED" || value === "NO SIM" || value === "SIM REMOVED") return ok("absent");
  if (value === "NOT READY") return ok("error");
  // PH-SIM PIN, PH-NET PIN and friends: device locks we cannot clear automatically.
  return ok("error");
}

/** 27.007 §7.2 `<stat>` codes; 6-10 are the SMS-only/CSFB variants of LTE registration. */
const REG_STAT: Record<number, Registration> = {
  0: "unregistered",
  1: "home",
  2: "searching",
  3: "denied",
  4: "unknown",
  5: "roaming",
  6: "home",
  7: "roaming",
  8: "unregistered",
  9: "home",
  10: "roaming",
  11: "unregistered",
};

export interface RegistrationInfo {
  registration: Registration;
  lac?: string;
  cellId?: string;
  act?: number;
}

/** Which shape a `+CREG` line has: the reply to `AT+CREG?` (`<n>` first), a URC (`<stat>` first), or unknown. */
export type CregForm = "reply" | "urc" | "auto";

/**
 * Whether a `+CREG` line starts with `<n>` (reply form): the first field is 0-3 and the
 * second is a `<stat>` (0-11, never quoted). A LAC is quoted or 4 hex digits (`+CREG:
 * 1,0001,0010,0` is a URC), unless the module zero-pads every number (`+CGREG:002,0011,…`).
 */
function startsWithN(fields: readonly string[]): boolean {
  const [n, stat] = fields.map((f) => f.trim());
  if (n === undefined || stat === undefined || !/^\d+$/.test(n) || !/^\d+$/.test(stat)) return false;
  const padded = n.length > 1 && n.startsWith("0");
  return Number(n) <= 3 && Number(stat) <= 11 && (stat.length <= 2 || padded);
}

/**
 * `+CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]` (reply to `AT+CREG?`) or the URC form
 * `+CREG: <stat>[,...]`. Also `+CGREG`/`+CEREG`. Real modules add their own twists
 * (ModemManager and gammu captures): unquoted hex (Huawei), spaces inside fields, zero-padded
 * numbers (Iridium `+CREG:002,001,…`), a RAC before the cell id (`+CEREG: 2,10, 2CA8, 20 ,B5583D ,7`)
 * or after the AcT (`+CGREG: 1,"1422","00000142",3,"00"`), non-numeric trailers (Samsung).
 * `form` says which shape to expect; "auto" tells them apart by the second field.
 */
export function parseCreg(lines: readonly string[], prefix = "+CREG:", form: CregForm = "auto"): Parsed<RegistrationInfo> {
  const payload = findPrefixed(lines, prefix);
  // An empty reply (just OK, gammu tests/at-creg/empty) says nothing about registration.
  if (payload === undefined) return lines.every((l) => l.trim() === "") ? ok({ registration: "unknown" }) : fail(`no ${prefix} line`, lines);
  // One stray quote is noise (gammu single-quote capture); several unbalanced ones leave no
  // field boundary we can trust (gammu mismatched-quotes capture): refuse rather than guess a LAC.
  const quotes = payload.match(/"/g)?.length ?? 0;
  if (quotes > 1 && quotes % 2 === 1) return fail("mismatched quotes", payload);
  const params = splitParams(payload);
  let statIndex = 0;
  if (form === "reply") statIndex = params.length >= 2 ? 1 : 0;
  else if (form === "auto") statIndex = startsWithN(payload.split(",")) ? 1 : 0;
  const statText = params[statIndex] ?? "";
  if (!/^\d+$/.test(statText)) return fail("registration status is not a number", payload);
  const info: RegistrationInfo = { registration: REG_STAT[Number(statText)] ?? "unknown" };
  // A field like "  0 5" (Qualcomm Gobi) keeps its first token, as ModemManager reads it.
  const rest = params.slice(statIndex + 1).map((p) => p.trim().split(/\s+/)[0] ?? "");
  const withRacFirst = rest.length >= 4 && rest[1]!.length <= 2 && rest[2]!.length > 2;
  const [lac, ci, act] = withRacFirst ? [rest[0], rest[2], rest[3]] : [rest[0], rest[1], rest[2]];
  if (lac) info.lac = lac.toUpperCase();
  if (ci) info.cellId = ci.toUpperCase();
  if (act && /^\d+$/.test(act)) info.act = Number(act);
  return ok(info);
}

export interface OperatorInfo {
  mode: number;
  format?: number;
  /** Numeric `MCCMNC` (format 2) or the name (format 0/1). */
  operator?: string;
  act?: number;
}

/** `+COPS: <mode>[,<format>,"<oper>"[,<AcT>]]`; name may arrive UCS2-hex under `AT+CSCS="UCS2"`. */
export function parseCops(lines: readonly string[]): Parsed<OperatorInfo> {
  const payload = findPrefixed(lines, "+COPS:");
  if (payload === undefined) return fail("no +COPS line", lines);
  const [mode, format, oper, act] = splitParams(payload);
  if (mode === undefined || !/^\d+$/.test(mode)) return fail("COPS mode is not a number", payload);
  const info: OperatorInfo = { mode: Number(mode) };
  if (format !== undefined && /^\d+$/.test(format)) info.format = Number(format);
  if (oper) info.operator = info.format === 2 ? oper : decodeMaybeUcs2(oper);
  if (act !== undefined && /^\d+$/.test(act)) info.act = Number(act);
  return ok(info);
}

function decodeMaybeUcs2(text: string): string {
  // "0056006500720069007A006F006E" = "Verizon" (ModemManager normalize_operator tests).
  if (text.length >= 8 && text.length % 4 === 0 && /^(00[2-7][0-9A-F])+$/i.test(text)) {
    return Buffer.from(text, "hex").swap16().toString("utf16le");
  }
  return text;
}

export interface SignalInfo {
  /** 27.007 <rssi> 0-31, or null for 99 (not known). */
  rssi: number | null;
  /** dBm: -113 + 2·rssi, or null when not known. */
  dbm: number | null;
  ber: number | null;
}

/** `+CSQ: <rssi>,<ber>` (27.007 §8.5). */
export function parseCsq(lines: readonly string[]): Parsed<SignalInfo> {
  const payload = findPrefixed(lines, "+CSQ:");
  if (payload === undefined) return fail("no +CSQ line", lines);
  const [rssiText, berText] = splitParams(payload);
  if (rssiText === undefined || !/^\d+$/.test(rssiText)) return fail("CSQ rssi is not a number", payload);
  const rssi = Number(rssiText);
  const ber = berText !== undefined && /^\d+$/.test(berText) && Number(berText) !== 99 ? Number(berText) : null;
  if (rssi === 99 || rssi > 31) return ok({ rssi: null, dbm: null, ber });
  return ok({ rssi, dbm: -113 + 2 * rssi, ber });
}

export interface OwnNumber {
  alpha: string;
  /** As stored on the SIM; `+` added for type 145 (international). */
  number: string;
  type: number | null;
}

/**
 * `+CNUM: "<alpha>","<number>",<type>` lines (27.007 §7.1). Often empty. Huawei firmware can
 * glue `+CME ERROR: 25` onto a valid line and add entries with empty numbers
 * (at-messages-parser "CNUM" sample; ModemManager test_cnum_response_*): skip those.
 */
export function parseCnum(lines: readonly string[]): OwnNumber[] {
  const out: OwnNumber[] = [];
  for (const line of lines) {
    for (const piece of line.split(/(?=\+CNUM:)/i)) {
      const payload = afterPrefix(piece.replace(/\s*(\+CME ERROR:.*|ERROR)\s*$/i, ""), "+CNUM:");
      if (payload === undefined) continue;
      const [alpha = "", rawNumber = "", typeText] = splitParams(payload);
      const type = typeText !== undefined && /^\d+$/.test(typeText) ? Number(typeText) : null;
      const digits = rawNumber.replace(/[^\d+]/g, "");
      if (!/\d{3,}/.test(digits)) continue;
      const number = type === 145 && !digits.startsWith("+") ? `+${digits}` : digits;
      out.push({ alpha, number, type });
    }
  }
  return out;
}
