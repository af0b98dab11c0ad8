/** Per-test clean-up for the store tests (vitest only: the crash children import helpers.ts, not this). */
import { afterEach } from "vitest";
import { tempStateDir } from "./helpers.js";

/**
 * Clean-ups run after each test of the calling file, newest first (a store opened in a
 * directory closes before the directory goes); `stateDir()` makes a temporary state
 * directory removed with them.
 */
export function perTestCleanup(): { stateDir(): string; defer(fn: () => void): void } {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });
  return {
    stateDir: () => {
      const t = tempStateDir();
      cleanups.push(t.cleanup);
      return t.dir;
    },
    defer: (fn) => void cleanups.push(fn),
  };
}
