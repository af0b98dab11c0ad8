/**
 * The v2 number list (docs/protocols/onlinesim-v2.md#the-number-list, Q19–Q24): tell Onlinesim which numbers are live, at start,
 * every v2.sendNumbersOnlineMs ± jitterMs (liveness; measured from the last accepted push),
 * and soon after any change.
 *
 * Withdrawal first. Listing a number that is not live gets the account blocked for 30 min
 * (docs/protocols/onlinesim-v2.md#sendnumbersonline), while listing a live number late only loses a sale. So:
 *  - a change that REMOVES a number is pushed after `withdrawDelayMs` (default
 *    min(debounceMs, 200 ms): enough to coalesce a hub whose ports vanish together);
 *  - any other change is pushed after v2.debounceMs;
 *  - the deadline is set by the first unpushed change and never postponed by later ones
 *    (a flapping port cannot starve the push);
 *  - a failed push is retried with backoff from 1 s, capped at 5 s while Onlinesim may still
 *    list a number we withdrew, 60 s otherwise; key/IP/account errors back off to 5 min;
 *  - stop() withdraws everything (an empty list) unless `withdrawOnStop: false`: a stopped
 *    daemon's numbers are not live.
 * One request at a time; a change during a request is pushed right after it.
 *
 * v2.incremental: after the first full list, changes go out as removeNumber / addNumber
 * diffs and the periodic tick is checkWork (docs/protocols/onlinesim-v2.md#the-number-list, payloads [U], schemas.ts [I] forms).
 * Any failed diff call falls back to a full sendNumbersOnline; a method Onlinesim does not
 * know (REQUEST_NOT_FOUND) switches this publisher to full lists for good.
 */
import type { Logger } from "../log/logger.js";
import type { V2Number } from "../onlinesim/schemas.js";
import { describeV2Failure, type V2Client, type V2Failure, type V2Method } from "./v2-client.js";
import { buildNumberList, numberKey, toAddNumber, type LiveNumber, type V2Config } from "./v2-payload.js";
import { Backoff, CONFIG_BACKOFF, TRANSIENT_BACKOFF, Worker, type WorkerTimer } from "../worker/index.js";

export interface NumbersOnlineOptions {
  client: V2Client;
  v2: V2Config;
  source: () => LiveNumber[];
  logger: Logger;
  clock?: () => number;
  random?: () => number;
  /** Delay before pushing a change that removes numbers (default min(debounceMs, 200)). */
  withdrawDelayMs?: number;
  /** Retry cap while a withdrawal is not yet accepted (default 5 s). */
  withdrawRetryMaxMs?: number;
  /** Push an empty list on stop() (default true). */
  withdrawOnStop?: boolean;
  /** Bound on stop() (default 3 s). */
  stopTimeoutMs?: number;
}

export interface NumbersOnlineStats {
  /** Accepted pushes (full lists and completed diffs). */
  pushes: number;
  failures: number;
  /** Accepted checkWork pings (incremental mode). */
  checkWorks: number;
  lastPushAt: number | null;
  lastAcceptedCount: number | null;
  lastError: string | null;
  mode: "full" | "incremental";
  /** Onlinesim may still list a number that is no longer live. */
  withdrawalPending: boolean;
}

export class NumbersOnlinePublisher {
  readonly #o: Required<Omit<NumbersOnlineOptions, "withdrawDelayMs">> & { withdrawDelayMs: number };
  readonly #log: Logger;
  readonly #transient: Backoff;
  readonly #config: Backoff;
  /** Run/stop, the two timers, the request in flight (worker.ts). */
  readonly #worker: Worker;
  /** A change to push: armed by the first unpushed change, never postponed by later ones. */
  readonly #changeTimer: WorkerTimer;
  /** The periodic liveness push, or a retry after a failure. */
  readonly #forceTimer: WorkerTimer;
  #mode: "full" | "incremental";
  /** What Onlinesim accepted last, by number; null before the first accepted push. */
  #accepted: Map<string, V2Number> | null = null;
  #acceptedKey: string | null = null;
  #ids: Record<string, number> = {};
  #inFlight: Promise<void> | null = null;
  /** Asked for while a request was in flight: "forced" beats "change". */
  #after: "forced" | "change" | null = null;
  readonly #warnedSkipped = new Set<string>();
  #warnedUnconfigured = false;
  #stats = { pushes: 0, failures: 0, checkWorks: 0, lastPushAt: null as number | null, lastAcceptedCount: null as number | null, lastError: null as string | null };

