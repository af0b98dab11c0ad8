/**
 * SMS-DELIVER and SMS-SUBMIT encoders (23.040 §9.2.2.1, §9.2.2.2), with splitting into
 * concatenated parts (23.040 §9.2.3.24.1). The simulator uses encodeDeliver to hand out
 * realistic PDUs; drivers use encodeSubmit for AT+CMGS. Options that cannot be encoded
 * throw SimgateError(CodecMalformed): this is the only throwing part of the codec.
 */
import { encodeSmscAddress, encodeTpAddress } from "./address.js";
import { encodeSmsDcs, type Alphabet } from "./dcs.js";
import { DEFAULT_TABLES, textToSeptetGroups } from "./gsm7.js";
import { toHex } from "./hex-reader.js";
import { LANGUAGE_IDS, tablesFor, type NationalLanguage } from "./national.js";
import { encodeScts } from "./scts.js";
import { packSeptets, udhSeptets } from "./septets.js";
import { buildUdh, udhLength, type UdhBuild } from "./udh.js";
import { ErrorCode, SimgateError } from "../errors.js";

export type EncodingChoice = "auto" | Alphabet;

export interface EncodedPdu {
  /** Uppercase hex INCLUDING the SMSC field (first octet = SMSC length, 00 when absent). */
  hex: string;
  /** Octets after the SMSC field: the <length> of AT+CMGS / AT+CMGR / +CMT. */
  tpduLength: number;
}

export interface NationalLanguageChoice {
  locking?: NationalLanguage;
  single?: NationalLanguage;
}

export interface TextOptions {
  text: string;
  /** auto: GSM 7-bit if every character is in the tables in use, else UCS2. */
  encoding?: EncodingChoice;
  /** Reference used when the text needs several parts (default: derived from the text). */
  concatRef?: number;
  refWidth?: 8 | 16;
  messageClass?: 0 | 1 | 2 | 3;
  /** Encode GSM 7-bit with national shift tables (adds the 23.040 §9.2.3.24.15/16 IEs). */
  nationalLanguage?: NationalLanguageChoice;
}

export interface DeliverOptions extends TextOptions {
  /** "+7916…" international; digits → unknown TON; anything with a letter → alphanumeric. */
  sender: string;
  timestamp?: Date;
  /** Quarter hours east of UTC: +12 = UTC+3, −20 = UTC−5. */
  tzQuarterHours?: number;
  smsc?: string | null;
}

export interface SubmitOptions extends TextOptions {
  recipient: string;
  smsc?: string | null;
  requestStatusReport?: boolean;
  /** Relative validity period in minutes (default 1440 = 24 h); null omits TP-VP. */
  validityMinutes?: number | null;
  /** TP-MR; 0 lets the modem assign one (the usual choice with AT+CMGS). */
  messageRef?: number;
}

/** One part's user data, ready to be put after TP-UDL. */
export interface UserDataPart {
  udl: number;
  ud: number[];
  /** Whether `ud` starts with a header (TP-UDHI must be set). */
  udhi: boolean;
  /** The slice of the text this part carries. */
  text: string;
}

export interface SplitResult {
  alphabet: Alphabet;
  parts: UserDataPart[];
}

const bad = (msg: string) => new SimgateError(msg, ErrorCode.CodecMalformed);

/** FNV-1a of the text: a stable default concatenation reference. */
function defaultRef(text: string, width: 8 | 16): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return width === 16 ? h & 0xffff : h & 0xff;
}

/**
 * Split text into TP-UD payloads: 160 septets single / 153 per part (152 with a 16-bit
 * reference), 70 / 67 UCS2, 140 / 134 octets of 8-bit; an escaped character (2 septets) and
 * a surrogate pair (2 units) are never cut in two.
 */
