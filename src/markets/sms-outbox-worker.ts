/**
 * The outbox worker of one marketplace: it delivers the SMS the sales core routed to that
 * marketplace's buyers, through the marketplace's `MarketSmsDelivery` (market-port.ts),
 * with the same crash-safety and duplicate rules as Onlinesim's PUSH_SMS sender
 * (docs/protocols/onlinesim-v1.md#push_sms) and SMSHUB's own rule: anything but SUCCESS is
 * sent again after 10 s, until SUCCESS (docs/protocols/smshub.md#smshub-agent-protocol).
 * It knows no marketplace: the adapter builds each request and judges each answer.
 *
 * The store is reached through `MarketOutbox`, the narrow port declared here, already
 * limited to this marketplace's rows (the SQLite store fits through `marketOutboxOf` in
 * src/store/market-outbox.ts). Its calls may be synchronous or asynchronous, so a store
 * whose every call is a round trip (PostgreSQL) is a drop-in. Every store call of the
 * worker runs one at a time (`#exclusive`): a pick can never read a row whose answer is
 * being written, so a row is never picked while its attempt is unsettled.
 *
 * Loop: `queued()`, `wake()`, a settled attempt or a timer (a retry or a probe came due)
 * kicks one pump; kicks in one turn coalesce, and a kick during a pump runs one more pump
 * after it. A pump asks the store what is due, picks (the oldest due SMS of each number,
 * oldest first, never a row or a number already in flight, at most `concurrency` in flight,
 * the destination's allowance), commits those attempts (`markSending`) and only then sends.
 *
 * Duplicates. Delivery is at-least-once: an attempt the marketplace accepted whose answer
 * we never recorded (a crash, stop() cutting it short) goes out again. Kept to the attempts
 * really in flight:
 *  - a row is never in flight twice, and a timed-out attempt counts as a failure of the
 *    destination: its SMS goes out again only after a back-off step (≥ the retry period);
 *  - each attempt is committed before it leaves, so the rows in flight at a crash are known
 *    at the next start (`inFlightAtStart`): they are resent one at a time, before anything
 *    else, so a second crash in that phase can repeat at most one of them;
 *  - at most `concurrency` (4) requests are in flight: a crash duplicates at most that many.
 *
 * Back-off (src/worker/destination-gate.ts): when the marketplace does not answer (refused,
 * timeout, 5xx, 408, 429) its URL closes: one probe (the oldest SMS) per step, from the
 * retry period doubling up to `backoffMaxMs` (+ jitter), instead of every queued SMS every
 * 10 s. The first real answer opens it and the backlog drains oldest first. A refusal of
 * one SMS retries that row after the delivery's `retryMs`; a terminal verdict gives it up;
 * a row whose reservation closed more than `giveUpAfterCloseMs` ago is given up as expired.
 *
 * Secrets: the key travels in the body. Every error text kept (`lastError`, the outbox's
 * `last_error`) or logged passes `scrub` first.
 */
import type { Logger } from "../log/logger.js";
import type { Scrub } from "../log/secrets.js";
import { DestinationGate, REAL_TIMERS, Worker, type GateTicket, type Timers, type WorkerTimer } from "../worker/index.js";
import { deliverSms } from "./deliver-sms.js";
import type { DeliveryVerdict, HeldSms, MarketSmsDelivery } from "./market-port.js";

/** A value now, or later: a synchronous store (SQLite) and an asynchronous one both fit. */
export type Awaitable<T> = T | Promise<T>;

/** One pending SMS of this marketplace's outbox, with what its delivery needs. */
export interface MarketOutboxRow {
  /** The outbox row's own id. */
  id: number;
  /** The reservation (activation) holding the SIM the SMS came to. */
  reservationId: number;
  /** The stored SMS's id: the same on every attempt, so the marketplace knows a re-send. */
  smsId: number;
  /** The reservation's number, E.164 digits without "+". */
  number: string;
  sender: string;
  text: string;
  /** Attempts so far (each counted when committed, before it left). */
  attempts: number;
  lastError: string | null;
  /** When the reservation closed, null while open: the give-up clock. */
  closedAt: number | null;
}

/**
 * What the worker needs of the outbox, every call limited to ONE marketplace's rows. The
 * marks return false when the row was already settled (delivered or given up).
 */
