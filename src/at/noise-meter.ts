/**
 * How much line noise a port is receiving now: bytes that cannot be part of an AT
 * response (framer junk and overlong lines, and bytes outside printable ASCII inside a
 * line), counted over a short sliding window. A module that spews such bytes (a broken
 * USB-UART bridge, a wrong baud rate, firmware printing binary debug output) cannot be
 * trusted with an SMS, so the port is flagged while the rate stays high.
 *
 * The window is a ring of small buckets: adding is O(1) and nothing runs while the port
 * is quiet. The rate is given per minute (what an operator reads in a log), compared over
 * the window, so a spewing module is flagged within a fraction of the window and a quiet
 * one costs nothing. It turns quiet again once the window holds under a quarter of the
 * threshold (hysteresis: a module hovering at the limit does not flap).
 */

export interface NoiseMeterOptions {
  /** Noise bytes per minute that flag the port. */
  bytesPerMinute: number;
  /** Sliding window the rate is judged over. */
  windowMs: number;
  /** Bucket width; the window is rounded to whole buckets. */
  bucketMs?: number;
}

export class NoiseMeter {
  readonly #bucketMs: number;
  readonly #counts: number[];
  /** The bucket number (time / bucketMs) each slot currently holds. */
  readonly #slots: number[];
  readonly #flagAt: number;
  readonly #clearBelow: number;
  #noisy = false;
  #total = 0;

  constructor(options: NoiseMeterOptions) {
    if (!(options.bytesPerMinute > 0) || !(options.windowMs > 0)) throw new TypeError("NoiseMeter: bytesPerMinute and windowMs must be positive");
    this.#bucketMs = options.bucketMs ?? Math.max(1, Math.round(options.windowMs / 10));
    const buckets = Math.max(1, Math.round(options.windowMs / this.#bucketMs));
    this.#counts = new Array<number>(buckets).fill(0);
    this.#slots = new Array<number>(buckets).fill(-1);
    // The threshold is the per-minute rate scaled to the window, never below 1 byte.
    this.#flagAt = Math.max(1, (options.bytesPerMinute * buckets * this.#bucketMs) / 60_000);
    this.#clearBelow = this.#flagAt / 4;
  }

  get noisy(): boolean {
    return this.#noisy;
  }

  /** Every noise byte ever counted. */
  get total(): number {
    return this.#total;
  }

  /** Noise bytes counted in the window ending at `now`. */
  inWindow(now: number): number {
    const current = Math.floor(now / this.#bucketMs);
    const oldest = current - this.#counts.length + 1;
    let sum = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      const slot = this.#slots[i]!;
      if (slot >= oldest && slot <= current) sum += this.#counts[i]!;
    }
    return sum;
  }

  /** Count `bytes` noise bytes at `now`. True when this made the port noisy. */
  add(bytes: number, now: number): boolean {
    if (bytes <= 0) return false;
    this.#total += bytes;
    const bucket = Math.floor(now / this.#bucketMs);
    const i = bucket % this.#counts.length;
    if (this.#slots[i] !== bucket) {
      this.#slots[i] = bucket;
      this.#counts[i] = 0;
    }
    this.#counts[i]! += bytes;
    if (this.#noisy || this.inWindow(now) < this.#flagAt) return false;
    this.#noisy = true;
    return true;
  }

  /** Re-judge at `now` (while noisy, the owner calls this on a timer). True when the port turned quiet. */
  settle(now: number): boolean {
    if (!this.#noisy || this.inWindow(now) >= this.#clearBelow) return false;
    this.#noisy = false;
    return true;
  }
}

/** A byte no AT response contains: a control other than TAB, CR and LF, DEL, or anything above 0x7E. */
function isNoise(b: number): boolean {
  return b > 0x7e || (b < 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a);
}

/**
 * Noise bytes in a chunk as it arrives from the port — counted here, not per line, so a
 * module spewing without line ends is seen at once instead of when its line finally ends.
 */
export function noiseInChunk(chunk: Uint8Array): number {
  let n = 0;
  for (const b of chunk) if (isNoise(b)) n++;
  return n;
}

/** Printable ASCII bytes (the part of an overlong line that noiseInChunk did not count). */
export function textBytes(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) if (b >= 0x20 && b <= 0x7e) n++;
  return n;
}

/** True when a received line holds a byte no AT response contains: it proves nothing about the module. */
export function isNoiseLine(line: string): boolean {
  return NON_TEXT.test(line);
}

const NON_TEXT = /[^\t\x20-\x7e]/;