export function splitUserData(o: TextOptions): SplitResult {
  if (typeof o.text !== "string") throw bad("text must be a string");
  const refWidth = o.refWidth ?? 8;
  if (refWidth !== 8 && refWidth !== 16) throw bad(`refWidth must be 8 or 16, got ${String(refWidth)}`);
  const shifts: UdhBuild = {};
  const lang = o.nationalLanguage;
  if (lang?.locking) shifts.lockingShift = langId(lang.locking);
  if (lang?.single) shifts.singleShift = langId(lang.single);
  const tables = lang ? tablesFor(shifts.lockingShift ?? null, shifts.singleShift ?? null) : DEFAULT_TABLES;

  const choice = o.encoding ?? "auto";
  let alphabet: Alphabet;
  let groups: number[][];
  const g = textToSeptetGroups(o.text, tables);
  if (choice === "auto" || choice === "gsm7") {
    if ("groups" in g) {
      alphabet = "gsm7";
      groups = g.groups;
    } else if (choice === "gsm7") {
      throw bad(`character ${JSON.stringify(String.fromCodePoint(o.text.codePointAt(g.badIndex)!))} at index ${g.badIndex} is not in the GSM 7-bit tables in use`);
    } else {
      alphabet = "ucs2";
      groups = ucs2Groups(o.text);
    }
  } else if (choice === "ucs2") {
    alphabet = "ucs2";
    groups = ucs2Groups(o.text);
  } else if (choice === "8bit") {
    alphabet = "8bit";
    groups = [];
    for (let i = 0; i < o.text.length; i++) {
      const c = o.text.charCodeAt(i);
      if (c > 0xff) throw bad(`character at index ${i} does not fit in 8-bit data`);
      groups.push([c]);
    }
  } else {
    throw bad(`unknown encoding ${String(choice)}`);
  }
  const useShifts = alphabet === "gsm7" ? shifts : {};

  // Capacity in units (septets or octets) for a header of `h` octets.
  const capacity = (h: number) => (alphabet === "gsm7" ? 160 - (h === 0 ? 0 : udhSeptets(h)) : 140 - h);
  const totalUnits = groups.reduce((n, x) => n + x.length, 0);
  const singleHeader = udhLength(useShifts);

  let chunks: number[][][];
  if (totalUnits <= capacity(singleHeader)) chunks = [groups];
  else {
    const cap = capacity(udhLength({ ...useShifts, concat: { ref: 0, total: 1, seq: 1, refWidth } }));
    chunks = [];
    let cur: number[][] = [];
    let n = 0;
    for (const grp of groups) {
      if (n + grp.length > cap) {
        chunks.push(cur);
        cur = [];
        n = 0;
      }
      cur.push(grp);
      n += grp.length;
    }
    chunks.push(cur);
    if (chunks.length > 255) throw bad(`text needs ${chunks.length} parts; at most 255 fit a concatenation reference`);
  }

  const multi = chunks.length > 1;
  const ref = o.concatRef ?? defaultRef(o.text, refWidth);
  if (!Number.isInteger(ref) || ref < 0 || ref > (refWidth === 16 ? 0xffff : 0xff)) throw bad(`concatRef ${ref} does not fit ${refWidth} bits`);

  // Characters per chunk, to report each part's text.
  const charTexts: string[] = [];
  {
    const chars = [...o.text];
    let k = 0;
    for (const c of chunks) {
      charTexts.push(chars.slice(k, k + c.length).join(""));
      k += c.length;
    }
  }
  const parts = chunks.map((chunk, i): UserDataPart => {
    const header = buildUdh({ ...useShifts, ...(multi ? { concat: { ref, total: chunks.length, seq: i + 1, refWidth } } : {}) });
    const units = chunk.flat();
    if (alphabet === "gsm7") {
      const skip = header.length === 0 ? 0 : udhSeptets(header.length);
      const packed = packSeptets(units, 7 * skip);
      header.forEach((b, j) => (packed[j] = b));
      return { udl: skip + units.length, ud: [...packed], udhi: header.length > 0, text: charTexts[i]! };
    }
    return { udl: header.length + units.length, ud: [...header, ...units], udhi: header.length > 0, text: charTexts[i]! };
  });
  return { alphabet, parts };
}

function langId(name: NationalLanguage): number {
  const id = LANGUAGE_IDS[name];
  if (id === undefined) throw bad(`unknown national language ${String(name)}`);
  return id;
}

/** UCS2 octets grouped per character (a surrogate pair is one 4-octet group). */
function ucs2Groups(text: string): number[][] {
  const out: number[][] = [];
  for (const ch of text) {
    const g: number[] = [];
    for (let i = 0; i < ch.length; i++) {
      const u = ch.charCodeAt(i);
      g.push(u >> 8, u & 0xff);
    }
    out.push(g);
  }
  return out;
}

function finish(smsc: string | null | undefined, tpdu: number[]): EncodedPdu {
  const sc = encodeSmscAddress(smsc);
  return { hex: toHex([...sc, ...tpdu]), tpduLength: tpdu.length };
}

export function encodeDeliver(opts: DeliverOptions): EncodedPdu[] {
  const split = splitUserData(opts);
  const oa = encodeTpAddress(opts.sender);
  const dcs = encodeSmsDcs(split.alphabet, opts.messageClass);
  const scts = encodeScts(opts.timestamp ?? new Date(), opts.tzQuarterHours ?? 0);
  return split.parts.map((p) => {
    // 0x04: TP-MMS = 1, "no more messages waiting" (23.040 §9.2.3.2).
    const fo = 0x04 | (p.udhi ? 0x40 : 0);
    return finish(opts.smsc, [fo, ...oa, 0x00, dcs, ...scts, p.udl, ...p.ud]);
  });
}

/** 23.040 §9.2.3.12.1, rounding up to the next representable period. */
export function relativeValidity(minutes: number): number {
  if (!(minutes > 0)) throw bad(`validityMinutes must be positive, got ${minutes}`);
  if (minutes <= 720) return Math.max(0, Math.ceil(minutes / 5) - 1);
  if (minutes <= 1440) return 143 + Math.ceil((minutes - 720) / 30);
  if (minutes <= 30 * 1440) return 166 + Math.ceil(minutes / 1440);
  return Math.min(255, 192 + Math.ceil(minutes / 10080));
}

export function encodeSubmit(opts: SubmitOptions): EncodedPdu[] {
  const split = splitUserData(opts);
  const da = encodeTpAddress(opts.recipient);
  const dcs = encodeSmsDcs(split.alphabet, opts.messageClass);
  const validity = opts.validityMinutes === undefined ? 1440 : opts.validityMinutes;
  const vp = validity === null ? [] : [relativeValidity(validity)];
  const mr = opts.messageRef ?? 0;
  if (!Number.isInteger(mr) || mr < 0 || mr > 255) throw bad(`messageRef ${mr} is not an octet`);
  return split.parts.map((p) => {
    const fo = 0x01 | (vp.length ? 0x10 : 0) | (opts.requestStatusReport ? 0x20 : 0) | (p.udhi ? 0x40 : 0);
    return finish(opts.smsc, [fo, mr, ...da, 0x00, dcs, ...vp, p.udl, ...p.ud]);
  });
}
