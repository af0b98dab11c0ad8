/**
 * National language locking and single shift tables (3GPP TS 23.038 Annex A), indexed by
 * language identifier (23.038 §6.2.1.2.4). The data lives in national-tables-latin.ts and
 * national-tables-indic.ts as 128-unit strings; here they become lookup structures.
 */
import { INDIC_LOCKING, INDIC_SINGLE } from "./national-tables-indic.js";
import { LATIN_LOCKING, LATIN_SINGLE } from "./national-tables-latin.js";

const UNDEFINED = "\uFFFF";

/** Locking shift tables: 128 entries, "" where the table defines nothing. */
export const LOCKING_SHIFT: ReadonlyMap<number, readonly string[]> = new Map(
  [...LATIN_LOCKING, ...INDIC_LOCKING].map(([id, s]) => [id, [...s].map((c) => (c === UNDEFINED ? "" : c))]),
);

/** Single shift tables: septet after ESC → character. */
export const SINGLE_SHIFT: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map(
  [...LATIN_SINGLE, ...INDIC_SINGLE].map(([id, s]) => {
    const m = new Map<number, string>();
    [...s].forEach((c, i) => {
      if (c !== UNDEFINED && i !== 0x1b) m.set(i, c);
    });
    return [id, m];
  }),
);
