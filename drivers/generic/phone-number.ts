/**
 * A phone number as simgate may sell it: E.164, valid in its country's numbering plan, and
 * of a kind that receives SMS (mobile), whoever gave it: the modem, the network or the
 * operator.
 *
 * libphonenumber (Google's numbering-plan data, through libphonenumber-js) does the
 * parsing and the validation; this file only decides which country a number written
 * without its calling code belongs to (the SIM's, from its MCC) and words the refusals.
 * The 'max' metadata is used, not 'mobile': only 'max' knows every number type, so a
 * refusal can say what the number is ("toll-free", "fixed-line": the hotline in a USSD
 * reply, a landline typed by mistake) instead of only "invalid". It costs about 60 KB more
 * than 'mobile' (docs/numbers.md).
 *
 * Shapes (docs/numbers.md has the rules and their sources):
 *  - `+…` and `00…` carry their calling code and are kept as written;
 *  - anything else is read in the SIM's country: national with or without the trunk
 *    prefix (`8 916…`, `0 91234…`, `9123456789`), or digits that already start with the
 *    calling code (`79161234567`); every reading is tried and they must agree.
 *    Where several countries share a calling code (+1, +7, +44 …) libphonenumber decides
 *    between them from the number; where an MCC spans several calling codes each is tried
 *    and a number that fits more than one is refused.
 */
import {
  findPhoneNumbersInText,
  getCountryCallingCode,
  ParseError,
  parsePhoneNumberWithError,
  type CountryCode,
  type NumberType,
  type PhoneNumber,
} from "libphonenumber-js/max";
import { regionsForMcc } from "./mcc-mnc.js";

export type PhoneVerdict =
  | { ok: true; /** "+" and the digits */ e164: string; region: CountryCode | undefined; type: NonNullable<NumberType> }
  | { ok: false; /** One line, for the port state and the log: what was refused and why. */ reason: string };

export interface PhoneCheck {
  /** The SIM's home MCC: the country of a number written without its calling code. */
  mcc?: string | null;
  /** Its MNC: names the country where an MCC is shared by networks of two countries (425). */
  mnc?: string | null;
}

/**
 * The types that receive SMS: MOBILE, and FIXED_LINE_OR_MOBILE where the plan cannot tell
 * the two apart (the +1 countries). A toll-free, premium, VoIP, personal or fixed-line number
 * is not what a buyer of an SMS number pays for, even when an operator types it in.
 */
const SMS_TYPES: ReadonlySet<NumberType> = new Set<NumberType>(["MOBILE", "FIXED_LINE_OR_MOBILE"]);
/** What people and modems put between digits. */
const SEPARATORS = /[\s\-.()/\u00a0]/g;
/** Runs of digits in a text with what people put between them (spaces, dashes, dots, parentheses). */
const DIGIT_RUNS = /\+?\d[\d\s\-().]*\d/g;
/** Fewer digits than this is a balance, a price or a date, not an attempt at a phone number. */
const MIN_NUMBER_DIGITS = 7;

const PARSE_ERRORS: Record<string, string> = {
  INVALID_COUNTRY: "unknown calling code",
  NOT_A_NUMBER: "not a phone number",
  TOO_SHORT: "too short",
  TOO_LONG: "too long",
  INVALID_LENGTH: "wrong length",
};

/** "+" and the digits, or the national digits as written; "00" counts as "+". Null when it has other characters. */
function compactForm(raw: string): string | null {
  let compact = raw.replace(SEPARATORS, "");
  if (compact.startsWith("00")) compact = `+${compact.slice(2)}`;
  return /^\+?\d+$/.test(compact) ? compact : null;
}

function parse(text: string, region?: CountryCode): PhoneNumber | string {
  try {
    return region ? parsePhoneNumberWithError(text, region) : parsePhoneNumberWithError(text);
  } catch (err) {
    if (err instanceof ParseError) return PARSE_ERRORS[err.message] ?? err.message.toLowerCase().replaceAll("_", " ");
    throw err;
  }
}

/** The verdict on one parse: `where` names the plan it was read in ("IN", "+7"). */
function judge(shown: string, parsed: PhoneNumber | string, where: string): PhoneVerdict {
  if (typeof parsed === "string") return { ok: false, reason: `"${shown}" is not a valid ${where} mobile number (${parsed})` };
  if (!parsed.isValid()) return { ok: false, reason: `"${shown}" is not a valid ${parsed.country ?? where} mobile number` };
  const type = parsed.getType();
  if (type === undefined || !SMS_TYPES.has(type)) {
    const words = type === undefined ? "an unclassified" : `a ${type.toLowerCase().replaceAll("_", "-")}`;
    return { ok: false, reason: `"${shown}" is ${words} ${parsed.country ?? where} number, not a mobile one` };
  }
  return { ok: true, e164: parsed.number, region: parsed.country, type };
}

/** One region per calling code, in the MCC's order: libphonenumber picks within a calling code itself. */
function regionPerCallingCode(regions: readonly CountryCode[]): CountryCode[] {
  const seen = new Set<string>();
  return regions.filter((r) => {
    const code = getCountryCallingCode(r);
    if (seen.has(code)) return false;
    seen.add(code);
    return true;
  });
}

/** The distinct valid numbers among the verdicts, by E.164. */
function validNumbers(verdicts: readonly PhoneVerdict[]): Map<string, PhoneVerdict> {
  const good = new Map<string, PhoneVerdict>();
  for (const v of verdicts) if (v.ok) good.set(v.e164, v);
  return good;
}

