/**
 * Timers, pauses and in-flight work of a fake marketplace's buyer, all cut short by one
 * stop(): once stop() resolved nothing is scheduled, sleeping or in flight, so a test that
 * stopped the fake can assert on its counters without a race. (The fake Onlinesim's buyer
 * has the same few lines inside its class; this is the shared shape for new fakes.)
 */
export class Scheduler {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sleepers = new Set<() => void>();
  readonly #inflight = new Set<Promise<unknown>>();
  #stopped = false;

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Nothing scheduled, sleeping or in flight. */
  get idle(): boolean {
    return this.#timers.size === 0 && this.#sleepers.size === 0 && this.#inflight.size === 0;
  }

  after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    if (this.#stopped) this.clear(t);
    return t;
  }

  clear(t: NodeJS.Timeout | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.#timers.delete(t);
  }

  /** Run `run` now (or after the first period), then again `everyMs()` after each run settles. */
  loop(everyMs: () => number, run: () => Promise<unknown>, immediately: boolean): void {
    const tick = (): void => {
      void this.track(run).finally(() => {
        if (!this.#stopped) this.after(everyMs(), tick);
      });
    };
    if (immediately) tick();
    else this.after(everyMs(), tick);
  }

  /** A pause that stop() ends at once. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.#sleepers.delete(wake);
        resolve();
      };
      this.#sleepers.add(wake);
      if (this.#stopped) wake();
      else this.after(ms, wake);
    });
  }

  /** Count `fn` as in flight until it settles (stop() waits for it). */
  track<T>(fn: () => Promise<T>): Promise<T> {
    const p = fn();
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Cancel every timer, wake every sleeper, then wait for what is in flight (`abort` first cuts requests short). */
  async stop(abort?: () => void): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const wake of [...this.#sleepers]) wake();
    abort?.();
    await Promise.allSettled([...this.#inflight]);
  }
}
