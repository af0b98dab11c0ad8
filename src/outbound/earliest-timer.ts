/**
 * One timer that fires at the EARLIEST time anyone asked for: arming a later time while an
 * earlier one is pending is a no-op, arming an earlier one moves it forward. The senders'
 * loops use it so a retry schedule, a batch window and a wake-up never stack timers.
 * Unref'd: pending retries alone must not keep an otherwise finished process alive.
 */
export class EarliestTimer {
  #timer: NodeJS.Timeout | undefined;
  #at = Infinity;

  constructor(
    private readonly fire: () => void,
    private readonly clock: () => number,
  ) {}

  arm(at: number): void {
    if (this.#timer && this.#at <= at) return;
    this.clear();
    this.#at = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#at = Infinity;
      this.fire();
    }, Math.max(0, at - this.clock()));
    this.#timer.unref();
  }

  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
