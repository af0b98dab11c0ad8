/**
 * PUSH_SMS delivery from the durable outbox (docs/protocols/onlinesim-v1.md#push_sms, docs/protocols/onlinesim-v1.md#push_sms-rent, Q12–Q16).
 *
 * Loop: `queued(id)` or `wake()` (a row was just queued) or a timer (a retry or a probe came
 * due) schedules one pump on the microtask queue, so a burst of wakes in one turn is one pump
 * and a single SMS goes out in the same event-loop turn it was queued — no polling delay. A
 * pump records the answers that came back since the last one, picks the rows to send (the
 * oldest due SMS of each number, oldest first, never a row or a number already in flight)
 * and records them as sent, all in ONE committed transaction, and only then starts the
 * POSTs. An answer schedules a pump, so it is on disk a microtask later, together with the
 * attempts it made room for: about one fsync per SMS while a backlog drains.
 *
 * Picking without a query. The store is the truth: at start, after a failed attempt, while
 * crash leftovers are resent, and whenever a row could not go at once, the pump asks the
 * store what is due (`nextToSend`). But most of the time every pending row is in flight
 * ("caught up", checked by a count in the same transaction), and then a row handed over by
 * `queued(id)` is the whole backlog: it is read by its id and sent if it can go right now
 * (a slot, its URL open, its number not busy), without the due-rows query and the next-due
 * timer queries (they were about 0.5 ms of CPU per SMS). A row that cannot go at once ends
 * the caught-up state, and the store is asked again.
 *
 * Duplicates. Delivery is at-least-once: an attempt Onlinesim accepted whose answer we never
 * recorded (a crash, stop() cutting it short) goes out again. The bookkeeping keeps that to
 * the attempts really in flight:
 *  - a row is never in flight twice, and the deadline (push.timeoutMs, 30 s) is longer than
 *    Onlinesim's own processing, so a slow answer is waited for, not raced by a retry;
 *  - a timed-out attempt counts as a failure of the destination: its SMS goes out again only
 *    after a back-off step (≥ push.retryMs);
 *  - because each attempt is committed before it leaves, the rows that were in flight at a
 *    crash are known at the next start (`inFlightAtStart`). They are resent one at a time,
 *    before anything else, so a second crash in that phase can repeat at most one of them;
 *  - at most push.concurrency requests are in flight at once (4 by default): a crash can
 *    duplicate at most that many SMS.
 *
 * Back-off (src/worker/destination-gate.ts): per URL (PUSH_SMS, PUSH_SMS (RENT)). When Onlinesim does
 * not answer (refused, timeout, 5xx, 408/429) or refuses the key/IP/account, the URL closes:
 * one probe (the oldest SMS) per step, 10 s → 20 s (+ jitter), instead of one request per
 * queued SMS every 10 s. The first real answer opens it and the backlog drains oldest first
 * at full concurrency. Terminal tokens (push.terminalErrors) stop a row at once; a refusal
 * of one SMS (other 4xx, an unknown error token) retries that row after push.retryMs
 * without closing the URL. A row whose activation closed more than push.giveUpAfterCloseMs
 * ago is given up ("expired") instead of being sent again.
 *
 * Only Onlinesim's rows. The outbox holds the SMS of every marketplace's buyers (the sales
 * ledger routes an SMS to whoever holds the SIM, issue 15); every query this sender makes
 * is limited to reservations of ONLINESIM_MARKET in its SQL, so another marketplace's SMS
 * is never read, sent, counted or waited for here, and its rows stay queued for its own sender.
 *
 * Secrets: every answer and error text passes `scrub` (the configured key and token, and
 * credential fields in echoed requests) in http.ts before it is logged, kept or stored.
 */
import type { Logger } from "../log/logger.js";
import type { Scrub } from "../log/secrets.js";
import { ONLINESIM_MARKET } from "../onlinesim/market-id.js";
import type { DueDelivery, DueFilter, OutboxRepository } from "../store/outbox.js";
import { DestinationGate, REAL_TIMERS, Worker, type GateOutcome, type GateTicket, type Timers, type WorkerTimer } from "../worker/index.js";
import { CONFIG_ERROR_REMEDIES } from "./config-errors.js";
import { nodeHttpTransport, requestJson, type HttpTransport } from "./http.js";
import { buildPushSms, classifyPushAnswer, isRentService, type PushConfig, type PushVerdict } from "./push-sms-payload.js";

