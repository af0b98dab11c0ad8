/**
 * PUSH_SMS delivery from the durable outbox (§2.7, §2.8, Q12–Q16).
 *
 * Loop: `wake()` (a row was just queued) or a timer (a retry came due) schedules one
 * pump on the microtask queue, so a burst of wakes in one turn is one pump and a single
 * SMS goes out in the same event-loop turn it was queued — no polling delay. A pump reads
 * the due rows (one indexed SELECT, no write), starts up to `concurrency` POSTs for rows
 * not already in flight, and arms one timer for the next retry. Nothing is written before
 * a POST; each answer costs exactly one committed UPDATE (markDelivered / markAttempt /
 * markGaveUp), so the hot path fsyncs once per SMS, after Onlinesim answered.
 *
 * Verdicts (push-sms-payload.ts): delivered → markDelivered; a terminal token
 * (push.terminalErrors) → markGaveUp; anything else → markAttempt, next try after
 * push.retryMs (Onlinesim's documented 10 s). A row whose activation closed more than
 * push.giveUpAfterCloseMs ago is given up ("expired") instead of being sent again.
 * Key/IP/account errors (config-errors.ts) pause the whole sender with a backoff capped at
 * 5 min and a loud error log; after the pause one row goes out alone as a probe.
 *
 * Delivery is at-least-once: a POST that Onlinesim accepted but whose answer never
 * arrived (timeout, stop() cutting it short, crash before markDelivered) is sent again.
 */
import type { Logger } from "../log/logger.js";
import type { DueDelivery, DueFilter, OutboxRepository } from "../store/outbox.js";
import { EarliestTimer } from "./earliest-timer.js";
import { Backoff, CONFIG_BACKOFF } from "./backoff.js";
import { CONFIG_ERROR_REMEDIES } from "./config-errors.js";
import { requestJson, type FetchFn } from "./http.js";
import { buildPushSms, classifyPushAnswer, isRentService, type PushConfig, type PushVerdict } from "./push-sms-payload.js";

export interface PushSmsSenderOptions {
  outbox: OutboxRepository;
  key: string;
  /** url/rentUrl unset → those rows stay queued (logged once at warn). */
  push: PushConfig;
  logger: Logger;
  fetch?: FetchFn;
  clock?: () => number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** POSTs in flight at once (default 8). A row is never in flight twice. */
  concurrency?: number;
  /** How long stop() waits for in-flight POSTs before aborting them (default 3 s). */
  stopTimeoutMs?: number;
  random?: () => number;
}

export interface PushSmsStats {
  delivered: number;
  failedAttempts: number;
  gaveUp: number;
  pending: number;
  oldestPendingAgeMs: number | null;
  lastError: string | null;
  inFlight: number;
  /** Epoch ms until which a key/IP/account error pauses sending, or null. */
  pausedUntil: number | null;
}

type State = "idle" | "running" | "stopping" | "stopped";

export class PushSmsSender {
  readonly #o: Required<Omit<PushSmsSenderOptions, "fetch">> & { fetch: FetchFn };
  readonly #terminal: ReadonlySet<string>;
  readonly #log: Logger;
  readonly #configBackoff: Backoff;
  #state: State = "idle";
  /** stop() has given up waiting: answers that still arrive are not recorded. */
  #closed = false;
  #pumpQueued = false;
  readonly #timer = new EarliestTimer(() => this.#schedulePump(), () => this.#o.clock());
  readonly #inFlight = new Map<number, Promise<void>>();
  readonly #controllers = new Set<AbortController>();
  #pausedUntil = 0;
  /** After a config pause: one row at a time until an answer that is not a config error. */
  #probing = false;
  readonly #warnedUnconfigured = new Set<"sms" | "rent">();
  readonly #counts = { delivered: 0, failedAttempts: 0, gaveUp: 0 };
  #lastError: string | null = null;