function ambiguous(shown: string, mcc: string, found: readonly PhoneVerdict[]): PhoneVerdict {
  const readings = found.map((v) => (v.ok ? `${v.e164} (${v.region ?? "?"})` : "")).join(" or ");
  return { ok: false, reason: `"${shown}" reads as ${readings}; the SIM's MCC ${mcc} does not say which` };
}

/** Normalise and validate one number (an `AT+CNUM` entry, a config value, a pattern's match). */
export function checkPhoneNumber(raw: string, check: PhoneCheck): PhoneVerdict {
  const shown = raw.trim();
  const compact = compactForm(shown);
  if (compact === null || compact.replace("+", "").length === 0) return { ok: false, reason: `"${shown}" is not a phone number` };
  if (compact.startsWith("+")) {
    const parsed = parse(compact);
    return judge(shown, parsed, typeof parsed === "string" ? "international" : `+${parsed.countryCallingCode}`);
  }
  const regions = check.mcc ? regionsForMcc(check.mcc, check.mnc) : [];
  if (regions.length === 0) {
    return { ok: false, reason: `"${shown}" has no calling code and the SIM's country is unknown (MCC ${check.mcc ?? "unknown"})` };
  }
  // Every reading: national in each calling code of the MCC, and, where the digits start
  // with that calling code, international without the "+". libphonenumber alone prefers
  // the national reading when both are valid; we accept only a number all readings agree on.
  const verdicts: PhoneVerdict[] = [];
  for (const region of regionPerCallingCode(regions)) {
    verdicts.push(judge(shown, parse(compact, region), region));
    const code = getCountryCallingCode(region);
    if (compact.startsWith(code)) verdicts.push(judge(shown, parse(`+${compact}`), `+${code}`));
  }
  const good = validNumbers(verdicts);
  if (good.size === 1) return [...good.values()][0]!;
  if (good.size > 1) return ambiguous(shown, check.mcc!, [...good.values()]);
  return verdicts[0]!;
}

/**
 * An operator's own entry (config `modem.numbers`, `simgate number set`): written with its
 * calling code, `+…` or `00…`, because nothing tells us the country at that point, and a
 * national number can be a valid international one of another country.
 */
export function checkInternationalNumber(raw: string): PhoneVerdict {
  const compact = compactForm(raw.trim());
  if (compact !== null && !compact.startsWith("+")) {
    return { ok: false, reason: `"${raw.trim()}" has no calling code: write it as +<country code><number>, e.g. +79161234567` };
  }
  return checkPhoneNumber(raw, {});
}

interface Span {
  start: number;
  end: number;
}

/** Spans not lying inside a longer one: a part of a number ("24740" of "24740 123") is not a number of its own. */
function outermost<T extends Span>(spans: readonly T[]): T[] {
  return spans.filter((c) => !spans.some((d) => d !== c && d.start <= c.start && c.end <= d.end && d.end - d.start > c.end - c.start));
}

/**
 * A find that more digits touch (one space, dash or dot away) is a piece of a longer run of
 * digits, and reading a piece as a number could give a valid but wrong one ("0 099291712
 * 3456" holds a valid Tajik mobile that is not the number): such a find is left to the
 * whole run.
 */
function standsAlone(text: string, span: Span): boolean {
  return !/\d[\s.-]?$/.test(text.slice(0, span.start)) && !/^[\s.-]?\d/.test(text.slice(span.end));
}

/**
 * The SIM's number in an operator's reply (USSD text, SMS). The candidates are what
 * libphonenumber's text search finds, read in each calling code of the SIM's country (a
 * part of a longer find or of a longer run of digits is dropped), and the runs of digits
 * long enough to be a number that no find covers; each is judged like a +CNUM entry.
 * Exactly one number must qualify: a hotline (toll-free, short code) is not the SIM's
 * number, and two different mobile numbers in one reply leave us guessing, which we never
 * do. Null when the text holds nothing like a number; a refusal when what it holds is not
 * a valid mobile number.
 */
export function findPhoneNumber(text: string, check: PhoneCheck): PhoneVerdict | null {
  const regions = check.mcc ? regionPerCallingCode(regionsForMcc(check.mcc, check.mnc)) : [];
  const found: Span[] = [];
  for (const region of regions.length > 0 ? regions : [undefined]) {
    for (const m of findPhoneNumbersInText(text, region ? { defaultCountry: region } : undefined)) {
      const span = { start: m.startsAt, end: m.endsAt };
      if (standsAlone(text, span)) found.push(span);
    }
  }
  const runs: Span[] = [...text.matchAll(DIGIT_RUNS)]
    .filter((m) => m[0].replace(/\D/g, "").length >= MIN_NUMBER_DIGITS)
    .map((m) => ({ start: m.index, end: m.index + m[0].length }))
    .filter((r) => !found.some((f) => f.start < r.end && r.start < f.end));
  const candidates = new Set([...outermost(found), ...runs].sort((a, b) => a.start - b.start).map((c) => text.slice(c.start, c.end)));
  const verdicts = [...candidates].map((c) => checkPhoneNumber(c, check));
  const good = validNumbers(verdicts);
  if (good.size === 1) return [...good.values()][0]!;
  if (good.size > 1) {
    return { ok: false, reason: `the text names ${good.size} numbers (${[...good.keys()].join(", ")}); cannot tell which is the SIM's` };
  }
  return verdicts[0] ?? null;
}