export interface PushSmsSenderOptions {
  outbox: OutboxRepository;
  key: string;
  /** url/rentUrl unset → those rows stay queued (logged once at warn). */
  push: PushConfig;
  logger: Logger;
  /** How a request goes out (default: node:http/https with keep-alive, http-transport.ts). */
  transport?: HttpTransport;
  clock?: () => number;
  /** Timers for retries and probes (tests drive them by hand with `clock`). */
  timers?: Timers;
  /** Per-request timeout (default push.timeoutMs). */
  timeoutMs?: number;
  /** POSTs in flight at once (default push.concurrency). A row is never in flight twice. */
  concurrency?: number;
  /** How long stop() waits for in-flight POSTs before aborting them (default 3 s). */
  stopTimeoutMs?: number;
  random?: () => number;
  /** Scrubs secrets out of answers and error texts (default: none). */
  scrub?: Scrub;
}

export interface PushSmsStats {
  delivered: number;
  failedAttempts: number;
  gaveUp: number;
  pending: number;
  oldestPendingAgeMs: number | null;
  lastError: string | null;
  inFlight: number;
  /** Epoch ms of the next probe of a failing URL (backing off), or null while every URL answers. */
  pausedUntil: number | null;
  /** Rows left from a crash whose attempt may have reached Onlinesim: being resent one at a time. */
  resending: number;
}

type Kind = "sms" | "rent";
const KINDS: readonly Kind[] = ["sms", "rent"];
/** Every row this sender reads: Onlinesim's reservations only (all kinds, or one kind). */
const ONLINESIM_ROWS: DueFilter = { market: ONLINESIM_MARKET };
const FILTER: Record<Kind, DueFilter> = { sms: { rent: false, ...ONLINESIM_ROWS }, rent: { rent: true, ...ONLINESIM_ROWS } };

interface Flight {
  kind: Kind;
  activationId: number;
  /** Its answer is in #answers (or recorded): no longer waiting for Onlinesim. */
  answered: boolean;
}

export class PushSmsSender {
  readonly #o: Required<PushSmsSenderOptions>;
  readonly #terminal: ReadonlySet<string>;
  readonly #log: Logger;
  readonly #gates: Record<Kind, DestinationGate>;
  /** Run/stop, the retry and probe timer, the in-flight POSTs (worker.ts). */
  readonly #worker: Worker;
  /** Schedules one pump on the microtask queue. */
  readonly #schedulePump: () => void;
  readonly #timer: WorkerTimer;
  readonly #inFlight = new Map<number, Flight>();
  /** Outcomes of answers, written by the next pump (one transaction with the attempts it starts). */
  readonly #answers: Array<() => void> = [];
  /** Rows in flight at the last crash (or aborted stop), resent one at a time first. */
  readonly #resend = new Set<number>();
  readonly #warnedUnconfigured = new Set<Kind>();
  /** Every pending row of a configured URL is in flight or in #handedOver: the store has nothing else to send. */
  #caughtUp = false;
  /** Rows queued while caught up, oldest first, not yet picked. */
  #handedOver: DueDelivery[] = [];
  readonly #counts = { delivered: 0, failedAttempts: 0, gaveUp: 0 };
  #lastError: string | null = null;