  constructor(opts: NumbersOnlineOptions) {
    this.#o = {
      clock: Date.now,
      random: Math.random,
      withdrawRetryMaxMs: 5_000,
      withdrawOnStop: true,
      stopTimeoutMs: 3_000,
      ...opts,
      withdrawDelayMs: opts.withdrawDelayMs ?? Math.min(opts.v2.debounceMs, 200),
    };
    this.#mode = opts.v2.incremental ? "incremental" : "full";
    this.#log = opts.logger.child({ component: "numbers-online" });
    this.#transient = new Backoff({ ...TRANSIENT_BACKOFF, random: this.#o.random });
    this.#config = new Backoff({ ...CONFIG_BACKOFF, random: this.#o.random });
    this.#worker = new Worker({ name: "sendNumbersOnline", log: this.#log, stopTimeoutMs: this.#o.stopTimeoutMs, clock: this.#o.clock });
    this.#changeTimer = this.#worker.timer(() => this.#run(false));
    this.#forceTimer = this.#worker.timer(() => this.#run(true));
  }

  /** Push the full list now, then every sendNumbersOnlineMs ± jitterMs. */
  start(): void {
    if (this.#worker.start()) this.#forceTimer.fireNow();
  }

  /** The live set may have changed: push the full list soon if it differs from the accepted one. */
  changed(): void {
    if (!this.#worker.running) return;
    const current = this.#build(false);
    if (!current) return;
    if (this.#keyOf(current) === this.#acceptedKey && !this.#inFlight) return;
    const removes = this.#removesFromAccepted(current);
    this.#armChange(removes ? this.#o.withdrawDelayMs : this.#o.v2.debounceMs);
  }

  /** Stop timers, let a request in flight finish (≤ stopTimeoutMs, else abort it), withdraw the list (bounded), and return. */
  stop(): Promise<void> {
    // A push in flight (maybe a withdrawal) is worth a short wait; a hanging one is cut off.
    return this.#worker.stop({
      afterSettled: async () => {
        if (this.#o.withdrawOnStop && this.#o.client.configured && this.#accepted && this.#accepted.size > 0) await this.#withdrawAll();
      },
    });
  }

  stats(): NumbersOnlineStats {
    return { ...this.#stats, mode: this.#mode, withdrawalPending: this.#withdrawalPending() };
  }

  /** number ("+…") → Onlinesim id from the last answers (docs/protocols/onlinesim-v2.md#sendnumbersonline `ids`, Q22). */
  ids(): Readonly<Record<string, number>> {
    return this.#ids;
  }

  // ---------- scheduling ----------

  /** Never postpones an earlier deadline (a flapping port cannot starve the push). */
  #armChange(delayMs: number): void {
    this.#changeTimer.arm(this.#o.clock() + delayMs);
  }

  /** The next forced push: the periodic liveness push, or a retry after a failure. */
  #armForced(delayMs: number): void {
    this.#forceTimer.set(this.#o.clock() + delayMs);
  }

  #armPeriodic(): void {
    const { sendNumbersOnlineMs, jitterMs } = this.#o.v2;
    this.#armForced(Math.max(1, Math.round(sendNumbersOnlineMs + (this.#o.random() * 2 - 1) * jitterMs)));
  }

  // ---------- one push ----------

  #run(forced: boolean): void {
    if (!this.#worker.running) return;
    if (this.#inFlight) {
      this.#after = forced || this.#after === "forced" ? "forced" : "change";
      return;
    }
    if (!this.#o.client.configured) {
      if (!this.#warnedUnconfigured) this.#log.warn("onlinesim.v2.baseUrl not set: the number list is not sent to Onlinesim");
      this.#warnedUnconfigured = true;
      return;
    }
    const numbers = this.#build(true);
    if (!numbers) {
      this.#armForced(this.#transient.next());
      return;
    }
    if (!forced && this.#keyOf(numbers) === this.#acceptedKey) return;
    // A forced push replaces any pending change push: it sends the current list anyway.
    this.#changeTimer.clear();
    const controller = new AbortController();
    const work = this.#mode === "incremental" && this.#accepted ? this.#pushIncremental(numbers, forced, controller.signal) : this.#pushFull(numbers, controller.signal);
    this.#inFlight = work
      .catch((err: unknown) => {
        // Only a bug gets here (the client never throws); keep the loop alive with a retry.
        this.#failed("sendNumbersOnline", { ok: false, kind: "transient", status: null, error: String(err) }, false);
      })
      .finally(() => {
        this.#inFlight = null;
        const after = this.#after;
        this.#after = null;
        if (after) (after === "forced" ? this.#forceTimer : this.#changeTimer).fireNow();
      });
    void this.#worker.track(this.#inFlight, controller);
  }

  async #pushFull(numbers: V2Number[], signal: AbortSignal): Promise<void> {
    // Urgent when this list withdraws something, or before the first accepted push (after a
    // crash Onlinesim may still hold the previous process's list, live or not).
    const urgent = this.#accepted === null || this.#withdrawalPending(numbers);
    const r = await this.#o.client.sendNumbersOnline(numbers, signal);
    if (r.ok) this.#acceptedList(numbers, r, "sendNumbersOnline");
    else this.#failed("sendNumbersOnline", r, urgent);
  }

  async #pushIncremental(numbers: V2Number[], forced: boolean, signal: AbortSignal): Promise<void> {
    const accepted = this.#accepted ?? new Map<string, V2Number>();
    const now = new Map(numbers.map((n) => [n.number, n]));
    const removed = [...accepted.keys()].filter((n) => !now.has(n));
    const added = numbers.filter((n) => {
      const before = accepted.get(n.number);
      return !before || numberKey(before) !== numberKey(n);
    });
    if (removed.length === 0 && added.length === 0) {
      if (!forced) return;
      const r = await this.#o.client.checkWork(signal);
      if (r.ok) {
        this.#stats.checkWorks++;
        this.#succeeded();
        return;
      }
      if (r.kind === "aborted") return;
      this.#log.warn({ error: r.error }, `${describeV2Failure("checkWork", r)}; sending the full list instead`);
      if (r.kind === "not-found") this.#toFullMode("checkWork");
      return this.#pushFull(numbers, signal);
    }
    const ids: Record<string, number> = {};
    // Withdrawals first (docs/protocols/onlinesim-v2.md#sendnumbersonline: a listed number that is not live blocks the account).
    for (const number of removed) {
      const r = await this.#o.client.removeNumber(number, signal);
      if (!r.ok) return this.#diffFailed("removeNumber", r, numbers, signal);
    }
    for (const n of added) {
      const r = await this.#o.client.addNumber(toAddNumber(n), signal);
      if (!r.ok) return this.#diffFailed("addNumber", r, numbers, signal);
      Object.assign(ids, r.ids);
    }
    this.#acceptedList(numbers, { ids }, "diff", { added: added.length, removed: removed.length });
  }

  async #diffFailed(method: V2Method, r: V2Failure, numbers: V2Number[], signal: AbortSignal): Promise<void> {
    if (r.kind === "aborted") return;
    this.#log.warn({ error: r.error }, `${describeV2Failure(method, r)}; falling back to a full sendNumbersOnline`);
    if (r.kind === "not-found") this.#toFullMode(method);
    await this.#pushFull(numbers, signal);
  }

  #toFullMode(method: V2Method): void {
    if (this.#mode === "full") return;
    this.#mode = "full";
    this.#log.warn(`Onlinesim does not know ${method}: using full sendNumbersOnline lists from now on (set onlinesim.v2.incremental=false)`);
  }

  #acceptedList(numbers: V2Number[], r: { ids: Record<string, number> }, how: "sendNumbersOnline" | "diff", diff?: { added: number; removed: number }): void {
    const before = this.#accepted;
    this.#accepted = new Map(numbers.map((n) => [n.number, n]));
    this.#acceptedKey = this.#keyOf(numbers);
    this.#ids = how === "sendNumbersOnline" ? { ...r.ids } : { ...this.#ids, ...r.ids };
    this.#stats.pushes++;
    this.#stats.lastAcceptedCount = numbers.length;
    const changed = before === null || before.size !== numbers.length || diff !== undefined;
    this.#log[changed ? "info" : "debug"]({ count: numbers.length, how, ...diff }, `Onlinesim lists ${numbers.length} number(s)`);
    this.#succeeded();
  }

  #succeeded(): void {
    this.#stats.lastPushAt = this.#o.clock();
    this.#transient.reset();
    this.#config.reset();
    if (this.#worker.running) this.#armPeriodic();
  }

  /** `withdrawal`: Onlinesim may list a number that is not live until this succeeds. */
  #failed(method: V2Method, r: V2Failure, withdrawal: boolean): void {
    if (r.kind === "aborted" || r.kind === "unconfigured") return;
    this.#stats.failures++;
    this.#stats.lastError = `${method}: ${r.error}`;
    // Key/IP/account problems and a wrong base URL cannot be fixed by hammering.
    const slow = r.kind === "config" || r.kind === "not-found";
    let wait = slow ? this.#config.next() : this.#transient.next();
    if (!slow && withdrawal) wait = Math.min(wait, this.#o.withdrawRetryMaxMs);
    const line = `${describeV2Failure(method, r)}; retrying in ${(wait / 1000).toFixed(1)} s${withdrawal ? " (Onlinesim may still list a number that is not live)" : ""}`;
    this.#log[slow || withdrawal ? "error" : "warn"]({ method, kind: r.kind, error: r.error, retryInMs: wait }, line);
    if (this.#worker.running) this.#armForced(wait);
  }

  async #withdrawAll(): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#o.stopTimeoutMs);
    try {
      const r = await this.#o.client.sendNumbersOnline([], controller.signal);
      if (r.ok) {
        this.#accepted = new Map();
        this.#acceptedKey = this.#keyOf([]);
        this.#stats.lastAcceptedCount = 0;
        this.#log.info("stopping: withdrew every number from Onlinesim");
      } else {
        this.#stats.lastError = `sendNumbersOnline (withdraw on stop): ${r.error}`;
        this.#log.error({ error: r.error }, `stopping: could not withdraw the number list (${r.error}); Onlinesim may list numbers that are not live until the next start`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------- the list ----------

  /** The current list, or null when the source threw (logged). */
  #build(warnSkipped: boolean): V2Number[] | null {
    let live: LiveNumber[];
    try {
      live = this.#o.source();
    } catch (err) {
      this.#stats.lastError = `source: ${err instanceof Error ? err.message : String(err)}`;
      this.#log.error({ err }, "could not read the live numbers");
      return null;
    }
    const { numbers, skipped } = buildNumberList(live, this.#o.v2.operatorDigits);
    if (warnSkipped) {
      for (const s of skipped) {
        if (this.#warnedSkipped.has(s.number + s.reason)) continue;
        this.#warnedSkipped.add(s.number + s.reason);
        this.#log.warn({ number: s.number, reason: s.reason }, `number ${s.number} left out of the Onlinesim list: ${s.reason}`);
      }
    }
    return numbers;
  }

  #keyOf(numbers: V2Number[]): string {
    return JSON.stringify(numbers.map(numberKey));
  }

  #removesFromAccepted(current: V2Number[]): boolean {
    if (!this.#accepted) return false;
    const now = new Set(current.map((n) => n.number));
    for (const n of this.#accepted.keys()) if (!now.has(n)) return true;
    return false;
  }

  /** Onlinesim may list a number that `current` (default: the live set now) lacks. */
  #withdrawalPending(current?: V2Number[]): boolean {
    if (!this.#accepted || this.#accepted.size === 0) return false;
    const list = current ?? this.#build(false);
    return list ? this.#removesFromAccepted(list) : false;
  }
}
