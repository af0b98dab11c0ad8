/**
 * UCS2 as used in SMS and USSD (23.038 §6.2.3): big-endian 16-bit units. Phones have sent
 * UTF-16 surrogate pairs for years (emoji), so pairs are joined; lone surrogates and an odd
 * trailing octet are reported, not thrown.
 */

export function decodeUcs2(bytes: ArrayLike<number>, warnings?: string[]): string {
  let n = bytes.length;
  if (n % 2 === 1) {
    warnings?.push(`UCS2 data has an odd number of octets (${n}); last octet ignored`);
    n--;
  }
  const units: number[] = [];
  for (let i = 0; i < n; i += 2) units.push((bytes[i]! << 8) | bytes[i + 1]!);
  let out = "";
  let lone = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = units[i + 1];
      if (next !== undefined && next >= 0xdc00 && next <= 0xdfff) {
        out += String.fromCharCode(u, next);
        i++;
        continue;
      }
      lone++;
      out += "\uFFFD";
      continue;
    }
    if (u >= 0xdc00 && u <= 0xdfff) {
      lone++;
      out += "\uFFFD";
      continue;
    }
    out += String.fromCharCode(u);
  }
  if (lone > 0) warnings?.push(`UCS2 data has ${lone} unpaired surrogate(s); replaced with U+FFFD`);
  return out;
}

/** Text → UTF-16BE octets (surrogate pairs kept as two units, as phones send them). */
export function encodeUcs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    out[2 * i] = u >> 8;
    out[2 * i + 1] = u & 0xff;
  }
  return out;
}
