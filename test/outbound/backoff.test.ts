/** Backoff: doubling from initialMs, capped, jittered downwards only, reset on success. */
import { describe, expect, it } from "vitest";
import { Backoff, CONFIG_BACKOFF, TRANSIENT_BACKOFF } from "../../src/outbound/index.js";

describe("Backoff", () => {
  it("doubles up to the cap and starts over after reset()", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(b.failures).toBe(6);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it("jitter shortens a delay by at most the jitter fraction", () => {
    expect(new Backoff({ initialMs: 1_000, maxMs: 1_000, random: () => 1 }).next()).toBe(800);
    expect(new Backoff({ initialMs: 1_000, maxMs: 1_000, jitter: 0.5, random: () => 1 }).next()).toBe(500);
    const r = new Backoff({ initialMs: 1_000, maxMs: 60_000 });
    for (let i = 0; i < 200; i++) {
      const d = r.next();
      expect(d).toBeGreaterThanOrEqual(800);
      expect(d).toBeLessThanOrEqual(60_000);
    }
  });

  it("stays finite after very many failures", () => {
    const b = new Backoff({ ...CONFIG_BACKOFF, random: () => 0 });
    let d = 0;
    for (let i = 0; i < 5_000; i++) d = b.next();
    expect(d).toBe(5 * 60_000);
  });

  it("uses ~1 s → 60 s for outages and 10 s → 5 min for configuration problems", () => {
    expect(TRANSIENT_BACKOFF).toEqual({ initialMs: 1_000, maxMs: 60_000 });
    expect(CONFIG_BACKOFF).toEqual({ initialMs: 10_000, maxMs: 300_000 });
    expect(() => new Backoff({ initialMs: 0, maxMs: 1 })).toThrow(/initialMs/);
  });
});