export interface MarketOutbox {
  /** Of each reservation only its oldest due row (a number's SMS go in the order they came), oldest first. */
  nextToSend(now: number, limit: number): Awaitable<readonly MarketOutboxRow[]>;
  /** Pending rows whose last attempt was committed and never answered: in flight at a crash or an aborted stop. */
  inFlightAtStart(): Awaitable<readonly MarketOutboxRow[]>;
  /** Commit attempts about to leave (one transaction): each counts one more attempt and is "in flight" until its outcome. */
  markSending(ids: readonly number[], at: number): Awaitable<number>;
  markDelivered(id: number, at: number): Awaitable<boolean>;
  /** A failed attempt: the row is due again at `nextTryAt`. */
  markAttempt(id: number, error: string, nextTryAt: number): Awaitable<boolean>;
  markGaveUp(id: number, error: string, at: number): Awaitable<boolean>;
  /** The earliest next try strictly after `now` (rows due already wait for a slot), or null. */
  nextDueAfter(now: number): Awaitable<number | null>;
  pendingCount(): Awaitable<number>;
  oldestPendingAgeMs(now: number): Awaitable<number | null>;
}

/** What the daemon fills in for one marketplace. */
export interface SmsOutboxWorkerOptions {
  /** The marketplace whose rows `outbox` holds; must be `delivery.market`. */
  market: string;
  delivery: MarketSmsDelivery;
  outbox: MarketOutbox;
  logger: Logger;
  /** Scrubs secrets out of error texts before they are kept or logged (default: none). */
  scrub?: Scrub;
  /** Requests in flight at once (default 4, as Onlinesim's push.concurrency). */
  concurrency?: number;
  /** Deadline of one attempt (default 30 s, as push.timeoutMs: a slow answer is waited for, not raced by a retry). */
  timeoutMs?: number;
  /** Give a row up this long after its reservation closed (default 30 min, as push.giveUpAfterCloseMs). */
  giveUpAfterCloseMs?: number;
  /** Longest back-off step while the marketplace does not answer (default 20 s, as push.backoffMaxMs). */
  backoffMaxMs?: number;
  /** How long stop() waits for attempts in flight before aborting them (default 3 s). */
  stopTimeoutMs?: number;
  clock?: () => number;
  /** Timers for retries and probes (tests drive them by hand with `clock`). */
  timers?: Timers;
  random?: () => number;
  /** How a request goes out (default: the global fetch). */
  fetch?: typeof fetch;
}

export interface SmsOutboxStats {
  market: string;
  delivered: number;
  failedAttempts: number;
  gaveUp: number;
  /** Rows still to deliver, as of the last pump. */
  pending: number;
  oldestPendingAgeMs: number | null;
  inFlight: number;
  lastError: string | null;
  /** Epoch ms of the next probe while the marketplace does not answer, else null. */
  pausedUntil: number | null;
  /** Rows left in flight by a crash, being resent one at a time. */
  resending: number;
}

export const SMS_OUTBOX_DEFAULTS = {
  concurrency: 4,
  timeoutMs: 30_000,
  giveUpAfterCloseMs: 30 * 60_000,
  backoffMaxMs: 20_000,
  stopTimeoutMs: 3_000,
} as const;

/** Read this many rows beyond what may be sent: in-flight heads and expired rows are skipped. */
const PICK_SLACK = 16;

interface Flight {
  reservationId: number;
}

type Settings = Required<Omit<SmsOutboxWorkerOptions, "fetch">> & Pick<SmsOutboxWorkerOptions, "fetch">;

export class SmsOutboxWorker {
  readonly #o: Settings;
  readonly #log: Logger;
  readonly #gate: DestinationGate;
  readonly #worker: Worker;
  readonly #kick: () => void;
  readonly #timer: WorkerTimer;
  readonly #inFlight = new Map<number, Flight>();
  /** Rows an earlier run left in flight: resent one at a time before anything else. */
  readonly #resend = new Set<number>();
  #resendLoaded = false;
  /** Outcomes whose write failed: retried by the next pump; their rows stay "in flight" meanwhile. */
  readonly #unrecorded = new Map<number, () => Promise<void>>();
  #pumping = false;
  #pumpAgain = false;
  /** The tail of the one-at-a-time chain of store calls. */
  #storeTurn: Promise<unknown> = Promise.resolve();
  readonly #counts = { delivered: 0, failedAttempts: 0, gaveUp: 0 };
  #lastError: string | null = null;
  #pending = { count: 0, oldestAgeMs: null as number | null, at: 0 };
  /** Answers already counted and told to the gate: a write retried after a store failure does not count twice. */
  readonly #counted = new WeakSet<GateTicket>();

