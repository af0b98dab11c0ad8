/**
 * Strings the module prints inside quotes follow +CSCS (27.007 §5.5): with "UCS2" they
 * go out as UCS2 hex (docs/protocols/at-commands.md#network-registration: `0056006500720069007A006F006E` = "Verizon"), and
 * strings the host sends are read the same way.
 */
import { isGsm7 } from "../../codec/index.js";
import { fromUcs2Hex, toUcs2Hex } from "../identifiers.js";
import type { SimContext } from "./types.js";

export function encodeForHost(m: SimContext, text: string): string {
  if (m.settings.cscs === "UCS2") return toUcs2Hex(text);
  if (m.settings.cscs === "HEX") return Buffer.from(text, "latin1").toString("hex").toUpperCase();
  return text;
}

export function decodeFromHost(m: SimContext, text: string): string {
  if (m.settings.cscs === "UCS2") return fromUcs2Hex(text) ?? text;
  return text;
}

/** GSM 03.38 default alphabet in septet order (0x1B is the escape to the extension table). */
const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/** Whether the text fits the GSM default alphabet + extension table, i.e. needs no UCS2 (docs/protocols/sms-pdu.md). */
export const isGsm7Text = (text: string): boolean => isGsm7(text);

/**
 * Unpack a packed-7-bit hex string (how Huawei sticks take USSD requests: `*100#` is
 * `AA180C3602`, docs/protocols/at-commands.md#ussd obsy/sms_tool #4). Basic table only: USSD codes are digits,
 * `*` and `#`. Null when the input is not hex.
 */
export function unpackGsm7Hex(hex: string): string | null {
  if (!/^(?:[0-9A-Fa-f]{2})+$/.test(hex)) return null;
  let out = "";
  let carry = 0;
  let bits = 0;
  for (const byte of Buffer.from(hex, "hex")) {
    carry |= byte << bits;
    bits += 8;
    while (bits >= 7) {
      out += GSM7_BASIC.charAt(carry & 0x7f);
      carry >>= 7;
      bits -= 7;
    }
  }
  // Spare bits at the end unpack as '@' (or CR padding, TS 23.038 §6.1.2.3.1).
  return out.replace(/[@\r]+$/, "");
}
