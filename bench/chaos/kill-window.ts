/**
 * When a duplicate is a kill's doing. A PUSH_SMS that Onlinesim accepted is sent again by
 * the restarted daemon only if the killed one had not recorded the answer yet: the push
 * reached Onlinesim shortly before the kill (its answer still on the way back, or read and
 * not yet committed). Pure functions over times, so the rule is unit-tested
 * (test/chaos/kill-window.test.ts) apart from the campaign that applies it.
 */

/**
 * A push belongs to the daemon generation that was alive when it reached Onlinesim; one
 * arriving less than AFTER_KILL_MS after a kill is still the killed one's (its last bytes
 * crossing the front door): no restarted daemon is up that fast (downtime ≥ 200 ms, plus
 * its start).
 */
export const AFTER_KILL_MS = 150;
/** Time for the daemon to read an answer and commit it, generous: the machine is loaded. */
export const RECORD_GRACE_MS = 1_000;

export class KillWindows {
  /** @param killTimes kill moments, ascending; @param answerDelayMs the network's delay on the way back */
  constructor(
    private readonly killTimes: readonly number[],
    private readonly answerDelayMs: number,
  ) {}

  /** The push reaching Onlinesim at `at` was in flight when a kill at `killAt` landed. */
  inFlight(at: number, killAt: number): boolean {
    return killAt - this.answerDelayMs - RECORD_GRACE_MS <= at && at < killAt + AFTER_KILL_MS;
  }

  /** Index of the daemon generation (0 = the first start) that made a push arriving at `at`. */
  generationAt(at: number): number {
    return this.killTimes.filter((k) => k + AFTER_KILL_MS <= at).length;
  }

  /**
   * All pushes of one SMS (arrival times, ascending) are explained by kills: each but the
   * last was in flight when its daemon was killed, and the next came from a later daemon.
   * Two pushes by one process, or a resend of an SMS delivered long before a kill, are not.
   */
  explains(pushes: readonly number[]): boolean {
    return pushes.slice(0, -1).every((at, i) => {
      const g = this.generationAt(at);
      const kill = this.killTimes[g];
      return kill !== undefined && this.inFlight(at, kill) && this.generationAt(pushes[i + 1]!) > g;
    });
  }
}
