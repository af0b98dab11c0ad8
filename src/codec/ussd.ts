/**
 * USSD (27.007 §7.15 +CUSD, 23.038 §5 data coding). Modems disagree on what they put in
 * <str>: text in the TE character set, packed 7-bit as hex, UCS2 as hex, 8-bit as hex — and
 * the <dcs> often does not match (docs/protocols/at-commands.md#ussd). So the decoder decides by evidence and
 * reports what it decided; see docs/codecs.md for the rules. Nothing here throws on input
 * from the modem; the encoders throw SimgateError for requests that cannot be encoded.
 */
import { decodeCbsDcs, type Alphabet } from "./dcs.js";
import { DEFAULT_TABLES, textToSeptets } from "./gsm7.js";
import { toHex } from "./hex-reader.js";
import { packSeptets } from "./septets.js";
import { encodeUcs2 } from "./ucs2.js";
import { hexToBytes, scoreGsm7, scoreLatin, scoreUcs2 } from "./ussd-evidence.js";
import { ErrorCode, SimgateError } from "../errors.js";

export const USSD_STATUS_TEXT: Record<number, string> = {
  0: "no further action required",
  1: "further action required",
  2: "terminated by network",
  3: "other local client has responded",
  4: "operation not supported",
  5: "network time out",
};

export type CusdParse =
  | { ok: true; status: number; statusText: string; raw: string | null; dcs: number | null; quoted: boolean; warnings: string[] }
  | { ok: false; error: { offset: number; reason: string } };

/**
 * `+CUSD: <m>[,<str>[,<dcs>]]`, leniently: any case, spaces anywhere between fields, quoted
 * or unquoted <str> (Huawei E160 sends it bare), a text that itself contains quotes or
 * commas or line breaks, a missing closing quote. Error offsets are character offsets.
 */
export function parseCusd(line: string): CusdParse {
  if (typeof line !== "string") return { ok: false, error: { offset: 0, reason: "input is not a string" } };
  const warnings: string[] = [];
  const lead = /^[\s]*/.exec(line)![0].length;
  const s = line.replace(/[\r\n]+$/, "");
  const head = /^\s*\+CUSD\s*:\s*/i.exec(s);
  if (!head) return { ok: false, error: { offset: lead, reason: "line does not start with +CUSD:" } };
  let i = head[0].length;
  const m = /^\d+/.exec(s.slice(i));
  if (!m) return { ok: false, error: { offset: i, reason: "expected the status number <m>" } };
  const status = Number(m[0]);
  if (status > 255) return { ok: false, error: { offset: i, reason: `status ${m[0]} is not a number 0..5` } };
  if (status > 5) warnings.push(`status ${status} is not defined by 27.007 (0..5)`);
  i += m[0].length;
  const statusText = USSD_STATUS_TEXT[status] ?? "unknown status";
  const afterStatus = s.slice(i);
  if (/^\s*$/.test(afterStatus)) return { ok: true, status, statusText, raw: null, dcs: null, quoted: false, warnings };
  const comma = /^\s*,\s*/.exec(afterStatus);
  if (!comma) return { ok: false, error: { offset: i + (/^\s*/.exec(afterStatus)![0].length), reason: "expected ',' after the status" } };
  i += comma[0].length;
  const rest = s.slice(i);
  if (rest.startsWith('"')) {
    const close = rest.lastIndexOf('"');
    if (close === 0) {
      warnings.push("<str> has no closing quote; taken to the end of the line");
      const t = /^([\s\S]*?)\s*,\s*(\d{1,3})\s*$/.exec(rest.slice(1));
      return t
        ? { ok: true, status, statusText, raw: t[1]!, dcs: dcsValue(t[2]!, warnings), quoted: true, warnings }
        : { ok: true, status, statusText, raw: rest.slice(1), dcs: null, quoted: true, warnings };
    }
    const raw = rest.slice(1, close);
    const tail = rest.slice(close + 1);
    if (/^\s*$/.test(tail)) return { ok: true, status, statusText, raw, dcs: null, quoted: true, warnings };
    const d = /^\s*,\s*(\d{1,3})\s*$/.exec(tail);
    if (d) return { ok: true, status, statusText, raw, dcs: dcsValue(d[1]!, warnings), quoted: true, warnings };
    const empty = /^\s*,\s*$/.exec(tail);
    if (empty) return { ok: true, status, statusText, raw, dcs: null, quoted: true, warnings };
    return { ok: false, error: { offset: i + close + 1, reason: `unexpected ${JSON.stringify(tail.trim().slice(0, 20))} after <str>; expected ',<dcs>'` } };
  }
  const t = /^([\s\S]*?)\s*,\s*(\d{1,3})\s*$/.exec(rest);
  if (t) return { ok: true, status, statusText, raw: t[1]!, dcs: dcsValue(t[2]!, warnings), quoted: false, warnings };
  return { ok: true, status, statusText, raw: rest.trim(), dcs: null, quoted: false, warnings };
}

