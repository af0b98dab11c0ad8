/**
 * The run/stop life of a background sender (PUSH_SMS, the v2 number list, addMessages), in
 * one place instead of a copy in each:
 *
 *   idle ──start()──▶ running ──stop()──▶ stopping ──▶ stopped
 *     └──────────────stop()─────────────────────────────▲
 *
 * - Steps (a pump, a flush, a push) run only while running: through a `WorkerTimer` (one
 *   per schedule, earliest time wins, as EarliestTimer) or a coalesced `kick` (a burst of
 *   kicks in one turn is one step, on the microtask queue). stop() clears every timer, and
 *   a kick or timer that fires later does nothing: no step starts after stop() began.
 * - A step that throws is a bug, not a reason to die: the worker logs it (one error line
 *   per run of consecutive failures, the rest at debug, so a step that fails every second
 *   does not flood the journal) and runs that step again `retryAfterErrorMs` later. Without
 *   the guard a throw in a timer or microtask would crash the daemon, and a throw before
 *   the step re-armed its own timer would leave the sender silent.
 * - Work that outlives a step (a request in flight) is `track`ed with the AbortController
 *   that cancels it. stop() waits for it up to `stopTimeoutMs` (an answer arriving within
 *   that grace is still recorded), then aborts what is left and waits for it to unwind, and
 *   marks the worker `closed`: from then on nothing is recorded (the store may be gone).
 *   When stop() resolves no step runs and nothing of the sender is in flight.
 */
import type { Logger } from "../log/logger.js";
import { EarliestTimer, REAL_TIMERS, type Timers } from "./earliest-timer.js";

export type WorkerState = "idle" | "running" | "stopping" | "stopped";

export interface WorkerOptions {
  /** Names the error lines ("PUSH_SMS"): `<name>: a step failed …`. */
  name: string;
  log: Logger;
  /** How long stop() waits for tracked work before aborting it. */
  stopTimeoutMs: number;
  clock?: () => number;
  /** Timers for the steps' schedules (tests drive them by hand with `clock`). The stop() grace always uses real time. */
  timers?: Timers;
  /** A step that threw runs again this much later (default 1 s). */
  retryAfterErrorMs?: number;
}

/** What a sender does at the edges of stop(). */
export interface StopHooks {
  /** Tracked work has settled (`finished`) or the grace ran out (then the rest is aborted next): record what came back. */
  afterGrace?(finished: boolean, stillInFlight: number): void;
  /** Everything tracked has settled or unwound after the abort; e.g. a last request of its own (bounded by the sender). */
  afterSettled?(): Promise<void> | void;
}

/** One schedule of a step, cleared by stop(). */
export interface WorkerTimer {
  /** Fire at `at` unless already due earlier. */
  arm(at: number): void;
  /** Fire at `at`, replacing whatever was pending. */
  set(at: number): void;
  clear(): void;
  /** Run the step now (synchronously), if the worker is running. */
  fireNow(): void;
}

const DEFAULT_RETRY_AFTER_ERROR_MS = 1_000;

export class Worker {
  readonly #o: Required<WorkerOptions>;
  #state: WorkerState = "idle";
  #closed = false;
  #stopping: Promise<void> | undefined;
  readonly #timers = new Set<EarliestTimer>();
  readonly #tracked = new Map<Promise<void>, AbortController | undefined>();
  /** Consecutive failed steps; the first of a run is logged at error. */
  #failures = 0;

  constructor(opts: WorkerOptions) {
    this.#o = { clock: Date.now, timers: REAL_TIMERS, retryAfterErrorMs: DEFAULT_RETRY_AFTER_ERROR_MS, ...opts };
  }

  get state(): WorkerState {
    return this.#state;
  }

  get running(): boolean {
    return this.#state === "running";
  }

  /** stop() is done with the sender's work: nothing may be recorded any more. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Tracked work in flight. */
  get inFlight(): number {
    return this.#tracked.size;
  }

  /** idle → running; false (and nothing changes) in any other state. */
  start(): boolean {
    if (this.#state !== "idle") return false;
    this.#state = "running";
    return true;
  }

  /** A schedule for `step`: earliest-wins timer, guarded, silent once the worker is not running. */
  timer(step: () => void): WorkerTimer {
    const run = (): void => {
      if (this.running && !this.#guard(step)) earliest.arm(this.#o.clock() + this.#o.retryAfterErrorMs);
    };
    const earliest = new EarliestTimer(run, () => this.#o.clock(), this.#o.timers);
    this.#timers.add(earliest);
    return {
      arm: (at) => {
        if (this.running) earliest.arm(at);
      },
      set: (at) => {
        earliest.clear();
        if (this.running) earliest.arm(at);
      },
      clear: () => earliest.clear(),
      fireNow: run,
    };
  }

  /** `kick()` runs `step` once on the microtask queue, however often it is called in one turn. */
  coalesced(step: () => void): () => void {
    let queued = false;
    const retry = this.timer(step);
    return () => {
      if (queued || !this.running) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        retry.fireNow();
      });
    };
  }

  /**
   * Work a step started that outlives it: stop() waits for it, and aborts `controller` when
   * the grace runs out. The returned promise never rejects: a rejection is a failed step.
   */
  track(work: Promise<unknown>, controller?: AbortController): Promise<void> {
    const settled: Promise<void> = work.then(
      () => {
        this.#tracked.delete(settled);
      },
      (err: unknown) => {
        this.#tracked.delete(settled);
        this.#failed(err);
      },
    );
    this.#tracked.set(settled, controller);
    return settled;
  }

  /** Stop the schedules, let tracked work settle (≤ stopTimeoutMs), abort the rest. Idempotent; a second call waits for the first. */
  stop(hooks: StopHooks = {}): Promise<void> {
    this.#stopping ??= this.#stop(hooks);
    return this.#stopping;
  }

  async #stop(hooks: StopHooks): Promise<void> {
    if (this.#state === "idle") {
      this.#state = "stopped";
      this.#closed = true;
      return;
    }
    this.#state = "stopping";
    for (const t of this.#timers) t.clear();
    let grace: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      Promise.all(this.#tracked.keys()).then(() => true),
      new Promise<false>((resolve) => {
        grace = setTimeout(() => resolve(false), this.#o.stopTimeoutMs);
      }),
    ]);
    clearTimeout(grace);
    hooks.afterGrace?.(finished, this.#tracked.size);
    if (!finished) {
      for (const controller of this.#tracked.values()) controller?.abort();
      // Aborted work unwinds now: what it settled before the abort (an SMS accepted earlier in the round) may still be recorded.
      await Promise.all(this.#tracked.keys());
    }
    this.#closed = true;
    await hooks.afterSettled?.();
    // A timer armed by work that settled during the wait must not fire afterwards.
    for (const t of this.#timers) t.clear();
    this.#state = "stopped";
  }

  /** Run a step; false when it threw (logged). */
  #guard(step: () => void): boolean {
    try {
      step();
    } catch (err) {
      this.#failed(err);
      return false;
    }
    this.#failures = 0;
    return true;
  }

  #failed(err: unknown): void {
    this.#failures++;
    const level = this.#failures === 1 ? "error" : "debug";
    this.#o.log[level]({ err, failures: this.#failures, event: "worker-step-failed" }, `${this.#o.name}: a step failed (a bug): the sender goes on and tries again in ${this.#o.retryAfterErrorMs} ms`);
  }
}
