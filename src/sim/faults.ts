/**
 * The fault switchboard of one modem: flip a field, the module misbehaves from the next
 * byte on. Dice come from the modem's own seeded PRNG so a failing test replays the same.
 */
import type { Rng } from "./rng.js";

export interface FaultState {
  latencyMs: number;
  dropReplyProbability: number;
  dropNextCount: number;
  garbageProbability: number;
  noiseBytesPerSecond: number;
  hang: boolean;
}

export class FaultSwitchboard {
  /** Delay before every command reply (echo stays immediate, as on a busy module). */
  latencyMs = 0;
  /** Chance (0..1) that a reply is swallowed (the command still takes effect). */
  dropReplyProbability = 0;
  /** Chance (0..1) that junk bytes come out in front of a reply. */
  garbageProbability = 0;
  /** The module stops answering (no echo, no replies, no URCs) until this is cleared or it is power-cycled. */
  hang = false;
  #dropNext = 0;
  #noiseBytesPerSecond = 0;
  #onNoiseChange: ((bytesPerSecond: number) => void) | undefined;

  constructor(private readonly rng: Rng) {}

  /**
   * Junk bytes the module spews on its own, per second, between and inside its replies (a
   * broken USB-UART bridge, a wrong baud rate, binary debug output); 0 = none. Unlike
   * `garbageProbability` it does not wait for a command: an idle port spews too.
   */
  get noiseBytesPerSecond(): number {
    return this.#noiseBytesPerSecond;
  }

  set noiseBytesPerSecond(value: number) {
    const rate = Number.isFinite(value) && value > 0 ? value : 0;
    if (rate === this.#noiseBytesPerSecond) return;
    this.#noiseBytesPerSecond = rate;
    this.#onNoiseChange?.(rate);
  }

  /** @internal The modem starts and stops its noise timer here. */
  onNoiseChange(listener: (bytesPerSecond: number) => void): void {
    this.#onNoiseChange = listener;
  }

  /** Swallow the next `n` replies. */
  dropNext(n = 1): void {
    this.#dropNext += n;
  }

  /** All faults off. */
  clear(): void {
    this.latencyMs = 0;
    this.dropReplyProbability = 0;
    this.garbageProbability = 0;
    this.noiseBytesPerSecond = 0;
    this.hang = false;
    this.#dropNext = 0;
  }

  /** @internal Decides (and consumes) whether this reply is dropped. */
  takeDrop(): boolean {
    if (this.#dropNext > 0) {
      this.#dropNext--;
      return true;
    }
    return this.dropReplyProbability > 0 && this.rng.next() < this.dropReplyProbability;
  }

  /** @internal Junk to put in front of a reply, or null. Never CR/LF, so it lands as its own garbled line. */
  takeGarbage(): Buffer | null {
    if (this.garbageProbability <= 0 || this.rng.next() >= this.garbageProbability) return null;
    return this.junk(this.rng.int(1, 8));
  }

  /** @internal `n` random bytes, never CR/LF: noise that does not cut a real reply's lines apart. */
  junk(n: number): Buffer {
    const junk = Buffer.alloc(n);
    for (let i = 0; i < junk.length; i++) {
      let b = this.rng.int(0, 255);
      if (b === 0x0d || b === 0x0a) b = 0xff;
      junk[i] = b;
    }
    return junk;
  }

  snapshot(): FaultState {
    return {
      latencyMs: this.latencyMs,
      dropReplyProbability: this.dropReplyProbability,
      dropNextCount: this.#dropNext,
      garbageProbability: this.garbageProbability,
      noiseBytesPerSecond: this.#noiseBytesPerSecond,
      hang: this.hang,
    };
  }
}
