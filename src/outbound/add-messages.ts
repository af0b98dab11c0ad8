/**
 * v2 SMS forwarding from the durable queue (store/v2-messages.ts) with addMessages batches
 * (docs/protocols/onlinesim-v2.md#addmessages: Onlinesim recommends batches, e.g. every 5 s; Q25).
 *
 * Timing: at most one batch per v2.addMessagesBatchMs, but the first SMS after a quiet
 * period goes out at once (wake() flushes immediately when the last batch is older than the
 * window), so batching costs latency only under load. A backlog (a full batch) is drained
 * batch after batch. A safety tick every max(batchMs, 1 s) picks up anything queued without
 * a wake().
 *
 * Answers: `response: 1` → markSent (one transaction for the batch). REQUEST_NOT_FOUND → this
 * batcher switches to one addMessage per SMS for good. Any other refusal of a batch (400,
 * 404 "number not listed") → the batch is re-sent one message at a time so one bad SMS cannot
 * hold back the others; a message refused on its own is retried every `rejectRetryMs`
 * (the list push may not have been accepted yet) and given up `giveUpAfterMs` after it was
 * received. 5xx/timeouts back off 1 s → 60 s, key/IP/account errors 10 s → 5 min, logged
 * at error with the remedy. A request that timed out (v2.timeoutMs, 30 s, longer than
 * Onlinesim's own processing) is retried only after at least 10 s: Onlinesim may still be
 * storing that batch, and a batch sent again while it does is a batch of duplicates. One
 * request is in flight at a time. Nothing is given up for transient or config errors: the queue is
 * durable, and the operator sees `pending` / `oldestPendingAgeMs` grow.
 */
import type { Logger } from "../log/logger.js";
import type { V2MessageItem, V2MessageRepository } from "../store/v2-messages.js";
import { Backoff, CONFIG_BACKOFF, REAL_TIMERS, TRANSIENT_BACKOFF, Worker, type Timers, type WorkerTimer } from "../worker/index.js";
import { describeV2Failure, type V2Client, type V2Failure } from "./v2-client.js";
import { toMessageItem, type V2Config } from "./v2-payload.js";

export interface AddMessagesOptions {
  client: V2Client;
  repo: V2MessageRepository;
  v2: V2Config;
  logger: Logger;
  clock?: () => number;
  /** Timers for the batch window and retries (tests drive them by hand with `clock`). */
  timers?: Timers;
  random?: () => number;
  /** Messages per addMessages request (default 200). */
  batchSize?: number;
  /** Retry interval for a message Onlinesim refused on its own (default 30 s). */
  rejectRetryMs?: number;
  /** Give up a refused message this long after it was received (default 30 min). */
  giveUpAfterMs?: number;
  /** How long stop() lets a request finish before aborting it (default 3 s). */
  stopTimeoutMs?: number;
}

export interface AddMessagesStats {
  batches: number;
  /** Single addMessage requests accepted. */
  singles: number;
  sent: number;
  failedAttempts: number;
  gaveUp: number;
  pending: number;
  oldestPendingAgeMs: number | null;
  lastError: string | null;
  mode: "batch" | "single";
  pausedUntil: number | null;
}

/** Shortest wait after a timed-out request (Onlinesim's own retry period for a pushed SMS). */
export const AFTER_TIMEOUT_MS = 10_000;
/** lastError prefix of a message Onlinesim refused: such rows go out singly next time. */
const REJECTED = "rejected: ";

export class AddMessagesBatcher {
  readonly #o: Required<AddMessagesOptions>;
  readonly #log: Logger;
  readonly #transient: Backoff;
  readonly #config: Backoff;
  /** Run/stop, the batch-window timer, the request in flight (worker.ts). */
  readonly #worker: Worker;
  readonly #timer: WorkerTimer;
  #single = false;
  #inFlight: Promise<void> | null = null;
  #again = false;
  #lastFlushAt = -Infinity;
  #pausedUntil = 0;
  #warnedUnconfigured = false;
  #counts = { batches: 0, singles: 0, sent: 0, failedAttempts: 0, gaveUp: 0 };
  #lastError: string | null = null;

  constructor(opts: AddMessagesOptions) {
    this.#o = { clock: Date.now, timers: REAL_TIMERS, random: Math.random, batchSize: 200, rejectRetryMs: 30_000, giveUpAfterMs: 30 * 60_000, stopTimeoutMs: 3_000, ...opts };
    this.#log = opts.logger.child({ component: "add-messages" });
    this.#worker = new Worker({ name: "addMessages", log: this.#log, stopTimeoutMs: this.#o.stopTimeoutMs, clock: this.#o.clock, timers: this.#o.timers });
    this.#timer = this.#worker.timer(() => this.#flush());
    this.#transient = new Backoff({ ...TRANSIENT_BACKOFF, random: this.#o.random });
    this.#config = new Backoff({ ...CONFIG_BACKOFF, random: this.#o.random });
  }

