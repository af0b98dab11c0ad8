/**
 * GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1 and §6.2.1.1),
 * and septet ⇄ text conversion parameterised by the tables in use, so the national
 * language locking/single shift tables (23.038 Annex A, see national-tables.ts) plug in.
 */

/** 23.038 §6.2.1, indexed by septet value. 0x1B is the escape to the extension table. */
export const GSM7_DEFAULT: string =
  "@£$¥èéùìòÇ\nØø\rÅå" +
  "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ" +
  " !\"#¤%&'()*+,-./" +
  "0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNO" +
  "PQRSTUVWXYZÄÖÑÜ§" +
  "¿abcdefghijklmno" +
  "pqrstuvwxyzäöñüà";

/** 23.038 §6.2.1.1: characters reached by ESC (0x1B) + septet. */
export const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, "\f"],
  [0x14, "^"],
  [0x28, "{"],
  [0x29, "}"],
  [0x2f, "\\"],
  [0x3c, "["],
  [0x3d, "~"],
  [0x3e, "]"],
  [0x40, "|"],
  [0x65, "€"],
]);

export const ESC = 0x1b;

/** The pair of tables a text is decoded/encoded with. */
export interface Gsm7Tables {
  /** 128 entries; "" where the table leaves a position undefined. */
  base: readonly string[];
  ext: ReadonlyMap<number, string>;
}

export const DEFAULT_TABLES: Gsm7Tables = { base: [...GSM7_DEFAULT], ext: GSM7_EXTENSION };

interface ReverseTables {
  base: Map<string, number>;
  ext: Map<string, number>;
}

const reverseCache = new WeakMap<Gsm7Tables, ReverseTables>();

function reverse(tables: Gsm7Tables): ReverseTables {
  let r = reverseCache.get(tables);
  if (!r) {
    r = { base: new Map(), ext: new Map() };
    tables.base.forEach((ch, i) => {
      if (ch !== "" && i !== ESC && !r!.base.has(ch)) r!.base.set(ch, i);
    });
    for (const [code, ch] of tables.ext) if (!r.ext.has(ch)) r.ext.set(ch, code);
    reverseCache.set(tables, r);
  }
  return r;
}

/**
 * Septets → text. Decoding never fails: an escape followed by a code the extension table
 * does not define shows the base-table character (23.038 §6.2.1.1 note), ESC ESC shows a
 * space (reserved for a further extension table), unassigned codes become U+FFFD.
 */
export function septetsToText(septets: ArrayLike<number>, tables: Gsm7Tables = DEFAULT_TABLES, warnings?: string[]): string {
  let out = "";
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i]! & 0x7f;
    if (s === ESC) {
      if (i + 1 >= septets.length) {
        warnings?.push("text ends with a lone escape septet (0x1B); ignored");
        break;
      }
      const next = septets[++i]! & 0x7f;
      if (next === ESC) {
        out += " ";
        continue;
      }
      const ext = tables.ext.get(next);
      if (ext !== undefined) out += ext;
      else out += baseChar(tables, next, warnings);
      continue;
    }
    out += baseChar(tables, s, warnings);
  }
  return out;
}

function baseChar(tables: Gsm7Tables, s: number, warnings?: string[]): string {
  const ch = tables.base[s];
  if (ch === undefined || ch === "") {
    warnings?.push(`septet 0x${s.toString(16).padStart(2, "0")} is not assigned in the table in use`);
    return "\uFFFD";
  }
  return ch;
}

/**
 * Text → septets, one array per character (1 septet, or 2 for an escaped character), so
 * callers can split long texts without cutting an escape sequence. Returns null if some
 * character is in neither table; `badIndex` tells which.
 */
export function textToSeptetGroups(text: string, tables: Gsm7Tables = DEFAULT_TABLES): { groups: number[][] } | { badIndex: number } {
  const r = reverse(tables);
  const groups: number[][] = [];
  let i = 0;
  for (const ch of text) {
    const b = r.base.get(ch);
    if (b !== undefined) groups.push([b]);
    else {
      const e = r.ext.get(ch);
      if (e === undefined) return { badIndex: i };
      groups.push([ESC, e]);
    }
    i += ch.length;
  }
  return { groups };
}

export function textToSeptets(text: string, tables: Gsm7Tables = DEFAULT_TABLES): number[] | null {
  const r = textToSeptetGroups(text, tables);
  return "groups" in r ? r.groups.flat() : null;
}

/** True if every character of `text` is in the default alphabet or its extension table. */
export function isGsm7(text: string, tables: Gsm7Tables = DEFAULT_TABLES): boolean {
  return "groups" in textToSeptetGroups(text, tables);
}

/** Septets needed for `text` (escaped characters count double), or null if not encodable. */
export function septetLength(text: string, tables: Gsm7Tables = DEFAULT_TABLES): number | null {
  const s = textToSeptets(text, tables);
  return s ? s.length : null;
}
