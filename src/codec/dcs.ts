/**
 * TP-DCS for SMS (23.038 §4) and the Cell Broadcast / USSD data coding scheme (23.038 §5).
 */

export type Alphabet = "gsm7" | "8bit" | "ucs2";

export type DcsGroup =
  | "general" // 00xx xxxx
  | "auto-delete" // 01xx xxxx
  | "reserved" // 1000..1011
  | "mwi-discard" // 1100
  | "mwi-store" // 1101
  | "mwi-store-ucs2" // 1110
  | "data-class"; // 1111

export interface MessageWaiting {
  active: boolean;
  kind: "voicemail" | "fax" | "email" | "other";
  /** false for the "discard message" group (1100): the indication only, the text may be dropped. */
  store: boolean;
}

export interface DcsInfo {
  raw: number;
  group: DcsGroup;
  alphabet: Alphabet;
  compressed: boolean;
  messageClass: 0 | 1 | 2 | 3 | null;
  waiting: MessageWaiting | null;
}

const ALPHABETS: readonly Alphabet[] = ["gsm7", "8bit", "ucs2", "gsm7"]; // 11 reserved → default alphabet (23.038 §4)
const MWI_KINDS = ["voicemail", "fax", "email", "other"] as const;

export function decodeSmsDcs(dcs: number): DcsInfo {
  const d = dcs & 0xff;
  const hi = d >> 4;
  const cls = (d & 0x03) as 0 | 1 | 2 | 3;
  if (hi <= 0x7) {
    // 00xx xxxx general, 01xx xxxx marked for automatic deletion: same layout.
    return {
      raw: d,
      group: hi <= 0x3 ? "general" : "auto-delete",
      alphabet: ALPHABETS[(d >> 2) & 0x03]!,
      compressed: (d & 0x20) !== 0,
      messageClass: d & 0x10 ? cls : null,
      waiting: null,
    };
  }
  if (hi >= 0x8 && hi <= 0xb) {
    // Reserved groups: 23.038 §4 says assume the GSM 7-bit default alphabet.
    return { raw: d, group: "reserved", alphabet: "gsm7", compressed: false, messageClass: null, waiting: null };
  }
  if (hi === 0xf) {
    return { raw: d, group: "data-class", alphabet: d & 0x04 ? "8bit" : "gsm7", compressed: false, messageClass: cls, waiting: null };
  }
  const waiting: MessageWaiting = { active: (d & 0x08) !== 0, kind: MWI_KINDS[d & 0x03]!, store: hi !== 0xc };
  return {
    raw: d,
    group: hi === 0xc ? "mwi-discard" : hi === 0xd ? "mwi-store" : "mwi-store-ucs2",
    alphabet: hi === 0xe ? "ucs2" : "gsm7",
    compressed: false,
    messageClass: null,
    waiting,
  };
}

export function encodeSmsDcs(alphabet: Alphabet, messageClass?: 0 | 1 | 2 | 3): number {
  const a = alphabet === "gsm7" ? 0 : alphabet === "8bit" ? 1 : 2;
  return (a << 2) | (messageClass !== undefined ? 0x10 | messageClass : 0);
}

export interface CbsDcsInfo {
  alphabet: Alphabet;
  /** 0x10 / 0x11: the text starts with a 2-character ISO 639 language code (23.038 §5). */
  languagePrefix: "gsm7" | "ucs2" | null;
  compressed: boolean;
}

/** What a USSD / cell broadcast DCS claims (23.038 §5). Reserved values → GSM 7-bit. */
export function decodeCbsDcs(dcs: number): CbsDcsInfo {
  const d = dcs & 0xff;
  const hi = d >> 4;
  if (d === 0x10) return { alphabet: "gsm7", languagePrefix: "gsm7", compressed: false };
  if (d === 0x11) return { alphabet: "ucs2", languagePrefix: "ucs2", compressed: false };
  if (hi <= 0x3) return { alphabet: "gsm7", languagePrefix: null, compressed: false };
  if (hi >= 0x4 && hi <= 0x7) return { alphabet: ALPHABETS[(d >> 2) & 0x03]!, languagePrefix: null, compressed: (d & 0x20) !== 0 };
  if (hi === 0x9) return { alphabet: ALPHABETS[(d >> 2) & 0x03]!, languagePrefix: null, compressed: false };
  if (hi === 0xf) return { alphabet: d & 0x04 ? "8bit" : "gsm7", languagePrefix: null, compressed: false };
  return { alphabet: "gsm7", languagePrefix: null, compressed: false };
}
