/**
 * Exponential backoff with a cap and jitter: delay n is min(cap, initial · factor^n) scaled
 * by a random factor in [1 - jitter, 1] (or [1, 1 + jitter] with `jitterUp`, for a delay
 * that must never be shorter than `initial`, e.g. Onlinesim's 10 s between two attempts of
 * one SMS). The jitter keeps several hosts (or several loops of one host) from retrying in
 * lock-step.
 */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Default 2. */
  factor?: number;
  /** Fraction of the delay that is random, 0..1 (default 0.2: delays in [0.8·d, d]). */
  jitter?: number;
  /** Jitter adds instead of subtracting: delays in [d, (1 + jitter)·d]. Default false. */
  jitterUp?: boolean;
  random?: () => number;
}

/** Configuration problems (bad key, IP not allowed, account blocked): retrying fast cannot help. */
export const CONFIG_BACKOFF = { initialMs: 10_000, maxMs: 5 * 60_000 } as const;
/** 5xx, timeouts, refused connections: usually short outages. */
export const TRANSIENT_BACKOFF = { initialMs: 1_000, maxMs: 60_000 } as const;

export class Backoff {
  #failures = 0;
  readonly #opts: Required<BackoffOptions>;

  constructor(opts: BackoffOptions) {
    if (!(opts.initialMs > 0) || opts.maxMs < opts.initialMs) throw new Error(`backoff: need 0 < initialMs <= maxMs (got ${opts.initialMs}, ${opts.maxMs})`);
    this.#opts = { factor: 2, jitter: 0.2, jitterUp: false, random: Math.random, ...opts };
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Record a failure and return how long to wait before the next try. */
  next(): number {
    const { initialMs, maxMs, factor, jitter, jitterUp, random } = this.#opts;
    // The exponent is capped so factor^n never overflows to Infinity after many failures.
    const raw = Math.min(maxMs, initialMs * factor ** Math.min(this.#failures, 60));
    this.#failures++;
    const r = jitter * Math.min(1, Math.max(0, random()));
    const scale = jitterUp ? 1 + r : 1 - r;
    return Math.max(1, Math.round(raw * scale));
  }

  /** A success: the next failure starts from initialMs again. */
  reset(): void {
    this.#failures = 0;
  }
}