  constructor(opts: PushSmsSenderOptions) {
    this.#o = {
      timeoutMs: opts.push.timeoutMs,
      concurrency: opts.push.concurrency,
      stopTimeoutMs: 3_000,
      clock: Date.now,
      timers: REAL_TIMERS,
      random: Math.random,
      scrub: (t: string) => t,
      transport: nodeHttpTransport,
      ...opts,
    };
    this.#terminal = new Set(opts.push.terminalErrors);
    this.#log = opts.logger.child({ component: "push-sms" });
    const gate = () => new DestinationGate({ floorMs: opts.push.retryMs, maxMs: opts.push.backoffMaxMs, random: this.#o.random });
    this.#gates = { sms: gate(), rent: gate() };
    this.#worker = new Worker({ name: "PUSH_SMS", log: this.#log, stopTimeoutMs: this.#o.stopTimeoutMs, clock: this.#o.clock, timers: this.#o.timers });
    this.#schedulePump = this.#worker.coalesced(() => this.#pump());
    this.#timer = this.#worker.timer(() => this.#schedulePump());
  }

  /** Begin delivering everything due, including rows left from before a restart. */
  start(): void {
    if (!this.#worker.start()) return;
    this.#warnUnconfigured();
    this.#loadResend();
    this.#schedulePump();
  }

  /** A new outbox row exists (which one is not said): the store is asked what is due. Wakes within one turn coalesce into one pump. */
  wake(): void {
    if (!this.#worker.running) return;
    this.#caughtUp = false;
    this.#handedOver = [];
    if (this.#warnedUnconfigured.size < 2 && (!this.#o.push.url || !this.#o.push.rentUrl)) this.#warnUnconfigured();
    this.#schedulePump();
  }

  /** Outbox row `outboxId` was just queued (committed): deliver now, without asking the store what is due when nothing else is pending. */
  queued(outboxId: number): void {
    if (!this.#worker.running) return;
    if (!this.#caughtUp) {
      this.wake();
      return;
    }
    let row: DueDelivery | undefined;
    try {
      row = this.#o.outbox.pendingDelivery(outboxId, ONLINESIM_ROWS);
    } catch (err) {
      this.#storeError("reading a queued PUSH_SMS", err);
      this.wake();
      return;
    }
    if (!row) return; // another marketplace's row, or settled already: nothing to send here
    if (!this.#configured().includes(this.#kindOf(row))) {
      this.wake(); // its URL is unset: the warning about queued rows comes from wake()
      return;
    }
    this.#handedOver.push(row);
    this.#schedulePump();
  }

  /** Stop timers, let in-flight POSTs settle (≤ stopTimeoutMs), then abort the rest. Nothing is marked after this resolves. */
  stop(): Promise<void> {
    return this.#worker.stop({
      // Answers that arrived while stop() waited are still recorded; none after this.
      afterGrace: (finished, inFlight) => {
        this.#recordAnswers();
        if (!finished) this.#log.warn({ inFlight }, "PUSH_SMS still in flight at stop: aborted, they stay queued and go out again (one at a time) after restart");
      },
    });
  }

  stats(): PushSmsStats {
    let pending = 0;
    let oldestPendingAgeMs: number | null = null;
    try {
      pending = this.#o.outbox.pendingCount(ONLINESIM_ROWS);
      oldestPendingAgeMs = this.#o.outbox.oldestPendingAgeMs(this.#o.clock(), ONLINESIM_ROWS);
    } catch {
      // The store may be closed already (after stop()); the counters below are still meaningful.
    }
    const now = this.#o.clock();
    const probes = KINDS.map((k) => this.#gates[k].nextProbeAt).filter((t): t is number => t !== null && t > now);
    return {
      ...this.#counts,
      pending,
      oldestPendingAgeMs,
      lastError: this.#lastError,
      inFlight: this.#inFlight.size,
      pausedUntil: probes.length > 0 ? Math.min(...probes) : null,
      resending: this.#resend.size,
    };
  }

  // ---------- the loop ----------

  /** URL kinds that have a URL: rows of the others stay queued. */
  #configured(): Kind[] {
    return KINDS.filter((k) => (k === "rent" ? this.#o.push.rentUrl : this.#o.push.url) !== undefined);
  }

  #kindOf(row: Pick<DueDelivery, "service">): Kind {
    return isRentService(row.service) ? "rent" : "sms";
  }

  /** The rows an earlier run left in flight: they may have reached Onlinesim, so they go first and alone. */
  #loadResend(): void {
    let rows: DueDelivery[];
    try {
      rows = this.#configured().flatMap((k) => this.#o.outbox.inFlightAtStart(FILTER[k]));
    } catch (err) {
      this.#storeError("reading the outbox", err);
      return;
    }
    for (const r of rows) this.#resend.add(r.id);
    if (rows.length > 0) {
      this.#log.warn(
        { event: "push-resend-in-flight", count: rows.length, outboxIds: rows.map((r) => r.id).slice(0, 20) },
        `${rows.length} PUSH_SMS were in flight when simgate last stopped: resending them one at a time first (Onlinesim may have accepted them already and see them twice)`,
      );
    }
  }

  #pump(): void {
    const now = this.#o.clock();
    const answers = this.#answers.splice(0);
    if (answers.length === 0 && this.#caughtUp && this.#handedOver.length === 0) return; // nothing pending that is not in flight
    let picked: DueDelivery[] = [];
    let queried = false;
    try {
      this.#o.outbox.transaction(() => {
        this.#record(answers); // a failed attempt ends the caught-up state (#fail)
        if (this.#resend.size > 0) this.#caughtUp = false;
        queried = !this.#caughtUp;
        picked = this.#resend.size > 0 ? this.#pickResend(now) : this.#caughtUp ? this.#pickHandedOver(now) : this.#pickAll(now);
        // Committed before any request leaves: after a crash these are the only rows that can repeat.
        this.#o.outbox.markSending(
          picked.map((r) => r.id),
          now,
        );
        if (queried && this.#resend.size === 0) this.#caughtUp = this.#allInFlight(picked);
      });
    } catch (err) {
      // Nothing was committed: keep the answers for the next try (else a delivered SMS would look due again).
      this.#answers.unshift(...answers);
      this.#caughtUp = false; // rows handed over are in the store: the next pump asks it
      this.#handedOver = [];
      this.#storeError("recording PUSH_SMS answers and attempts", err);
      this.#timer.arm(now + this.#o.push.retryMs); // a store that failed once (disk full) is tried again
      return;
    }
    for (const row of picked) this.#send(row);
    // Caught up, no row waits for a later try and no URL is backing off (both end the caught-up state): no timer to arm.
    if (queried) this.#armNext(now);
  }

  /**
   * The rows handed over by queued(), when each can go now, under the same rules as #pick
   * (the URL's allowance, the shared concurrency, one SMS per number). The first that cannot
   * ends the caught-up state: it and the rest stay in the store for the next pump's query.
   */
  #pickHandedOver(now: number): DueDelivery[] {
    const rows = this.#handedOver;
    this.#handedOver = [];
    const concurrency = this.#o.concurrency;
    const flights = [...this.#inFlight.values()];
    const busy = new Set(flights.map((f) => f.activationId));
    const allowance: Record<Kind, number> = {
      sms: this.#gates.sms.allowance(now, flights.filter((f) => f.kind === "sms").length, concurrency),
      rent: this.#gates.rent.allowance(now, flights.filter((f) => f.kind === "rent").length, concurrency),
    };
    let budget = concurrency - this.#inFlight.size;
    const out: DueDelivery[] = [];
    for (const row of rows) {
      const kind = this.#kindOf(row);
      if (budget <= 0 || allowance[kind] <= 0 || busy.has(row.activationId) || this.#inFlight.has(row.id)) {
        this.#caughtUp = false;
        this.#schedulePump(); // the query picks it (and the rest) once a slot, the URL or the number is free
        break;
      }
      if (this.#expired(row, now)) {
        this.#giveUp(row, this.#expiredReason(row, row.lastError), now);
        continue;
      }
      busy.add(row.activationId);
      allowance[kind]--;
      budget--;
      out.push(row);
    }
    return out;
  }

  /**
   * After a query pick: is every pending row of a configured URL waiting for Onlinesim's
   * answer now (the `picked` ones included)? A row whose answer came but could not be
   * recorded is pending and not waiting: the store has to be asked again.
   */
  #allInFlight(picked: readonly DueDelivery[]): boolean {
    const waiting = new Set(picked.map((r) => r.id));
    for (const [id, f] of this.#inFlight) if (!f.answered) waiting.add(id);
    const kinds = this.#configured();
    const pending = kinds.length === KINDS.length ? this.#o.outbox.pendingIds(ONLINESIM_ROWS) : kinds.flatMap((k) => this.#o.outbox.pendingIds(FILTER[k]));
    return pending.every((id) => waiting.has(id));
  }

  /** Write the answers' outcomes now (stop(): the worker runs no pump once stopping). */
  #recordAnswers(): void {
    const answers = this.#answers.splice(0);
    if (answers.length === 0) return;
    try {
      this.#o.outbox.transaction(() => this.#record(answers));
    } catch (err) {
      // Not recorded: those rows stay "in flight" in the store and are resent first at the next start.
      this.#storeError("recording PUSH_SMS answers", err);
    }
  }

