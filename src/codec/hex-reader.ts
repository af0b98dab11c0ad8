/**
 * Hex parsing and a byte cursor that knows its offset, so every decode error can name the
 * byte where it went wrong. Internally the decoders throw `DecodeFailure` from the cursor;
 * the public entry points (`decodePdu`, …) catch it and return a typed error instead, so
 * no caller ever sees an exception (docs/conventions.md#rule-8).
 */

export interface DecodeError {
  /** Byte offset into the input (after whitespace was removed) where decoding failed. */
  offset: number;
  reason: string;
}

/** Thrown only inside the codec; converted to a `DecodeError` at the public boundary. */
export class DecodeFailure extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`byte ${offset}: ${reason}`);
  }
}

export type HexParse = { ok: true; bytes: Uint8Array; warnings: string[] } | { ok: false; error: DecodeError };

/**
 * Lenient hex → bytes: whitespace anywhere is ignored (modems and copy-paste insert it),
 * case does not matter. A dangling last nibble is dropped with a warning (truncated capture);
 * any other non-hex character is an error naming its byte offset.
 */
export function parseHex(input: string): HexParse {
  if (typeof input !== "string") return { ok: false, error: { offset: 0, reason: "input is not a string" } };
  const compact = input.replace(/\s+/g, "");
  const warnings: string[] = [];
  for (let i = 0; i < compact.length; i++) {
    const c = compact.charCodeAt(i);
    const isHex = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
    if (!isHex) {
      const shown = JSON.stringify(compact[i]);
      return { ok: false, error: { offset: i >> 1, reason: `not a hex digit: ${shown}` } };
    }
  }
  let usable = compact.length;
  if (usable % 2 === 1) {
    usable--;
    warnings.push(`odd number of hex digits: last nibble (byte ${usable >> 1}) ignored`);
  }
  const bytes = new Uint8Array(usable >> 1);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(compact.slice(2 * i, 2 * i + 2), 16);
  return { ok: true, bytes, warnings };
}

export function toHex(bytes: ArrayLike<number>): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! & 0xff).toString(16).padStart(2, "0");
  return out.toUpperCase();
}

/** Forward-only cursor over a byte array; every read names the field it is reading. */
export class ByteReader {
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** Added to `pos` in error offsets, when the reader covers a slice of the input. */
    readonly base = 0,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  get offset(): number {
    return this.base + this.pos;
  }

  fail(reason: string, at = this.pos): never {
    throw new DecodeFailure(this.base + at, reason);
  }

  u8(field: string): number {
    if (this.pos >= this.bytes.length) this.fail(`truncated: expected ${field}, input ends`);
    return this.bytes[this.pos++]!;
  }

  take(n: number, field: string): Uint8Array {
    if (n > this.remaining) this.fail(`truncated: ${field} needs ${n} octets, only ${this.remaining} left`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Up to `n` octets: what is there, without failing (for best-effort user data). */
  takeUpTo(n: number): Uint8Array {
    const k = Math.max(0, Math.min(n, this.remaining));
    const out = this.bytes.subarray(this.pos, this.pos + k);
    this.pos += k;
    return out;
  }

  rest(): Uint8Array {
    return this.takeUpTo(this.remaining);
  }
}
