/**
 * Address fields (23.040 §9.1.2.5) and the SMSC address (24.011 §8.2.5.1 RP address, same
 * layout with an octet count instead of a digit count).
 */
import { DEFAULT_TABLES, septetsToText, textToSeptets } from "./gsm7.js";
import type { ByteReader } from "./hex-reader.js";
import { SimgateError, ErrorCode } from "../errors.js";
import { packSeptets, unpackSeptets } from "./septets.js";

export type AddressType =
  | "unknown"
  | "international"
  | "national"
  | "network-specific"
  | "subscriber"
  | "alphanumeric"
  | "abbreviated"
  | "reserved";

const TON_NAMES: readonly AddressType[] = [
  "unknown",
  "international",
  "national",
  "network-specific",
  "subscriber",
  "alphanumeric",
  "abbreviated",
  "reserved",
];

export interface Address {
  /** "+79161234567" for international numbers, digits otherwise, text for alphanumeric. */
  value: string;
  type: AddressType;
  /** Type of number, bits 6..4 of the type-of-address octet. */
  ton: number;
  /** Numbering plan identification, bits 3..0. */
  npi: number;
}

/** BCD semi-octets (23.040 §9.1.2.3): 0-9, then * # a b c, F is the filler. */
const BCD = "0123456789*#abc";

function decodeBcd(bytes: ArrayLike<number>, digits: number): string {
  let out = "";
  for (let i = 0; i < digits; i++) {
    const b = bytes[i >> 1] ?? 0xff;
    const nibble = i % 2 === 0 ? b & 0x0f : b >> 4;
    if (nibble === 0x0f) continue; // filler (some SMSC fields carry it mid-way)
    out += BCD[nibble] ?? "";
  }
  return out;
}

function describe(toa: number, digits: string): Address {
  const ton = (toa >> 4) & 0x07;
  const type = TON_NAMES[ton]!;
  return { value: type === "international" && digits !== "" ? `+${digits}` : digits, type, ton, npi: toa & 0x0f };
}

/** TP-OA / TP-DA / TP-RA: length in semi-octets (digits), TOA, value. */
export function readTpAddress(r: ByteReader, field: string): Address {
  const start = r.pos;
  const len = r.u8(`${field} length`);
  const toa = r.u8(`${field} type-of-address`);
  if (len > 20 && ((toa >> 4) & 7) !== 5) r.fail(`${field} length ${len} digits exceeds 20`, start);
  const octets = Math.ceil(len / 2);
  const data = r.take(octets, `${field} (${len} semi-octets)`);
  if (((toa >> 4) & 0x07) === 5) {
    // 23.040 §9.1.2.5: alphanumeric, GSM 7-bit default alphabet packed; len counts semi-octets.
    const septets = unpackSeptets(data, Math.floor((len * 4) / 7));
    // Encoders that round the length up to whole octets leave a zero (or CR, 23.038
    // §6.1.2.3.1) septet of padding at the end; an '@' or CR ending a sender name is not real.
    while (septets.length > 0 && (septets[septets.length - 1] === 0 || septets[septets.length - 1] === 0x0d)) septets.pop();
    return { value: septetsToText(septets, DEFAULT_TABLES), type: "alphanumeric", ton: 5, npi: toa & 0x0f };
  }
  return describe(toa, decodeBcd(data, len));
}

/** SMSC field: length in octets (TOA included), 0 = absent. */
export function readSmscAddress(r: ByteReader): Address | null {
  const start = r.pos;
  const len = r.u8("SMSC length");
  if (len === 0) return null;
  if (len > 12) r.fail(`SMSC length ${len} octets is more than the 12 an address can take`, start);
  const toa = r.u8("SMSC type-of-address");
  const data = r.take(len - 1, "SMSC address");
  if (((toa >> 4) & 0x07) === 5) {
    const septets = unpackSeptets(data, Math.floor(((len - 1) * 8) / 7));
    while (septets.length > 0 && (septets[septets.length - 1] === 0 || septets[septets.length - 1] === 0x0d)) septets.pop();
    return { value: septetsToText(septets), type: "alphanumeric", ton: 5, npi: toa & 0x0f };
  }
  return describe(toa, decodeBcd(data, (len - 1) * 2));
}

interface EncodedAddress {
  toa: number;
  /** Semi-octet count for TP addresses. */
  semiOctets: number;
  body: Uint8Array;
}

/**
 * "+7916…" → international (TOA 0x91); digits (and * #) → unknown TON, ISDN plan (0x81);
 * anything with another character → alphanumeric (0xD0), at most 11 characters (23.040 §9.1.2.5).
 */
export function encodeAddressBody(address: string): EncodedAddress {
  const intl = address.startsWith("+");
  const digits = intl ? address.slice(1) : address;
  if (digits.length > 0 && /^[0-9*#]+$/.test(digits)) {
    if (digits.length > 20) throw new SimgateError(`address ${address} has more than 20 digits`, ErrorCode.CodecMalformed);
    const body = new Uint8Array(Math.ceil(digits.length / 2)).fill(0xff);
    for (let i = 0; i < digits.length; i++) {
      const v = BCD.indexOf(digits[i]!);
      body[i >> 1] = i % 2 === 0 ? (body[i >> 1]! & 0xf0) | v : (body[i >> 1]! & 0x0f) | (v << 4);
    }
    return { toa: intl ? 0x91 : 0x81, semiOctets: digits.length, body };
  }
  const septets = textToSeptets(address);
  if (!septets || septets.length === 0 || septets.length > 11) {
    throw new SimgateError(`address ${JSON.stringify(address)} is neither a number nor 1..11 GSM 7-bit characters`, ErrorCode.CodecMalformed);
  }
  return { toa: 0xd0, semiOctets: Math.ceil((septets.length * 7) / 4), body: packSeptets(septets) };
}

export function encodeTpAddress(address: string): number[] {
  const a = encodeAddressBody(address);
  return [a.semiOctets, a.toa, ...a.body];
}

export function encodeSmscAddress(smsc: string | null | undefined): number[] {
  if (smsc === null || smsc === undefined || smsc === "") return [0];
  const a = encodeAddressBody(smsc);
  return [a.body.length + 1, a.toa, ...a.body];
}