function dcsValue(text: string, warnings: string[]): number | null {
  const v = Number(text);
  if (v > 255) {
    warnings.push(`<dcs> ${v} is not an octet; ignored`);
    return null;
  }
  return v;
}

export type UssdDecodedAs = "text" | "ucs2-hex" | "gsm7-packed-hex" | "8bit-hex";

export interface UssdDecoded {
  text: string;
  decodedAs: UssdDecodedAs;
  warnings: string[];
  /** ISO 639 language code when the DCS (0x10 / 0x11) puts one in front of the text. */
  language?: string;
}

/** Transposition of GSM septets through a TE that prints them as ASCII (CSCS="GSM"). */
const GSM_LEAK: Record<string, string> = { "[": "Ä", "\\": "Ö", "]": "Ñ", "^": "Ü", "{": "ä", "|": "ö", "}": "ñ", "~": "ü" };

function asText(raw: string, claimed: Alphabet | null, prefix: "gsm7" | "ucs2" | null, warnings: string[]): UssdDecoded {
  let text = raw;
  // CSCS="GSM" modems print the septet values as bytes, so "wählen" arrives as "w{hlen"
  // (gammu tests/at-ussd/03-unknown). Only between letters, where brackets never are.
  if (/\p{L}[[\\\]^{|}~]\p{L}/u.test(text)) {
    text = text.replace(/(?<=\p{L})[[\\\]^{|}~](?=\p{L})/gu, (c) => GSM_LEAK[c] ?? c);
    warnings.push("GSM 7-bit characters printed as ASCII (CSCS=\"GSM\") mapped back: [\\]^{|}~ between letters");
  }
  if (claimed === "ucs2") warnings.push("DCS says UCS2 but <str> is not hex; taken as text");
  const out: UssdDecoded = { text, decodedAs: "text", warnings };
  if (prefix === "gsm7") stripTextLanguage(out);
  return out;
}

/** DCS 0x10: "xx" + CR before the text (23.038 §5). */
function stripTextLanguage(d: UssdDecoded): void {
  const m = /^([A-Za-z]{2})\r\n?/.exec(d.text);
  if (m) {
    d.language = m[1]!.toLowerCase();
    d.text = d.text.slice(m[0].length);
  }
}

/**
 * Decode a USSD <str> by evidence. `dcs` is what the modem claimed (null if absent); it
 * breaks ties and lowers the bar for its own alphabet, but never overrides clear evidence.
 */