  constructor(opts: SmsOutboxWorkerOptions) {
    if (opts.market !== opts.delivery.market) throw new Error(`SMS outbox of '${opts.market}' given the delivery of '${opts.delivery.market}'`);
    this.#o = { ...SMS_OUTBOX_DEFAULTS, clock: Date.now, timers: REAL_TIMERS, random: Math.random, scrub: (t: string) => t, ...opts };
    if (!(Number.isInteger(this.#o.concurrency) && this.#o.concurrency >= 1)) throw new Error(`SMS outbox of '${opts.market}': concurrency must be a whole number ≥ 1 (got ${this.#o.concurrency})`);
    this.#log = opts.logger.child({ component: "market-sms", market: opts.market });
    this.#gate = new DestinationGate({ floorMs: opts.delivery.retryMs, maxMs: this.#o.backoffMaxMs, random: this.#o.random });
    this.#worker = new Worker({ name: `PUSH_SMS to ${opts.market}`, log: this.#log, stopTimeoutMs: this.#o.stopTimeoutMs, clock: this.#o.clock, timers: this.#o.timers });
    this.#kick = this.#worker.coalesced(() => this.#startPump());
    this.#timer = this.#worker.timer(() => this.#kick());
  }

  /** Begin delivering everything due, rows left in flight before a restart first. */
  start(): void {
    if (this.#worker.start()) this.#kick();
  }

  /** Something may be due (a row was queued, which one is not said): the store is asked. */
  wake(): void {
    this.#kick();
  }

  /** Outbox row `_outboxId` was just queued (committed). The store is asked what is due, so a row of another marketplace is never taken. */
  queued(_outboxId?: number): void {
    this.#kick();
  }

  /** Stop timers, let attempts in flight settle (≤ stopTimeoutMs), then abort the rest; they stay queued. Nothing is marked after this resolves. */
  stop(): Promise<void> {
    return this.#worker.stop({
      afterGrace: (finished, inFlight) => {
        if (!finished) this.#log.warn({ inFlight }, `PUSH_SMS to ${this.#o.market} still in flight at stop: aborted, they stay queued and go out again (one at a time) after restart`);
      },
    });
  }

  stats(): SmsOutboxStats {
    const now = this.#o.clock();
    const probe = this.#gate.nextProbeAt;
    const age = this.#pending.oldestAgeMs;
    return {
      market: this.#o.market,
      ...this.#counts,
      pending: this.#pending.count,
      oldestPendingAgeMs: age === null ? null : age + Math.max(0, now - this.#pending.at),
      inFlight: this.#inFlight.size,
      lastError: this.#lastError,
      pausedUntil: probe !== null && probe > now ? probe : null,
      resending: this.#resend.size,
    };
  }

  // ---------- the loop ----------

  /** One pump at a time; a kick during a pump runs one more after it. */
  #startPump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    void this.#worker.track(this.#pumpLoop());
  }

  async #pumpLoop(): Promise<void> {
    try {
      do {
        this.#pumpAgain = false;
        await this.#pump();
      } while (this.#pumpAgain && this.#worker.running);
    } finally {
      this.#pumping = false;
    }
  }

  async #pump(): Promise<void> {
    const now = this.#o.clock();
    let picked: MarketOutboxRow[];
    try {
      picked = await this.#exclusive(async () => {
        await this.#retryUnrecorded();
        await this.#loadResend();
        const rows = this.#resend.size > 0 ? await this.#pickResend(now) : await this.#pick(now);
        if (rows.length === 0 || !this.#worker.running) return [];
        // Committed before any request leaves: after a crash these are the only rows that can repeat.
        await this.#o.outbox.markSending(
          rows.map((r) => r.id),
          now,
        );
        return rows;
      });
    } catch (err) {
      this.#storeError("picking what to send", err);
      this.#timer.arm(now + this.#o.delivery.retryMs); // a store that failed once (disk full) is tried again
      return;
    }
    // Stopping since the commit: those rows stay "in flight" in the store and go first at the next start.
    if (!this.#worker.running) return;
    for (const row of picked) this.#send(row);
    try {
      await this.#exclusive(() => this.#armNextAndCount(now));
    } catch (err) {
      this.#storeError("reading the outbox", err);
      this.#timer.arm(now + this.#o.delivery.retryMs);
    }
  }

