/**
 * One timer that fires at the EARLIEST time anyone asked for: arming a later time while an
 * earlier one is pending is a no-op, arming an earlier one moves it forward. The senders'
 * loops use it so a retry schedule, a batch window and a wake-up never stack timers.
 * Unref'd: pending retries alone must not keep an otherwise finished process alive.
 */

/** Where timers come from: the real ones, or a test's hand-driven clock. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class EarliestTimer {
  #timer: unknown;
  #at = Infinity;

  constructor(
    private readonly fire: () => void,
    private readonly clock: () => number,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  arm(at: number): void {
    if (this.#timer && this.#at <= at) return;
    this.clear();
    this.#at = at;
    this.#timer = this.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#at = Infinity;
      this.fire();
    }, Math.max(0, at - this.clock()));
  }

  clear(): void {
    if (this.#timer) this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
