/**
 * National language identifiers (23.038 §6.2.1.2.4) and the lookup that turns the UDH
 * shift IEs (23.040 §9.2.3.24.15/16) into the pair of tables a text is decoded with.
 */
import { DEFAULT_TABLES, GSM7_EXTENSION, type Gsm7Tables } from "./gsm7.js";
import { LOCKING_SHIFT, SINGLE_SHIFT } from "./national-tables.js";

export const LANGUAGE_IDS = {
  turkish: 1,
  spanish: 2,
  portuguese: 3,
  bengali: 4,
  gujarati: 5,
  hindi: 6,
  kannada: 7,
  malayalam: 8,
  oriya: 9,
  punjabi: 10,
  tamil: 11,
  telugu: 12,
  urdu: 13,
} as const;

export type NationalLanguage = keyof typeof LANGUAGE_IDS;

export function languageName(id: number): NationalLanguage | null {
  for (const [name, v] of Object.entries(LANGUAGE_IDS)) if (v === id) return name as NationalLanguage;
  return null;
}

const cache = new Map<string, Gsm7Tables>();

/**
 * Tables for a locking shift / single shift language pair (null = default). An identifier we
 * do not have a table for falls back to the default table with a warning (23.038 §6.2.1.2.4:
 * unknown language → default).
 */
export function tablesFor(locking: number | null, single: number | null, warnings?: string[]): Gsm7Tables {
  let lock = locking;
  let sing = single;
  if (lock !== null && !LOCKING_SHIFT.has(lock)) {
    warnings?.push(`no locking shift table for language ${lock}; default alphabet used`);
    lock = null;
  }
  if (sing !== null && !SINGLE_SHIFT.has(sing)) {
    warnings?.push(`no single shift table for language ${sing}; default extension table used`);
    sing = null;
  }
  if (lock === null && sing === null) return DEFAULT_TABLES;
  const key = `${lock}/${sing}`;
  let t = cache.get(key);
  if (!t) {
    t = {
      base: lock === null ? DEFAULT_TABLES.base : [...LOCKING_SHIFT.get(lock)!],
      ext: sing === null ? GSM7_EXTENSION : SINGLE_SHIFT.get(sing)!,
    };
    cache.set(key, t);
  }
  return t;
}