  /** Runs `fn` after every store call queued before it: the worker's store calls never overlap. */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const turn = this.#storeTurn.then(fn);
    this.#storeTurn = turn.catch(() => undefined);
    return turn;
  }

  /** The rows an earlier run left in flight (once per run): they may have reached the marketplace, so they go first and alone. */
  async #loadResend(): Promise<void> {
    if (this.#resendLoaded) return;
    const rows = await this.#o.outbox.inFlightAtStart();
    this.#resendLoaded = true;
    for (const r of rows) this.#resend.add(r.id);
    if (rows.length > 0) {
      this.#log.warn(
        { event: "market-sms-resend-in-flight", count: rows.length, outboxIds: rows.map((r) => r.id).slice(0, 20) },
        `${rows.length} PUSH_SMS to ${this.#o.market} were in flight when simgate last stopped: resending them one at a time first (the marketplace may have accepted them already and see them twice)`,
      );
    }
  }

  /** Up to the destination's allowance and the free slots: the oldest due SMS of numbers with nothing in flight. */
  async #pick(now: number): Promise<MarketOutboxRow[]> {
    const inFlight = this.#inFlight.size;
    const allowance = this.#gate.allowance(now, inFlight, this.#o.concurrency);
    if (allowance <= 0) return [];
    const limit = allowance + inFlight + PICK_SLACK;
    const rows = await this.#o.outbox.nextToSend(now, limit);
    const busy = new Set([...this.#inFlight.values()].map((f) => f.reservationId));
    const out: MarketOutboxRow[] = [];
    for (const row of rows) {
      if (out.length >= allowance) break;
      // Each in-flight row heads its number's queue and comes back here.
      if (this.#inFlight.has(row.id) || busy.has(row.reservationId)) continue;
      if (this.#expired(row, now)) {
        await this.#giveUp(row, this.#expiredReason(row, row.lastError), now);
        continue;
      }
      busy.add(row.reservationId);
      out.push(row);
    }
    // Expired rows used up the read: there may be more to send right now.
    if (out.length < allowance && rows.length >= limit) this.#pumpAgain = true;
    return out;
  }

  /** One crash leftover at a time, oldest first, and nothing else meanwhile. */
  async #pickResend(now: number): Promise<MarketOutboxRow[]> {
    if (this.#inFlight.size > 0) return [];
    const rows = [...(await this.#o.outbox.inFlightAtStart())].sort((a, b) => a.id - b.id);
    const pending = new Set(rows.map((r) => r.id));
    for (const id of this.#resend) if (!pending.has(id)) this.#resend.delete(id); // settled meanwhile
    for (const row of rows) {
      if (!this.#resend.has(row.id)) continue;
      if (this.#expired(row, now)) {
        this.#resend.delete(row.id);
        await this.#giveUp(row, this.#expiredReason(row, row.lastError), now);
        continue;
      }
      if (this.#gate.allowance(now, 0, 1) === 0) return []; // backing off: the probe timer brings us back
      return [row];
    }
    this.#pumpAgain = true; // leftovers done: the normal flow may start
    return [];
  }

  /** One timer for the next retry or probe (rows due now wait for a slot: a settle kicks), and the pending figures for stats(). */
  async #armNextAndCount(now: number): Promise<void> {
    const probeAt = this.#gate.nextProbeAt;
    if (probeAt !== null && probeAt > now) this.#timer.arm(probeAt);
    const next = await this.#o.outbox.nextDueAfter(now);
    if (next !== null) this.#timer.arm(next);
    const count = await this.#o.outbox.pendingCount();
    const oldestAgeMs = await this.#o.outbox.oldestPendingAgeMs(now);
    this.#pending = { count, oldestAgeMs, at: now };
  }

  #expired(row: MarketOutboxRow, now: number): boolean {
    return row.closedAt !== null && now - row.closedAt > this.#o.giveUpAfterCloseMs;
  }

  #expiredReason(row: MarketOutboxRow, lastError: string | null): string {
    return `expired: reservation ${row.reservationId} closed more than ${this.#o.giveUpAfterCloseMs} ms ago${lastError ? ` (last error: ${lastError})` : ""}`;
  }

  // ---------- one attempt ----------

  #send(row: MarketOutboxRow): void {
    const controller = new AbortController();
    const ticket = this.#gate.begin(this.#o.clock());
    this.#inFlight.set(row.id, { reservationId: row.reservationId });
    const attempt = this.#attempt(row, ticket, controller.signal).finally(() => this.#kick());
    void this.#worker.track(attempt, controller);
  }

  async #attempt(row: MarketOutboxRow, ticket: GateTicket, signal: AbortSignal): Promise<void> {
    const sentAt = this.#o.clock();
    const held: HeldSms = { market: this.#o.market, reservationId: row.reservationId, smsId: row.smsId, number: row.number, sender: row.sender, text: row.text };
    const { verdict } = await deliverSms(this.#o.delivery, held, { timeoutMs: this.#o.timeoutMs, signal, ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}) });
    // stop() gave up on it: not recorded, so the row stays "in flight" and goes first (alone) at the next start.
    if (signal.aborted) {
      this.#inFlight.delete(row.id);
      return;
    }
    const now = this.#o.clock();
    const ctx = { outboxId: row.id, reservationId: row.reservationId, smsId: row.smsId, attempt: row.attempts + 1, ms: now - sentAt };
    const record = async (): Promise<void> => {
      await this.#apply(row, ticket, verdict, ctx, now);
      this.#unrecorded.delete(row.id);
      this.#inFlight.delete(row.id);
      this.#resend.delete(row.id);
    };
    await this.#exclusive(async () => {
      try {
        await record();
      } catch (err) {
        // Not written: the row stays "in flight" (never picked again meanwhile) and the next pump tries the write again.
        this.#unrecorded.set(row.id, record);
        this.#storeError(`recording the answer to PUSH_SMS ${row.id}`, err);
        this.#timer.arm(now + this.#o.delivery.retryMs);
      }
    });
  }

  /** Outcomes a failing store could not take: written before anything new is picked. */
  async #retryUnrecorded(): Promise<void> {
    for (const [id, record] of [...this.#unrecorded]) {
      if (!this.#unrecorded.has(id)) continue;
      await record();
    }
  }

  async #apply(row: MarketOutboxRow, ticket: GateTicket, verdict: DeliveryVerdict, ctx: Record<string, unknown>, now: number): Promise<void> {
    const failuresBefore = this.#gate.failures;
    const first = !this.#counted.has(ticket);
    let step = null;
    if (first) {
      this.#counted.add(ticket);
      if (verdict.kind === "retry") this.#counts.failedAttempts++;
      step = this.#gate.settle(ticket, verdict.kind === "retry" && verdict.transient ? "unreachable" : "answered", now);
      if (!step && failuresBefore > 0) {
        this.#log.info({ ...ctx, failures: failuresBefore, event: "market-sms-answers" }, `${this.#o.market} answers PUSH_SMS again after ${failuresBefore} failed attempts: sending the queue, oldest first`);
      }
    }
    switch (verdict.kind) {
      case "delivered":
        if (await this.#o.outbox.markDelivered(row.id, now)) this.#counts.delivered++;
        this.#log.info({ ...ctx, number: `+${row.number}`, event: "market-sms-delivered" }, `PUSH_SMS delivered to ${this.#o.market}`);
        return;
      case "terminal": {
        const token = this.#o.scrub(verdict.token);
        await this.#giveUp(row, token, now);
        this.#log.warn({ ...ctx, error: token }, `PUSH_SMS refused by ${this.#o.market} with ${token}: not sent again`);
        return;
      }
      case "retry": {
        const error = this.#o.scrub(verdict.error);
        await this.#fail(row, error, now);
        if (step?.escalated) {
          // The first failure, then each failed probe: one line per back-off step, not per SMS.
          this.#log[failuresBefore === 0 ? "warn" : "debug"](
            { ...ctx, error, retryInMs: step.waitMs, failures: this.#gate.failures, event: "market-sms-backoff" },
            `PUSH_SMS to ${this.#o.market} failed (${error}): backing off, next try in ${Math.round(step.waitMs / 1000)} s with one SMS`,
          );
        } else if (!step && !verdict.transient) {
          this.#log[row.attempts === 0 ? "warn" : "debug"]({ ...ctx, error, retryInMs: this.#o.delivery.retryMs }, `PUSH_SMS refused by ${this.#o.market}, will retry this SMS`);
        }
        return;
      }
    }
  }

  /** A failed attempt: this SMS again after the marketplace's retry period (the gate paces the destination), or given up once expired. */
  async #fail(row: MarketOutboxRow, error: string, now: number): Promise<void> {
    this.#lastError = error;
    if (this.#expired(row, now)) {
      await this.#giveUp(row, this.#expiredReason(row, error), now);
      return;
    }
    await this.#o.outbox.markAttempt(row.id, error, now + this.#o.delivery.retryMs);
  }

  async #giveUp(row: MarketOutboxRow, reason: string, now: number): Promise<void> {
    const clean = this.#o.scrub(reason);
    if (await this.#o.outbox.markGaveUp(row.id, clean, now)) this.#counts.gaveUp++;
    if (clean.startsWith("expired")) this.#log.warn({ outboxId: row.id, reservationId: row.reservationId, attempts: row.attempts }, `PUSH_SMS to ${this.#o.market} given up: ${clean}`);
  }

  #storeError(what: string, err: unknown): void {
    this.#lastError = this.#o.scrub(`store: ${err instanceof Error ? err.message : String(err)}`);
    this.#log.error({ err }, `PUSH_SMS to ${this.#o.market}: store failed while ${what}`);
  }
}
