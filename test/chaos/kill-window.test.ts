/**
 * The rule the kill campaign judges duplicates by (bench/chaos/kill-window.ts): a resend is
 * a kill's doing only if the first push reached Onlinesim just before that kill and the
 * resend came from the daemon started after it.
 */
import { describe, expect, it } from "vitest";
import { AFTER_KILL_MS, KillWindows, RECORD_GRACE_MS } from "../../bench/chaos/kill-window.js";

const KILLS = [10_000, 20_000, 30_000];
const w = new KillWindows(KILLS, 100);

describe("duplicates explained by kills", () => {
  it("a push accepted while its answer was on the way back, resent by the next daemon, is explained", () => {
    expect(w.explains([9_950, 12_000])).toBe(true);
    // Read but not yet committed: within the grace after the answer's arrival.
    expect(w.explains([10_000 - 100 - RECORD_GRACE_MS, 12_000])).toBe(true);
    // Its last bytes crossed the front door just after the kill.
    expect(w.explains([10_000 + AFTER_KILL_MS - 1, 12_000])).toBe(true);
  });

  it("two pushes by one process are not, however close to a kill", () => {
    expect(w.explains([9_900, 9_950])).toBe(false);
    expect(w.explains([12_000, 13_000])).toBe(false);
  });

  it("a resend of an SMS delivered long before the kill is not", () => {
    expect(w.explains([5_000, 12_000])).toBe(false);
    expect(w.explains([10_000 - 100 - RECORD_GRACE_MS - 1, 12_000])).toBe(false);
  });

  it("a push after the last kill has no kill to explain its resend", () => {
    expect(w.explains([30_500, 31_000])).toBe(false);
  });

  it("three pushes need a kill behind each resend", () => {
    expect(w.explains([9_950, 19_950, 21_000])).toBe(true);
    expect(w.explains([9_950, 12_000, 12_500])).toBe(false);
  });

  it("counts generations from the kills", () => {
    expect([0, 10_000 + AFTER_KILL_MS - 1, 10_000 + AFTER_KILL_MS, 25_000, 40_000].map((t) => w.generationAt(t))).toEqual([0, 0, 1, 2, 3]);
  });
});