export function decodeUssd(raw: string, dcs: number | null): UssdDecoded {
  const warnings: string[] = [];
  try {
    if (typeof raw !== "string") return { text: "", decodedAs: "text", warnings: ["<str> is not a string"] };
    const info = typeof dcs === "number" && Number.isInteger(dcs) && dcs >= 0 && dcs <= 255 ? decodeCbsDcs(dcs) : null;
    const claimed = info?.alphabet ?? null;
    const prefix = info?.languagePrefix ?? null;
    const trimmed = raw.trim();
    if (trimmed === "") return { text: "", decodedAs: "text", warnings };
    const compact = trimmed.replace(/\s+/g, "");
    // Hex with spaces only counts as hex when every group is whole octets.
    const groupsOk = trimmed.split(/\s+/).every((g) => g.length % 2 === 0);
    const hexLike = /^[0-9A-Fa-f]+$/.test(compact) && compact.length >= 2 && compact.length % 2 === 0 && groupsOk;
    // Text is returned as sent: trailing blanks and line breaks are part of some operators'
    // menus (python-gsmmodem TestUssd "…20 MORE Weekend minutes ").
    if (!hexLike) return asText(raw, claimed, prefix, warnings);

    const bytes = hexToBytes(compact);
    const ucs2 = scoreUcs2(bytes, prefix === "ucs2");
    const gsm7 = scoreGsm7(bytes);
    const latin = scoreLatin(bytes);
    const said = (what: string) => (claimed && claimed !== what ? ` (DCS ${dcs} says ${claimed})` : "");

    const takeUcs2 = (): UssdDecoded => {
      const w = [...warnings, ...ucs2.warnings];
      const extra = said("ucs2");
      if (extra) w.push(`decoded as UCS2 hex by evidence${extra}`);
      const out: UssdDecoded = { text: ucs2.text, decodedAs: "ucs2-hex", warnings: w };
      if (ucs2.language) out.language = ucs2.language;
      return out;
    };
    const takeGsm7 = (): UssdDecoded => {
      const w = [...warnings];
      const extra = said("gsm7");
      if (extra) w.push(`decoded as packed GSM 7-bit hex by evidence${extra}`);
      const out: UssdDecoded = { text: gsm7.text, decodedAs: "gsm7-packed-hex", warnings: w };
      if (prefix === "gsm7") stripTextLanguage(out);
      return out;
    };
    const takeLatin = (): UssdDecoded => {
      const w = [...warnings];
      const extra = said("8bit");
      if (extra) w.push(`decoded as 8-bit hex by evidence${extra}`);
      return { text: latin.text, decodedAs: "8bit-hex", warnings: w };
    };

    if (claimed === "ucs2" && ucs2.score >= 0.7) return takeUcs2();
    // A reply that is only decimal digits is more likely a number than hex (e.g. "100"),
    // unless it reads as UCS2 of mostly Latin-1 ("0031003200330034" = "1234").
    const digitsOnly = /^[0-9]+$/.test(compact);
    // Printable-ASCII bytes pair up into CJK-looking units, so 8-bit ASCII hex always "reads"
    // as UCS2; real Latin/Cyrillic/CJK UCS2 text has 0x00/0x04/... octets that ASCII never has.
    const asciiBytes = latin.score >= 0.9;
    // An odd octet count rules UCS2 out unless the DCS says so; and a clean packed 7-bit
    // reading beats a non-Latin UCS2 one when the DCS says GSM 7-bit.
    const gsm7Clean = (claimed === "gsm7" || claimed === null) && gsm7.score >= 0.95 && ucs2.latinShare < 0.3;
    // Digits-only hex is UCS2 only if it reads as Latin-1 or as one alphabetic page
    // (Latin ext., Greek, Cyrillic, Hebrew/Armenian, Arabic, Devanagari): "04390411" = "йБ".
    const digitsUcs2 = ucs2.latinShare >= 0.5 || (ucs2.commonPage !== null && [0x01, 0x03, 0x04, 0x05, 0x06, 0x09].includes(ucs2.commonPage));
    if (ucs2.score >= 0.9 && ucs2.coherent && ucs2.units >= 2 && ucs2.even && (!digitsOnly || digitsUcs2) && !asciiBytes && !gsm7Clean) return takeUcs2();
    if (!(digitsOnly && claimed !== "8bit")) {
      const preferLatin = latin.score > gsm7.score || (latin.score === gsm7.score && claimed === "8bit");
      const best = preferLatin ? latin.score : gsm7.score;
      if (best >= 0.8) return preferLatin ? takeLatin() : takeGsm7();
    }
    if (claimed === "ucs2" && ucs2.score >= 0.5) return takeUcs2();
    const out = asText(trimmed, null, prefix, warnings);
    if (!digitsOnly || claimed === "8bit") out.warnings.push("<str> is hex but no decoding of it is plausible; kept as text");
    return out;
  } catch (err) {
    return { text: String(raw), decodedAs: "text", warnings: [...warnings, `internal decoder error: ${err instanceof Error ? err.message : String(err)}`] };
  }
}

export type UssdRequestForm = "text" | "gsm7-packed-hex";
export type UssdResponseForm = "text" | "ucs2-hex" | "gsm7-packed-hex" | "8bit-hex";

const bad = (msg: string) => new SimgateError(msg, ErrorCode.CodecMalformed);

/** Packed 7-bit with the 23.038 §6.1.2.3.1 CR padding (USSD is not length-prefixed in septets). */
function packUssd(text: string): string {
  const septets = textToSeptets(text, DEFAULT_TABLES);
  if (!septets) throw bad(`${JSON.stringify(text)} has characters outside the GSM 7-bit alphabet`);
  // 7 spare bits at the end would read as an '@': fill them with CR. A text that ends in CR
  // exactly on an octet boundary gets another CR so the receiver does not strip the real one.
  if (septets.length % 8 === 7) septets.push(0x0d);
  else if (septets.length % 8 === 0 && septets[septets.length - 1] === 0x0d) septets.push(0x0d);
  return toHex(packSeptets(septets));
}

/** What goes inside AT+CUSD=1,"<here>",15. Huawei (and others) want packed hex, most want text. */
export function encodeUssdRequest(text: string, form: UssdRequestForm): string {
  if (form === "gsm7-packed-hex") return packUssd(text);
  if (form !== "text") throw bad(`unknown USSD request form ${String(form)}`);
  if (/["\r\n]/.test(text)) throw bad("USSD request text cannot contain quotes or line breaks");
  return text;
}

/** A +CUSD <str> as a modem of the given kind would print it (for the simulator). */
export function encodeUssdResponse(text: string, form: UssdResponseForm): string {
  switch (form) {
    case "text":
      return text;
    case "ucs2-hex":
      return toHex(encodeUcs2(text));
    case "gsm7-packed-hex":
      return packUssd(text);
    case "8bit-hex": {
      const out: number[] = [];
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 0xff) throw bad(`character at index ${i} does not fit in 8-bit`);
        out.push(c);
      }
      return toHex(out);
    }
    default:
      throw bad(`unknown USSD response form ${String(form)}`);
  }
}
