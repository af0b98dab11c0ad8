/**
 * Plausibility scores for the ways a USSD <str> of hex digits can be read. Each returns a
 * score in 0..1 (share of characters that look like real text) and the decoded text.
 */
import { septetsToText } from "./gsm7.js";
import { unpackSeptets } from "./septets.js";
import { decodeUcs2 } from "./ucs2.js";

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Script family of a UTF-16 unit; null for "neutral" (ASCII, Latin-1, punctuation). */
function family(u: number): string | null {
  if (u < 0x100 || (u >= 0x2000 && u <= 0x2bff) || (u >= 0x3000 && u <= 0x303f) || (u >= 0xff00 && u <= 0xffef)) return null;
  if (u >= 0xd800 && u <= 0xdfff) return null; // emoji halves
  if (u <= 0x024f || (u >= 0x1e00 && u <= 0x1eff)) return "latin";
  if ((u >= 0x0370 && u <= 0x03ff) || (u >= 0x1f00 && u <= 0x1fff)) return "greek";
  if (u >= 0x0400 && u <= 0x052f) return "cyrillic";
  if (u >= 0x0530 && u <= 0x058f) return "armenian";
  if (u >= 0x0590 && u <= 0x05ff) return "hebrew";
  if ((u >= 0x0600 && u <= 0x06ff) || (u >= 0x0750 && u <= 0x077f) || (u >= 0x08a0 && u <= 0x08ff) || (u >= 0xfb50 && u <= 0xfeff)) return "arabic";
  if (u >= 0x0900 && u <= 0x0eff) return `brahmic-${u >> 7}`;
  if ((u >= 0x1100 && u <= 0x11ff) || (u >= 0x3130 && u <= 0x318f) || (u >= 0xac00 && u <= 0xd7a3)) return "hangul";
  if ((u >= 0x3040 && u <= 0x30ff) || (u >= 0x3400 && u <= 0x4dbf) || (u >= 0x4e00 && u <= 0x9fff)) return "cjk";
  return `other-${u >> 8}`;
}

/** Units that occur in real text (not controls, unassigned-looking or private-use). */
function goodUnit(u: number): boolean {
  if (u === 0x09 || u === 0x0a || u === 0x0d) return true;
  if (u < 0x20 || (u >= 0x7f && u < 0xa0)) return false;
  if (u <= 0x058f) return true; // Latin, IPA, Greek, Cyrillic, Armenian
  if (u >= 0x0590 && u <= 0x08ff) return true; // Hebrew, Arabic, Syriac, Thaana
  if (u >= 0x0900 && u <= 0x10ff) return true; // Indic, Thai, Lao, Tibetan, Myanmar, Georgian
  if (u >= 0x1100 && u <= 0x137f) return true; // Hangul Jamo, Ethiopic
  if (u >= 0x1780 && u <= 0x17ff) return true; // Khmer
  if (u >= 0x1e00 && u <= 0x27bf) return true; // Latin/Greek ext., punctuation, symbols, dingbats
  if (u >= 0x3000 && u <= 0x30ff) return true;
  if (u >= 0x3130 && u <= 0x318f) return true;
  if (u >= 0x3400 && u <= 0x4dbf) return true;
  if (u >= 0x4e00 && u <= 0x9fff) return true;
  if (u >= 0xac00 && u <= 0xd7a3) return true;
  if (u >= 0xfb50 && u <= 0xfdff) return true;
  if (u >= 0xfe70 && u <= 0xfeff) return true;
  if (u >= 0xff00 && u <= 0xffef) return true;
  return false;
}

export interface Ucs2Evidence {
  score: number;
  coherent: boolean;
  units: number;
  /** Share of units in U+0000..U+00FF. */
  latinShare: number;
  /** Whether the octets (after a language prefix) pair up evenly. */
  even: boolean;
  /** The one non-zero high octet the units use (0 if all are Latin-1), null if several. */
  commonPage: number | null;
  text: string;
  warnings: string[];
  language?: string;
}