  constructor(opts: PushSmsSenderOptions) {
    this.#o = {
      timeoutMs: 10_000,
      concurrency: 8,
      stopTimeoutMs: 3_000,
      clock: Date.now,
      random: Math.random,
      ...opts,
      fetch: opts.fetch ?? fetch,
    };
    this.#terminal = new Set(opts.push.terminalErrors);
    this.#log = opts.logger.child({ component: "push-sms" });
    this.#configBackoff = new Backoff({ ...CONFIG_BACKOFF, random: this.#o.random });
  }

  /** Begin delivering everything due, including rows left from before a restart. */
  start(): void {
    if (this.#state !== "idle") return;
    this.#state = "running";
    this.#warnUnconfigured();
    this.#schedulePump();
  }

  /** A new outbox row exists: deliver now. Wakes within one turn coalesce into one pump. */
  wake(): void {
    if (this.#state !== "running") return;
    if (this.#warnedUnconfigured.size < 2 && (!this.#o.push.url || !this.#o.push.rentUrl)) this.#warnUnconfigured();
    this.#schedulePump();
  }

  /** Stop timers, let in-flight POSTs settle (≤ stopTimeoutMs), then abort the rest. Nothing is marked after this resolves. */
  async stop(): Promise<void> {
    if (this.#state === "stopped" || this.#state === "stopping") return;
    if (this.#state === "idle") {
      this.#state = "stopped";
      return;
    }
    this.#state = "stopping";
    this.#timer.clear();
    const settled = Promise.allSettled([...this.#inFlight.values()]).then(() => true);
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<false>((resolve) => {
      graceTimer = setTimeout(() => resolve(false), this.#o.stopTimeoutMs);
    });
    const finished = await Promise.race([settled, grace]);
    clearTimeout(graceTimer);
    this.#closed = true;
    if (!finished) {
      this.#log.warn({ inFlight: this.#inFlight.size }, "PUSH_SMS still in flight at stop: aborted, they stay queued and go out again after restart");
      for (const c of this.#controllers) c.abort();
      await Promise.allSettled([...this.#inFlight.values()]);
    }
    this.#state = "stopped";
  }

  stats(): PushSmsStats {
    let pending = 0;
    let oldestPendingAgeMs: number | null = null;
    try {
      pending = this.#o.outbox.pendingCount();
      oldestPendingAgeMs = this.#o.outbox.oldestPendingAgeMs(this.#o.clock());
    } catch {
      // The store may be closed already (after stop()); the counters below are still meaningful.
    }
    const now = this.#o.clock();
    return {
      ...this.#counts,
      pending,
      oldestPendingAgeMs,
      lastError: this.#lastError,
      inFlight: this.#inFlight.size,
      pausedUntil: this.#pausedUntil > now ? this.#pausedUntil : null,
    };
  }

  // ---------- the loop ----------

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  /** Which rows have a URL to go to; null = none. */
  #filter(): DueFilter | null {
    const { url, rentUrl } = this.#o.push;
    if (url && rentUrl) return {};
    if (url) return { rent: false };
    if (rentUrl) return { rent: true };
    return null;
  }

  #pump(): void {
    if (this.#state !== "running") return;
    const filter = this.#filter();
    if (!filter) return; // nothing configured: rows stay queued (warned at start)
    const now = this.#o.clock();
    if (now < this.#pausedUntil) {
      this.#armTimer(this.#pausedUntil);
      return;
    }
    const slots = (this.#probing ? 1 : this.#o.concurrency) - this.#inFlight.size;
    if (slots > 0) {
      let rows: DueDelivery[];
      try {
        rows = this.#o.outbox.due(now, slots + this.#inFlight.size, filter);
      } catch (err) {
        this.#storeError("reading the outbox", err);
        return;
      }
      let started = 0;
      for (const row of rows) {
        if (started >= slots) break;
        if (this.#inFlight.has(row.id)) continue;
        if (this.#expired(row, now)) {
          this.#giveUp(row, `expired: activation ${row.activationId} closed more than ${this.#o.push.giveUpAfterCloseMs} ms ago${row.lastError ? ` (last error: ${row.lastError})` : ""}`, now);
          continue;
        }
        this.#send(row);
        started++;
      }
    }
    // Rows due now are in flight or wait for a slot (a settle re-pumps); the timer is for later retries.
    try {
      const next = this.#o.outbox.nextDueAfter(now, filter);
      if (next !== null) this.#armTimer(next);
    } catch (err) {
      this.#storeError("reading the outbox", err);
    }
  }

  #expired(row: DueDelivery, now: number): boolean {
    return row.closedAt !== null && now - row.closedAt > this.#o.push.giveUpAfterCloseMs;
  }

  #send(row: DueDelivery): void {
    const controller = new AbortController();
    this.#controllers.add(controller);
    const done = this.#deliver(row, controller.signal).finally(() => {
      this.#controllers.delete(controller);
      this.#inFlight.delete(row.id);
      this.#schedulePump();
    });
    this.#inFlight.set(row.id, done);
  }

  async #deliver(row: DueDelivery, signal: AbortSignal): Promise<void> {
    const rent = isRentService(row.service);
    const url = rent ? this.#o.push.rentUrl : this.#o.push.url;
    if (!url) return; // filtered out by #filter(); kept for the type checker
    const body = buildPushSms(row, this.#o.key, this.#o.push);
    const sentAt = this.#o.clock();
    const result = await requestJson(this.#o.fetch, {
      url,
      body,
      // One copy of the docs lists the Bearer header as required (§2.7); the key is in the body anyway.
      headers: { authorization: `Bearer ${this.#o.key}` },
      timeoutMs: this.#o.timeoutMs,
      signal,
    });
    if (this.#closed) return; // stop() gave up on us: the row stays queued for the next start
    const now = this.#o.clock();
    const verdict: PushVerdict = result.ok ? classifyPushAnswer(result.answer, this.#terminal) : { kind: "retry", error: result.error };
    const ctx = { outboxId: row.id, activationId: row.activationId, smsId: body.smsId, attempt: row.attempts + 1, rent, ms: now - sentAt };
    try {
      this.#apply(row, verdict, ctx, now);
    } catch (err) {
      this.#storeError(`recording PUSH_SMS ${row.id}`, err);
    }
  }

  #apply(row: DueDelivery, verdict: PushVerdict, ctx: Record<string, unknown>, now: number): void {
    if (verdict.kind !== "config") {
      this.#configBackoff.reset();
      this.#probing = false;
    }
    switch (verdict.kind) {
      case "delivered":
        if (this.#o.outbox.markDelivered(row.id, now)) this.#counts.delivered++;
        this.#log.info({ ...ctx, number: `+${row.phone}`, event: "push-delivered" }, "PUSH_SMS delivered");
        return;
      case "terminal":
        this.#giveUp(row, verdict.token, now);
        this.#log.warn({ ...ctx, error: verdict.token }, `PUSH_SMS refused with ${verdict.token}: not sent again`);
        return;
      case "config": {
        // Answers to POSTs that were already in flight when the first one came back do not escalate the pause.
        const alreadyPaused = now < this.#pausedUntil;
        const waitMs = alreadyPaused ? this.#pausedUntil - now : this.#configBackoff.next();
        this.#pausedUntil = now + waitMs;
        this.#probing = true;
        const error = `${verdict.code} (HTTP ${verdict.status})`;
        this.#fail(row, error, now + Math.max(waitMs, this.#o.push.retryMs), now);
        if (!alreadyPaused) {
          this.#log.error(
            { ...ctx, error: verdict.code, status: verdict.status, retryInMs: waitMs },
            `PUSH_SMS ${verdict.code}: ${CONFIG_ERROR_REMEDIES[verdict.code]}; pausing PUSH_SMS for ${Math.round(waitMs / 1000)} s`,
          );
        }
        return;
      }
      case "retry":
        this.#fail(row, verdict.error, now + this.#o.push.retryMs, now);
        // The first failure of a row is worth a warning; the retries of a known outage are not.
        this.#log[row.attempts === 0 ? "warn" : "debug"]({ ...ctx, error: verdict.error, retryInMs: this.#o.push.retryMs }, "PUSH_SMS failed, will retry");
        return;
    }
  }

  #fail(row: DueDelivery, error: string, nextTryAt: number, now: number): void {
    this.#lastError = error;
    this.#counts.failedAttempts++;
    if (this.#expired(row, now)) {
      this.#giveUp(row, `expired: activation ${row.activationId} closed more than ${this.#o.push.giveUpAfterCloseMs} ms ago (last error: ${error})`, now);
      return;
    }
    this.#o.outbox.markAttempt(row.id, error, nextTryAt);
  }

  #giveUp(row: DueDelivery, reason: string, now: number): void {
    try {
      if (this.#o.outbox.markGaveUp(row.id, reason, now)) this.#counts.gaveUp++;
    } catch (err) {
      this.#storeError(`giving up PUSH_SMS ${row.id}`, err);
      return;
    }
    if (reason.startsWith("expired")) this.#log.warn({ outboxId: row.id, activationId: row.activationId, attempts: row.attempts }, `PUSH_SMS given up: ${reason}`);
  }

  #armTimer(at: number): void {
    this.#timer.arm(at);
  }

  /** "PUSH_SMS URL not configured; N SMS queued", once per URL, as soon as a row waits for it. */
  #warnUnconfigured(): void {
    for (const kind of ["sms", "rent"] as const) {
      const url = kind === "rent" ? this.#o.push.rentUrl : this.#o.push.url;
      if (url || this.#warnedUnconfigured.has(kind)) continue;
      let queued = 0;
      try {
        queued = this.#o.outbox.pendingCount({ rent: kind === "rent" });
      } catch (err) {
        this.#storeError("counting the outbox", err);
        continue;
      }
      if (queued === 0) continue;
      this.#warnedUnconfigured.add(kind);
      const what = kind === "rent" ? "PUSH_SMS (RENT) URL not configured (onlinesim.push.rentUrl)" : "PUSH_SMS URL not configured (onlinesim.push.url)";
      this.#log.warn({ queued }, `${what}; ${queued} SMS queued`);
    }
  }

  #storeError(what: string, err: unknown): void {
    this.#lastError = `store: ${err instanceof Error ? err.message : String(err)}`;
    this.#log.error({ err }, `PUSH_SMS: store failed while ${what}`);
  }
}
