/**
 * National language locking and single shift tables, 3GPP TS 23.038 Annex A.
 * (Filled in per language below.)
 */

/** Locking shift tables: 128-character strings indexed by septet ("" positions → U+FFFD handled by caller via "\uFFFF"). */
export const LOCKING_SHIFT: ReadonlyMap<number, readonly string[]> = new Map();

/** Single shift tables: septet (after ESC) → character. */
export const SINGLE_SHIFT: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map();