  /** Send everything due (also what was queued before a restart), then keep going. */
  start(): void {
    if (this.#worker.start()) this.#arm(this.#o.clock());
  }

  /** A message was queued: flush now, or when the current batch window ends. */
  wake(): void {
    if (!this.#worker.running) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#arm(Math.max(this.#o.clock(), this.#lastFlushAt + this.#o.v2.addMessagesBatchMs));
  }

  /** Stop the timer; let a request finish (≤ stopTimeoutMs), else abort it. Nothing is marked after this resolves. */
  stop(): Promise<void> {
    return this.#worker.stop();
  }

  stats(): AddMessagesStats {
    const now = this.#o.clock();
    let pending = 0;
    let oldestPendingAgeMs: number | null = null;
    try {
      pending = this.#o.repo.pendingCount();
      oldestPendingAgeMs = this.#o.repo.oldestPendingAgeMs(now);
    } catch {
      // Store closed after stop(): the counters are still meaningful.
    }
    return {
      ...this.#counts,
      pending,
      oldestPendingAgeMs,
      lastError: this.#lastError,
      mode: this.#single ? "single" : "batch",
      pausedUntil: this.#pausedUntil > now ? this.#pausedUntil : null,
    };
  }

  // ---------- loop ----------

  #arm(at: number): void {
    this.#timer.arm(at);
  }

  #tickMs(): number {
    return Math.max(this.#o.v2.addMessagesBatchMs, 1_000);
  }

  #flush(): void {
    if (!this.#worker.running || this.#inFlight) return;
    const now = this.#o.clock();
    if (now < this.#pausedUntil) return this.#arm(this.#pausedUntil);
    let rows: V2MessageItem[];
    try {
      if (!this.#o.client.configured) {
        const queued = this.#o.repo.pendingCount();
        if (queued > 0 && !this.#warnedUnconfigured) {
          this.#warnedUnconfigured = true;
          this.#log.warn({ queued }, `onlinesim.v2.baseUrl not set: ${queued} SMS queued for addMessages`);
        }
        return this.#arm(now + this.#tickMs());
      }
      rows = this.#o.repo.due(now, this.#o.batchSize);
    } catch (err) {
      this.#storeError("reading the v2 queue", err);
      return this.#arm(now + this.#tickMs());
    }
    if (rows.length === 0) {
      const next = this.#nextDue(now);
      return this.#arm(Math.min(next ?? Infinity, now + this.#tickMs()));
    }
    this.#lastFlushAt = now;
    const controller = new AbortController();
    const full = rows.length >= this.#o.batchSize;
    this.#inFlight = this.#send(rows, controller.signal)
      .catch((err: unknown) => this.#storeError("recording addMessages", err))
      .finally(() => {
        this.#inFlight = null;
        const again = this.#again;
        this.#again = false;
        const t = this.#o.clock();
        // A full batch means a backlog: drain it now. Else respect the batch window.
        if (full && t >= this.#pausedUntil) this.#arm(t);
        else if (again) this.#arm(Math.max(t, this.#lastFlushAt + this.#o.v2.addMessagesBatchMs));
        else this.#arm(Math.min(this.#nextDue(t) ?? Infinity, t + this.#tickMs()));
      });
  }

  #nextDue(now: number): number | null {
    try {
      return this.#o.repo.nextDueAfter(now);
    } catch (err) {
      this.#storeError("reading the v2 queue", err);
      return null;
    }
  }

  async #send(rows: V2MessageItem[], signal: AbortSignal): Promise<void> {
    // Messages Onlinesim refused before go out alone, so they cannot sink a whole batch again.
    const suspects = rows.filter((r) => r.lastError?.startsWith(REJECTED));
    const batch = rows.filter((r) => !r.lastError?.startsWith(REJECTED));
    if (batch.length > 0) {
      const more = this.#single ? batch : await this.#sendBatch(batch, signal);
      if (more.length > 0) await this.#sendEach(more, signal);
    }
    if (suspects.length > 0 && !signal.aborted && this.#o.clock() >= this.#pausedUntil) await this.#sendEach(suspects, signal);
  }

  /** One addMessages request. Returns the rows to try one by one (none when settled here). */
  async #sendBatch(rows: V2MessageItem[], signal: AbortSignal): Promise<V2MessageItem[]> {
    const r = await this.#o.client.addMessages(rows.map(toMessageItem), signal);
    if (this.#worker.closed) return [];
    const now = this.#o.clock();
    if (r.ok) {
      this.#counts.batches++;
      this.#counts.sent += this.#o.repo.markSent(rows.map((m) => m.id), now);
      this.#ok();
      this.#log.debug({ count: rows.length }, "addMessages accepted");
      return [];
    }
    switch (r.kind) {
      case "aborted":
      case "unconfigured":
        return [];
      case "not-found":
        this.#single = true;
        this.#log.warn(`${describeV2Failure("addMessages", r)}; sending one addMessage per SMS from now on`);
        return rows;
      case "rejected":
        this.#log.warn({ error: r.error, count: rows.length }, `addMessages refused (${r.error}); sending the batch one message at a time`);
        return rows;
      case "transient":
      case "config":
        this.#pause(rows, "addMessages", r, now);
        return [];
    }
  }

  async #sendEach(rows: V2MessageItem[], signal: AbortSignal): Promise<void> {
    const sent: number[] = [];
    try {
      for (const [i, row] of rows.entries()) {
        if (signal.aborted || this.#worker.closed) break;
        const r = await this.#o.client.addMessage(toMessageItem(row), signal);
        if (this.#worker.closed) return;
        const now = this.#o.clock();
        if (r.ok) {
          sent.push(row.id);
          this.#counts.singles++;
          this.#ok();
          continue;
        }
        if (r.kind === "aborted" || r.kind === "unconfigured") break;
        if (r.kind === "rejected") {
          this.#rejected(row, r, now);
          continue;
        }
        // transient, config, or addMessage unknown as well (a wrong base URL): stop this round.
        this.#pause(rows.slice(i), "addMessage", r, now);
        break;
      }
    } finally {
      // Accepted ones are recorded even when the round ended early (one transaction).
      if (!this.#worker.closed && sent.length > 0) this.#counts.sent += this.#o.repo.markSent(sent, this.#o.clock());
    }
  }

  #rejected(row: V2MessageItem, r: Extract<V2Failure, { kind: "rejected" }>, now: number): void {
    this.#counts.failedAttempts++;
    this.#lastError = `addMessage: ${r.error}`;
    if (now - row.receivedAt >= this.#o.giveUpAfterMs) {
      this.#counts.gaveUp += this.#o.repo.markGaveUp([row.id], `${REJECTED}${r.error}`, now);
      this.#log.warn({ v2MessageId: row.id, smsId: row.smsId, number: row.number, error: r.error }, "addMessage refused past the retry window: message given up");
      return;
    }
    this.#o.repo.markAttempt([row.id], `${REJECTED}${r.error}`, now + this.#o.rejectRetryMs);
    this.#log[row.attempts === 0 ? "warn" : "debug"](
      { v2MessageId: row.id, smsId: row.smsId, number: row.number, error: r.error, retryInMs: this.#o.rejectRetryMs },
      "addMessage refused; will retry (the number list may not be accepted yet)",
    );
  }

  #pause(rows: V2MessageItem[], method: "addMessages" | "addMessage", r: V2Failure, now: number): void {
    const slow = r.kind === "config" || r.kind === "not-found";
    const alreadyPaused = now < this.#pausedUntil;
    const timedOut = r.kind === "transient" && r.timedOut === true;
    const step = slow ? this.#config.next() : this.#transient.next();
    const wait = alreadyPaused ? this.#pausedUntil - now : timedOut ? Math.max(AFTER_TIMEOUT_MS, step) : step;
    this.#pausedUntil = now + wait;
    this.#counts.failedAttempts++;
    this.#lastError = `${method}: ${r.error}`;
    this.#o.repo.markAttempt(
      rows.map((m) => m.id),
      r.error,
      now + wait,
    );
    this.#log[slow ? "error" : "warn"]({ method, kind: r.kind, error: r.error, count: rows.length, retryInMs: wait }, `${describeV2Failure(method, r)}; ${rows.length} SMS stay queued, retrying in ${(wait / 1000).toFixed(1)} s`);
  }

  #ok(): void {
    this.#transient.reset();
    this.#config.reset();
  }

  #storeError(what: string, err: unknown): void {
    this.#lastError = `store: ${err instanceof Error ? err.message : String(err)}`;
    this.#log.error({ err }, `addMessages: store failed while ${what}`);
  }
}
