/**
 * Packing of 7-bit septets into octets (23.038 §6.1.2.1.1): septet n occupies bits
 * 7n..7n+6 of a little-endian bit stream. A UDH before 7-bit text is followed by fill
 * bits so the text starts on a septet boundary (23.040 §9.2.3.24); callers express that
 * as a bit offset into the user data.
 */

/** Unpack `count` septets starting at bit `bitOffset` (0 = LSB of the first octet). Missing bits read as 0. */
export function unpackSeptets(bytes: ArrayLike<number>, count: number, bitOffset = 0): number[] {
  const out: number[] = new Array(Math.max(0, count));
  for (let i = 0; i < count; i++) {
    const bit = bitOffset + 7 * i;
    const byte = bit >> 3;
    const shift = bit & 7;
    const lo = byte < bytes.length ? bytes[byte]! : 0;
    const hi = byte + 1 < bytes.length ? bytes[byte + 1]! : 0;
    out[i] = (((hi << 8) | lo) >> shift) & 0x7f;
  }
  return out;
}

/** How many whole septets fit in `octets` octets after skipping `bitOffset` bits. */
export function septetCapacity(octets: number, bitOffset = 0): number {
  return Math.max(0, Math.floor((octets * 8 - bitOffset) / 7));
}

/** Pack septets, starting after `bitOffset` zero bits (fill bits). */
export function packSeptets(septets: ArrayLike<number>, bitOffset = 0): Uint8Array {
  const totalBits = bitOffset + 7 * septets.length;
  const out = new Uint8Array(Math.ceil(totalBits / 8));
  for (let i = 0; i < septets.length; i++) {
    const bit = bitOffset + 7 * i;
    const byte = bit >> 3;
    const shift = bit & 7;
    const v = (septets[i]! & 0x7f) << shift;
    out[byte]! |= v & 0xff;
    if (v > 0xff) out[byte + 1]! |= v >> 8;
  }
  return out;
}

/** Fill bits after a UDH of `udhOctets` octets (UDHL included): 23.040 §9.2.3.24. */
export function fillBitsAfterUdh(udhOctets: number): number {
  return (7 - ((udhOctets * 8) % 7)) % 7;
}

/** Septets the UDH (plus fill bits) occupies in a 7-bit TP-UDL. */
export function udhSeptets(udhOctets: number): number {
  return Math.ceil((udhOctets * 8) / 7);
}
