/**
 * A sleep that can be cut short: by `wake()` (a URC says something changed: poll now) or
 * by `abort()` (the session is stopping: return at once, and every later sleep too).
 * `sleep` resolves true when a wake ended it, so the caller knows why it is awake.
 */
export class Wakeable {
  #wakers = new Set<(woken: boolean) => void>();
  #aborted = false;
  #pendingWake = false;

  sleep(ms: number): Promise<boolean> {
    if (this.#aborted) return Promise.resolve(false);
    if (this.#pendingWake) {
      // A wake that came while we were busy is not lost.
      this.#pendingWake = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      this.#wakers.add(done);
    });
  }

  wake(): void {
    if (this.#wakers.size === 0) {
      this.#pendingWake = true;
      return;
    }
    for (const w of [...this.#wakers]) w(true);
  }

  abort(): void {
    this.#aborted = true;
    for (const w of [...this.#wakers]) w(false);
  }
}
