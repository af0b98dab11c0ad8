/**
 * `exceptionPhoneSet` (GET_NUMBER, docs/protocols/onlinesim-v1.md#get_number [C]): prefixes that must not be issued, each the
 * country code followed by further leading digits (`46950` ⇒ no `+46950…`). Onlinesim
 * sends integers, SMSHUB-style clients send strings (Q8): accept both, normalise to digit
 * strings and compare with the number's E.164 digits (no "+").
 */
import { ErrorCode, SimgateError } from "../../errors.js";

/** E.164 numbers have at most 15 digits (ITU-T E.164 §6); a longer prefix matches nothing and is a bug upstream. */
const MAX_PREFIX_DIGITS = 15;

/**
 * Parse the raw field. `undefined`/`null` = no exclusions. Throws SimgateError(SG801)
 * naming the first bad item: non-array, fractional/negative/unsafe integers, empty or
 * non-digit strings, and prefixes starting with 0 (a national-format prefix would match
 * no E.164 number, so it would silently exclude nothing — the buyer must hear about it).
 * A leading "+" on strings is tolerated.
 */
export function parseExceptionPhoneSet(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad(`exceptionPhoneSet must be an array of digit prefixes, got ${typeof raw}`, raw);
  const out = new Set<string>();
  raw.forEach((item: unknown, i) => {
    let digits: string;
    if (typeof item === "number") {
      if (!Number.isSafeInteger(item) || item <= 0) throw bad(`exceptionPhoneSet[${i}] = ${String(item)} is not a positive integer prefix`, item);
      digits = String(item);
    } else if (typeof item === "string") {
      digits = item.trim().replace(/^\+/, "");
      if (!/^\d+$/.test(digits)) throw bad(`exceptionPhoneSet[${i}] = ${JSON.stringify(item)} is not a digit prefix`, item);
    } else {
      throw bad(`exceptionPhoneSet[${i}] has type ${item === null ? "null" : typeof item}; expected an integer or a digit string`, item);
    }
    if (digits.startsWith("0")) throw bad(`exceptionPhoneSet[${i}] = ${JSON.stringify(item)} starts with 0; prefixes start with the country code`, item);
    if (digits.length > MAX_PREFIX_DIGITS) throw bad(`exceptionPhoneSet[${i}] has ${digits.length} digits; at most ${MAX_PREFIX_DIGITS}`, item);
    out.add(digits);
  });
  return [...out];
}

/** True when `number` (E.164 digits, no "+") starts with any of the prefixes. */
export function isExcluded(number: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (number.startsWith(p)) return true;
  return false;
}

function bad(message: string, value: unknown): SimgateError {
  return new SimgateError(message, ErrorCode.EngineBadPrefix, { value });
}