  /** One answer's failed write does not cost the others theirs. */
  #record(answers: ReadonlyArray<() => void>): void {
    for (const record of answers) {
      try {
        record();
      } catch (err) {
        this.#storeError("recording a PUSH_SMS answer", err);
      }
    }
  }

  /** What both URLs may send now: the concurrency limit is for the two together. */
  #pickAll(now: number): DueDelivery[] {
    const concurrency = this.#o.concurrency;
    const out: DueDelivery[] = [];
    for (const kind of this.#configured()) out.push(...this.#pick(kind, now, concurrency, concurrency - this.#inFlight.size - out.length));
    return out;
  }

  /** Up to the URL's allowance (and `budget`): the oldest due SMS of numbers with nothing in flight. */
  #pick(kind: Kind, now: number, concurrency: number, budget: number): DueDelivery[] {
    const inFlight = [...this.#inFlight.values()].filter((f) => f.kind === kind).length;
    const allowance = Math.min(this.#gates[kind].allowance(now, inFlight, concurrency), budget);
    if (allowance <= 0) return [];
    const busy = new Set([...this.#inFlight.values()].map((f) => f.activationId));
    // Each in-flight row heads its number's queue and comes back here; expired rows are skipped too.
    const rows = this.#o.outbox.nextToSend(now, allowance + this.#inFlight.size + 16, FILTER[kind]);
    const out: DueDelivery[] = [];
    for (const row of rows) {
      if (out.length >= allowance) break;
      if (this.#inFlight.has(row.id) || busy.has(row.activationId)) continue;
      if (this.#expired(row, now)) {
        this.#giveUp(row, this.#expiredReason(row, row.lastError), now);
        continue;
      }
      busy.add(row.activationId);
      out.push(row);
    }
    return out;
  }

  /** One row of the crash leftovers at a time, oldest first, and nothing else meanwhile. */
  #pickResend(now: number): DueDelivery[] {
    if (this.#inFlight.size > 0) return [];
    const rows = this.#configured()
      .flatMap((k) => this.#o.outbox.inFlightAtStart(FILTER[k]))
      .sort((a, b) => a.id - b.id);
    const pending = new Set(rows.map((r) => r.id));
    for (const id of this.#resend) if (!pending.has(id)) this.#resend.delete(id); // settled meanwhile
    for (const row of rows) {
      if (!this.#resend.has(row.id)) continue;
      if (this.#expired(row, now)) {
        this.#resend.delete(row.id);
        this.#giveUp(row, this.#expiredReason(row, row.lastError), now);
        continue;
      }
      if (this.#gates[this.#kindOf(row)].allowance(now, 0, 1) === 0) continue;
      return [row];
    }
    if (this.#resend.size === 0) this.#schedulePump(); // leftovers done: the normal flow may start
    return [];
  }

  /** One timer for the next retry or probe. Rows due now wait for a slot: a settle re-pumps. */
  #armNext(now: number): void {
    try {
      for (const kind of this.#configured()) {
        const probeAt = this.#gates[kind].nextProbeAt;
        if (probeAt !== null && probeAt > now) this.#timer.arm(probeAt);
        const next = this.#o.outbox.nextDueAfter(now, FILTER[kind]);
        if (next !== null) this.#timer.arm(next);
      }
    } catch (err) {
      this.#storeError("reading the outbox", err);
    }
  }

  #expiredReason(row: DueDelivery, lastError: string | null): string {
    return `expired: activation ${row.activationId} closed more than ${this.#o.push.giveUpAfterCloseMs} ms ago${lastError ? ` (last error: ${lastError})` : ""}`;
  }

  #expired(row: DueDelivery, now: number): boolean {
    return row.closedAt !== null && now - row.closedAt > this.#o.push.giveUpAfterCloseMs;
  }

  #send(row: DueDelivery): void {
    const kind = this.#kindOf(row);
    const controller = new AbortController();
    const ticket = this.#gates[kind].begin(this.#o.clock());
    const flight: Flight = { kind, activationId: row.activationId, answered: false };
    const delivery = this.#deliver(row, kind, ticket, controller.signal, flight).finally(() => {
      this.#inFlight.delete(row.id);
      this.#resend.delete(row.id);
      if (!flight.answered) this.#caughtUp = false; // no outcome to record: the row is still pending in the store
      this.#schedulePump();
    });
    this.#inFlight.set(row.id, flight);
    void this.#worker.track(delivery, controller);
  }

  async #deliver(row: DueDelivery, kind: Kind, ticket: GateTicket, signal: AbortSignal, flight: Flight): Promise<void> {
    const url = kind === "rent" ? this.#o.push.rentUrl : this.#o.push.url;
    if (!url) return; // only configured kinds are picked; kept for the type checker
    const body = buildPushSms(row, this.#o.key, this.#o.push);
    const sentAt = this.#o.clock();
    const result = await requestJson(this.#o.transport, {
      url,
      body,
      // One copy of the docs lists the Bearer header as required (docs/protocols/onlinesim-v1.md#push_sms); the key is in the body anyway.
      headers: { authorization: `Bearer ${this.#o.key}` },
      timeoutMs: this.#o.timeoutMs,
      signal,
      scrub: this.#o.scrub,
    });
    if (this.#worker.closed) return; // stop() gave up on us: the row stays queued (and in flight) for the next start
    const now = this.#o.clock();
    const verdict: PushVerdict = result.ok ? classifyPushAnswer(result.answer, this.#terminal) : { kind: "retry", error: result.error, transient: true };
    const ctx = { outboxId: row.id, activationId: row.activationId, smsId: body.smsId, attempt: row.attempts + 1, rent: kind === "rent", ms: now - sentAt };
    // Written by the pump this answer schedules (#send), before it reads what to send next.
    flight.answered = true;
    this.#answers.push(() => this.#apply(row, kind, ticket, verdict, ctx, now));
  }

  #apply(row: DueDelivery, kind: Kind, ticket: GateTicket, verdict: PushVerdict, ctx: Record<string, unknown>, now: number): void {
    const outcome: GateOutcome = verdict.kind === "config" ? "config" : verdict.kind === "retry" && verdict.transient ? "unreachable" : "answered";
    const gate = this.#gates[kind];
    const failuresBefore = gate.failures;
    const step = gate.settle(ticket, outcome, now);
    if (!step && failuresBefore > 0) {
      this.#log.info({ ...ctx, failures: failuresBefore, event: "push-url-answers" }, `PUSH_SMS${kind === "rent" ? " (RENT)" : ""} answers again after ${failuresBefore} failed attempts: sending the queue, oldest first`);
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
        const error = `${verdict.code} (HTTP ${verdict.status})`;
        this.#fail(row, error, now);
        if (step?.escalated) {
          this.#log.error(
            { ...ctx, error: verdict.code, status: verdict.status, retryInMs: step.waitMs },
            `PUSH_SMS ${verdict.code}: ${CONFIG_ERROR_REMEDIES[verdict.code]}; pausing PUSH_SMS for ${Math.round(step.waitMs / 1000)} s`,
          );
        }
        return;
      }
      case "retry":
        this.#fail(row, verdict.error, now);
        if (step?.escalated) {
          // The first failure, then each failed probe: one line per back-off step, not per SMS.
          this.#log[failuresBefore === 0 ? "warn" : "debug"](
            { ...ctx, error: verdict.error, retryInMs: step.waitMs, failures: gate.failures, event: "push-backoff" },
            `PUSH_SMS failed (${verdict.error}): backing off, next try in ${Math.round(step.waitMs / 1000)} s with one SMS`,
          );
        } else if (!step) {
          this.#log[row.attempts === 0 ? "warn" : "debug"]({ ...ctx, error: verdict.error, retryInMs: this.#o.push.retryMs }, "PUSH_SMS refused, will retry this SMS");
        }
        return;
    }
  }

  /** A failed attempt: this SMS again no sooner than push.retryMs (Onlinesim's period); the gate paces the URL. */
  #fail(row: DueDelivery, error: string, now: number): void {
    this.#caughtUp = false; // the row waits for a later try: only the store knows when
    const clean = this.#o.scrub(error);
    this.#lastError = clean;
    this.#counts.failedAttempts++;
    if (this.#expired(row, now)) {
      this.#giveUp(row, this.#expiredReason(row, clean), now);
      return;
    }
    this.#o.outbox.markAttempt(row.id, clean, now + this.#o.push.retryMs);
  }

  #giveUp(row: DueDelivery, reason: string, now: number): void {
    const clean = this.#o.scrub(reason);
    try {
      if (this.#o.outbox.markGaveUp(row.id, clean, now)) this.#counts.gaveUp++;
    } catch (err) {
      this.#storeError(`giving up PUSH_SMS ${row.id}`, err);
      return;
    }
    if (clean.startsWith("expired")) this.#log.warn({ outboxId: row.id, activationId: row.activationId, attempts: row.attempts }, `PUSH_SMS given up: ${clean}`);
  }

  /** "PUSH_SMS URL not configured; N SMS queued", once per URL, as soon as a row waits for it. */
  #warnUnconfigured(): void {
    for (const kind of KINDS) {
      const url = kind === "rent" ? this.#o.push.rentUrl : this.#o.push.url;
      if (url || this.#warnedUnconfigured.has(kind)) continue;
      let queued = 0;
      try {
        queued = this.#o.outbox.pendingCount(FILTER[kind]);
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
    this.#lastError = this.#o.scrub(`store: ${err instanceof Error ? err.message : String(err)}`);
    this.#log.error({ err }, `PUSH_SMS: store failed while ${what}`);
  }
}
