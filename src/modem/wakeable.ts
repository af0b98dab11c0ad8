/**
 * A sleep that can be cut short: by `wake()` (a URC says something changed: poll now) or
 * by `abort()` (the session is stopping: return at once, and every later sleep too).
 */
export class Wakeable {
  #wakers = new Set<() => void>();
  #aborted = false;
  #pendingWake = false;

  sleep(ms: number): Promise<void> {
    if (this.#aborted) return Promise.resolve();
    if (this.#pendingWake) {
      // A wake that came while we were busy is not lost.
      this.#pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }

  wake(): void {
    if (this.#wakers.size === 0) {
      this.#pendingWake = true;
      return;
    }
    for (const w of [...this.#wakers]) w();
  }

  abort(): void {
    this.#aborted = true;
    for (const w of [...this.#wakers]) w();
  }
}
