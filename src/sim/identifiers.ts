/**
 * Check digits and encodings of the identifiers a SIM/modem carries. Pure functions.
 */

/** Luhn check digit for a string of decimal digits (IMEI: 3GPP TS 23.003 Annex B; ICCID: ITU-T E.118). */
export function luhnCheckDigit(body: string): string {
  let sum = 0;
  // Walking from the right, the digit next to the check digit is doubled.
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}

/**
 * EF_ICCID as stored on the card: BCD with swapped nibbles, padded with F to 10 bytes.
 * This is what `AT+CRSM=176,12258,0,0,10` returns and what Qualcomm-based Huawei
 * sticks print for `AT^ICCID?` (docs/protocols/at-commands.md#sim-iccid-and-imsi, modemmanager-devel 2013-09/000350).
 */
export function swapNibbles(iccid: string): string {
  const padded = iccid.padEnd(20, "F");
  let out = "";
  for (let i = 0; i < padded.length; i += 2) out += padded.charAt(i + 1) + padded.charAt(i);
  return out;
}

/** Text as UCS2 hex (big-endian UTF-16 code units), the `AT+CSCS="UCS2"` form of a string. */
export function toUcs2Hex(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0");
  return out;
}

/** Inverse of toUcs2Hex; null when `hex` is not a UCS2 hex string. */
export function fromUcs2Hex(hex: string): string | null {
  if (!/^(?:[0-9A-Fa-f]{4})+$/.test(hex)) return null;
  let out = "";
  for (let i = 0; i < hex.length; i += 4) out += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
  return out;
}