export function scoreUcs2(input: Uint8Array, languagePrefix: boolean): Ucs2Evidence {
  const warnings: string[] = [];
  let bytes = input;
  let language: string | undefined;
  if (languagePrefix && bytes.length >= 4) {
    // DCS 0x11: two GSM 7-bit characters of ISO 639 language packed in two octets (23.038 §5).
    const lang = septetsToText(unpackSeptets(bytes, 2));
    if (/^[a-z]{2}$/i.test(lang)) {
      language = lang.toLowerCase();
      bytes = bytes.subarray(2);
    }
  }
  const even = bytes.length % 2 === 0;
  if (!even) {
    warnings.push("UCS2 hex has an odd number of octets; last octet ignored");
    bytes = bytes.subarray(0, bytes.length - 1);
  }
  const units: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) units.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Telit HE910-D ends the text with U+0000 and then dumps buffer garbage (gammu issue 377);
  // others pad with FFFF. Text stops at the first NUL; trailing FFFF units are dropped.
  let end = units.indexOf(0x0000);
  if (end >= 0) {
    if (end < units.length - 1) warnings.push(`UCS2 text ends at a NUL; ${2 * (units.length - end - 1)} trailing octets ignored`);
  } else end = units.length;
  while (end > 0 && units[end - 1] === 0xffff) end--;
  if (end < units.length && units.indexOf(0x0000) < 0) warnings.push(`trailing FFFF padding ignored`);
  const kept = units.slice(0, end);
  let good = 0;
  let latin = 0;
  const families = new Map<string, number>();
  let nonNeutral = 0;
  for (let i = 0; i < kept.length; i++) {
    const u = kept[i]!;
    if (u >= 0xd800 && u <= 0xdbff) {
      const n = kept[i + 1];
      if (n !== undefined && n >= 0xdc00 && n <= 0xdfff) {
        good += 2;
        i++;
      }
      continue;
    }
    if (goodUnit(u)) good++;
    if (u < 0x100) latin++;
    const f = family(u);
    if (f) {
      nonNeutral++;
      families.set(f, (families.get(f) ?? 0) + 1);
    }
  }
  const top = Math.max(0, ...families.values());
  const out: Ucs2Evidence = {
    score: kept.length === 0 ? 0 : good / kept.length,
    coherent: nonNeutral === 0 || top / nonNeutral >= 0.8,
    units: kept.length,
    latinShare: kept.length === 0 ? 0 : latin / kept.length,
    even,
    commonPage: onePage(kept),
    text: decodeUcs2(toBytes(kept), warnings),
    warnings,
  };
  if (language) out.language = language;
  return out;
}

function onePage(units: number[]): number | null {
  const pages = new Set(units.map((u) => u >> 8).filter((p) => p !== 0));
  if (pages.size > 1) return null;
  return pages.size === 0 ? 0 : [...pages][0]!;
}

function toBytes(units: number[]): Uint8Array {
  const b = new Uint8Array(units.length * 2);
  units.forEach((u, i) => {
    b[2 * i] = u >> 8;
    b[2 * i + 1] = u & 0xff;
  });
  return b;
}

// Letters, digits and blanks are what real replies are mostly made of; punctuation counts a
// little less, so two readings of the same octets rarely tie. '@' (septet 0x00) is not
// "common": zero octets of UCS2 text unpack to runs of '@'.
const WORD = /[A-Za-z0-9 \n\r]/;
const PUNCT = /[.,:;!?\-+*/#()'"%&=<>_€{}[\]~^|\\$]/;

export function scoreGsm7(bytes: Uint8Array): { score: number; text: string } {
  const count = Math.floor((bytes.length * 8) / 7);
  const septets = unpackSeptets(bytes, count);
  // 23.038 §6.1.2.3.1: 7 spare bits at the end are a CR (or zeros from lax encoders).
  if ((bytes.length * 8) % 7 === 0 && (septets[septets.length - 1] === 0x0d || septets[septets.length - 1] === 0x00)) septets.pop();
  const text = septetsToText(septets);
  if (text.length === 0) return { score: 0, text };
  let sum = 0;
  let n = 0;
  for (const ch of text) {
    n++;
    if (WORD.test(ch)) sum += 1;
    else if (PUNCT.test(ch)) sum += 0.8;
    else if (/[@£¥èéùìòÇØøÅåÆæßÉÄÖÑÜ§¿äöñüà¡]/.test(ch)) sum += 0.5;
    else if (ch === "\uFFFD") sum += 0;
    else sum += 0.15; // Greek capitals, ¤, control leftovers: valid GSM but rare in real replies
  }
  return { score: sum / n, text };
}

export function scoreLatin(input: Uint8Array): { score: number; text: string } {
  let end = input.length;
  while (end > 0 && input[end - 1] === 0) end--;
  const bytes = input.subarray(0, end);
  if (bytes.length === 0) return { score: 0, text: "" };
  // Multi-byte UTF-8 that validates is strong evidence of UTF-8 text in an 8-bit reply.
  if (bytes.some((b) => b >= 0x80)) {
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      return { score: 0.95, text };
    } catch {
      // not UTF-8: fall through to ISO 8859-1
    }
  }
  let sum = 0;
  let text = "";
  for (const b of bytes) {
    text += String.fromCharCode(b);
    const c = String.fromCharCode(b);
    if (WORD.test(c) || b === 0x09) sum += 1;
    else if (b >= 0x20 && b <= 0x7e) sum += 0.8;
    else if (b >= 0xa0) sum += 0.3;
  }
  return { score: sum / bytes.length, text };
}
