/**
 * ActivationEngine: the v1 partner protocol's business core (GET_SERVICES counts,
 * GET_NUMBER, FINISH_ACTIVATION, SMS → outbox), independent of HTTP and of modem code.
 * Its input is the port map's snapshot; its durable side is an EnginePersistence.
 *
 * Concurrency: every public method is synchronous from start to end, including the
 * durable commit (persistence.ts is synchronous, better-sqlite3). Node runs one JS turn at
 * a time, so no other request can run between "pick a free SIM", "commit the activation"
 * and "mark it busy in memory": hundreds of concurrent GET_NUMBER requests are serialised
 * by the event loop itself and can never get the same number (docs/protocols/onlinesim-v1.md#get_number [C]: a number in an
 * operation is not given out again until FINISH_ACTIVATION). Do not add an `await` inside
 * getNumber/finishActivation; if the store ever becomes asynchronous, put a mutex here.
 * `orderNumber` (group commit) is the one asynchronous path: its pick and reservation are
 * still one synchronous step, and a reserved SIM counts as busy until its commit returned.
 *
 * Memory changes only after the durable write returned: if the store throws, the request
 * fails and memory is as before; if the process dies after the commit, `load()` rebuilds
 * exactly the committed state.
 */
import { isSimgateError } from "../errors.js";
import { silentLogger, type Logger } from "../log/logger.js";
import { pickSim } from "./assignment.js";
import { Catalog } from "../markets/onlinesim/catalog.js";
import type { EngineConfig } from "./config.js";
import { Inventory, type CountryCounts, type PortInput } from "./inventory.js";
import { FINISH_STATUSES, isKnownStatus, isStale, releaseAfterMs, sweepEveryMs, usageAfterClose } from "./lifecycle.js";
import type { ActivationRecord, ClosedActivationRecord, CloseOutcome, EnginePersistence, NewActivation } from "./persistence.js";
import { parseExceptionPhoneSet } from "../markets/onlinesim/prefixes.js";
import { routeSms, type RouteOutcome, type SmsToRoute } from "./sms-routing.js";
import { EngineState } from "./state.js";

export interface GetServicesResponse {
  /** Entry key `country` (Q3: the doc's `#countryname#` is a placeholder; SMSHUB uses `country`). */
  countryList: CountryCounts[];
  status: "SUCCESS";
}

export interface GetNumberRequest {
  country: unknown;
  operator: unknown;
  service: unknown;
  /** RUB credited on success (docs/protocols/onlinesim-v1.md#get_number). */
  sum?: unknown;
  /** Integers or digit strings (Q8). */
  exceptionPhoneSet?: unknown;
}

/** docs/protocols/onlinesim-v1.md#get_number [R] (the [C] schema is cut off): number = digits with country code as a JSON number (Q7). */
export type GetNumberResponse =
  | { status: "SUCCESS"; number: number; activationId: number }
  | { status: "NO_NUMBERS" }
  | { status: "ERROR"; error: string };

export interface FinishRequest {
  activationId: unknown;
  status: unknown;
  sum?: unknown;
}

export type FinishResponse = { status: "SUCCESS" } | { status: "ERROR"; error: string };

/** `simgate activations close ID --status N` (closeByOperator). */
export type OperatorCloseResult =
  | { ok: true; outcome: "closed" | "finished-after-release" | "already-closed"; activation: ClosedActivationRecord }
  | { ok: false; error: "UNKNOWN_ACTIVATION" | "BAD_STATUS" | "STORE_FAILED"; detail: string };

/** What a FINISH status (from Onlinesim or the operator) did. */
type RecordedFinish = CloseOutcome | { kind: "failed" };

/** FINISH_ACTIVATION statuses in words, as Onlinesim documents them. */
const STATUS_WORDS: Record<number, string> = { 1: "not for this service", 3: "sold", 4: "cancelled", 5: "refunded" };

export interface EngineStats {
  /** Ready modules (present ports with a ready SIM). */
  modules: number;
  /** Of those, SIMs with an Onlinesim name (offerable). */
  namedSims: number;
  openActivations: number;
  /** Gauge: open activations older than life × staleFactor at the last check. */
  staleActivations: number;
  assigned: number;
  noNumbers: number;
  finished: number;
  repeatedFinish: number;
  unknownFinish: number;
  /** FINISH statuses (from Onlinesim or the operator) recorded for activations released before. */
  lateFinish: number;
  /** Closed by the operator (`simgate activations close`); also counted in `finished`. */
  closedByOperator: number;
  /** GET_NUMBER answers that never reached the client: withdrawn at once. */
  undelivered: number;
  /** Released by the overdue policy, with or without an SMS. */
  releasedOverdue: number;
  /** Of those, the ones that had got an SMS. */
  releasedOverdueWithSms: number;
  smsQueued: number;
  smsUnrouted: number;
}

export interface EngineOptions {
  persistence: EnginePersistence;
  config: Readonly<EngineConfig>;
  logger?: Logger;
  clock?: () => number;
  /**
   * Called after a number was freed other than by Onlinesim's FINISH request (withdrawn,
   * released as overdue, closed by the operator): whoever publishes the free numbers (the
   * v2 list in "both" mode) learns it without a partner request to hook on.
   */
  onNumberFreed?: () => void;
}

export class ActivationEngine {
  readonly #persistence: EnginePersistence;
  readonly #config: Readonly<EngineConfig>;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #onNumberFreed: () => void;
  readonly #state: EngineState;
  readonly #inventory: Inventory;
  readonly #serviceSet: ReadonlySet<string>;
  readonly #reportedStale = new Set<number>();
  /** Orders reserved in memory, waiting for their group commit (orderNumber). */
  #pending: { input: NewActivation; resolve: (r: GetNumberResponse) => void }[] = [];
  readonly #stats: Omit<EngineStats, "modules" | "namedSims" | "openActivations"> = {
    staleActivations: 0,
    assigned: 0,
    noNumbers: 0,
    finished: 0,
    repeatedFinish: 0,
    unknownFinish: 0,
    lateFinish: 0,
    closedByOperator: 0,
    undelivered: 0,
    releasedOverdue: 0,
    releasedOverdueWithSms: 0,
    smsQueued: 0,
    smsUnrouted: 0,
  };

  constructor(options: EngineOptions) {
    this.#persistence = options.persistence;
    this.#config = options.config;
    this.#log = (options.logger ?? silentLogger()).child({ component: "engine" });
    this.#clock = options.clock ?? Date.now;
    this.#onNumberFreed = options.onNumberFreed ?? (() => undefined);
    this.#state = EngineState.fromDurable(this.#persistence.load());
    this.#inventory = new Inventory(new Catalog(this.#config.names), this.#config.reserveModules, this.#log);
    this.#serviceSet = new Set(this.#config.services);
    this.#log.info({ event: "engine-loaded", openActivations: this.#state.open.size }, "engine state loaded");
    const { releaseFactor, releaseWithSmsFactor } = this.#config;
    if ((releaseFactor ?? 1) < 1 || (releaseWithSmsFactor ?? 1) < 1) {
      this.#log.warn({ event: "release-factor-below-one", releaseFactor, releaseWithSmsFactor }, "engine.releaseFactor/releaseWithSmsFactor below 1 release activations before Onlinesim's operation ends: for tests only");
    }
  }

  /**
   * Take the port map's current snapshot. A SIM that left (or stopped being ready) during
   * an open activation keeps the activation open and is simply not offered; when it comes
   * back it is still busy until FINISH_ACTIVATION (docs/protocols/onlinesim-v1.md#finish_activation).
   */
  updatePorts(ports: readonly PortInput[]): void {
    this.#inventory.update(ports, this.#state);
  }

  /** GET_SERVICES (docs/protocols/onlinesim-v1.md#get_services): counts for every configured service, per country × operator plus `any`. */
  getServices(): GetServicesResponse {
    return { countryList: this.#inventory.counts(this.#config.services, this.#state), status: "SUCCESS" };
  }

  /**
   * GET_NUMBER (docs/protocols/onlinesim-v1.md#get_number), one transaction per order. Synchronous end to end: see the file
   * comment. Simple and exact; under a burst every order pays its own fsync, so the HTTP
   * path should use `orderNumber`.
   */
  getNumber(req: GetNumberRequest): GetNumberResponse {
    const prepared = this.#prepareOrder(req);
    if ("response" in prepared) return prepared.response;
    let activation: ActivationRecord;
    try {
      activation = this.#persistence.createActivation(prepared.input);
    } catch (err) {
      this.#log.error({ event: "activation-commit-failed", err, number: prepared.input.number }, "could not commit the activation; nothing reserved");
      return { status: "ERROR", error: "activation could not be stored" };
    }
    return this.#opened(activation);
  }

  /**
   * GET_NUMBER with group commit: the pick and the in-memory reservation happen
   * synchronously (so no other order can take the same SIM), then every order of this
   * event-loop turn is committed in one transaction (`createActivations`, one fsync) on
   * the next `setImmediate`, and only then answered. If that commit fails, every order in
   * it answers ERROR and its reservation is released. A crash before the commit loses
   * only reservations nobody was told about.
   */
  orderNumber(req: GetNumberRequest): Promise<GetNumberResponse> {
    const prepared = this.#prepareOrder(req);
    if ("response" in prepared) return Promise.resolve(prepared.response);
    this.#state.reserve(prepared.input.number, prepared.input.iccid);
    return new Promise((resolve) => {
      this.#pending.push({ input: prepared.input, resolve });
      if (this.#pending.length === 1) setImmediate(() => this.#commitPending());
    });
  }

  #commitPending(): void {
    const batch = this.#pending;
    this.#pending = [];
    let records: ActivationRecord[];
    try {
      records = this.#persistence.createActivations(batch.map((p) => p.input));
    } catch (err) {
      this.#log.error({ event: "activation-commit-failed", err, orders: batch.length }, "could not commit a batch of activations; none issued");
      for (const p of batch) {
        this.#state.unreserve(p.input.number, p.input.iccid);
        p.resolve({ status: "ERROR", error: "activation could not be stored" });
      }
      return;
    }
    batch.forEach((p, i) => {
      this.#state.unreserve(p.input.number, p.input.iccid);
      p.resolve(this.#opened(records[i]!));
    });
  }

  /** Validation and the pick; a ready answer when there is nothing to commit. */
  #prepareOrder(req: GetNumberRequest): { response: GetNumberResponse } | { input: NewActivation } {
    if (typeof req.country !== "string" || typeof req.operator !== "string" || typeof req.service !== "string") {
      return { response: { status: "ERROR", error: "country, operator and service must be strings" } };
    }
    let exceptions: string[];
    try {
      exceptions = parseExceptionPhoneSet(req.exceptionPhoneSet);
    } catch (err) {
      if (isSimgateError(err)) return { response: { status: "ERROR", error: err.plainMessage } };
      throw err;
    }
    const country = req.country.trim().toLowerCase();
    const operator = req.operator.trim().toLowerCase();
    const service = req.service.trim().toLowerCase();
    const sum = typeof req.sum === "number" && Number.isFinite(req.sum) ? req.sum : 0;
    // An unknown service, country or operator is "nothing to sell", not an error (issue 5).
    const sim = this.#serviceSet.has(service) ? pickSim({ country, operator, service, exceptions }, this.#inventory, this.#state) : undefined;
    if (!sim) {
      this.#stats.noNumbers++;
      this.#log.debug({ event: "no-numbers", country, operator, service, exceptions }, "no number for request");
      return { response: { status: "NO_NUMBERS" } };
    }
    return {
      input: { number: sim.number, iccid: sim.iccid, portId: sim.portId, country: sim.country, operator: sim.operator, service, sum, createdAt: this.#clock() },
    };
  }

  /** The activation is durable: make it open in memory and answer. */
  #opened(activation: ActivationRecord): GetNumberResponse {
    this.#state.addOpen(activation);
    this.#inventory.touch(activation.number, this.#state);
    this.#stats.assigned++;
    this.#log.info({ event: "activation-opened", port: activation.portId, number: `+${activation.number}`, activationId: activation.id, service: activation.service, sum: activation.sum }, "number issued");
    return { status: "SUCCESS", number: Number(activation.number), activationId: activation.id };
  }

  /** FINISH_ACTIVATION (docs/protocols/onlinesim-v1.md#finish_activation): idempotent by id; always releases the number. */
  finishActivation(req: FinishRequest): FinishResponse {
    const id = req.activationId;
    const status = req.status;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) return { status: "ERROR", error: "activationId must be an integer ≥ 1" };
    if (typeof status !== "number" || !Number.isSafeInteger(status)) return { status: "ERROR", error: "status must be an integer" };
    const finishSum = typeof req.sum === "number" && Number.isFinite(req.sum) ? req.sum : null;
    if (!isKnownStatus(status)) this.#log.warn({ event: "finish-unknown-status", activationId: id, status }, "FINISH_ACTIVATION with an undocumented status: released, usage unchanged (Q17)");
    const outcome = this.#recordFinish(id, status, finishSum, "finish");
    switch (outcome.kind) {
      case "failed":
        // Onlinesim re-sends FINISH after a failed answer (docs/protocols/onlinesim-v1.md#finish_activation), so ERROR is safe here.
        return { status: "ERROR", error: "close could not be stored" };
      case "unknown":
        this.#stats.unknownFinish++;
        this.#log.warn({ event: "finish-unknown-id", activationId: id, status, policy: this.#config.unknownActivation }, "FINISH_ACTIVATION for an id we never issued (Q11)");
        return this.#config.unknownActivation === "success" ? { status: "SUCCESS" } : { status: "ERROR", error: "unknown activationId" };
      default:
        // Closed now, closed before, or released before (withdrawn or overdue): an id we issued, so
        // the idempotent SUCCESS Onlinesim expects for a re-sent FINISH, whatever the policy for ids we never issued.
        return { status: "SUCCESS" };
    }
  }

  /**
   * `simgate activations close ID --status N`: exactly what FINISH_ACTIVATION with that
   * status does (frees the number, same usage and earnings rule, idempotent), for an
   * activation Onlinesim will not close. Only the documented statuses; an id we never
   * issued is refused rather than answered SUCCESS, because a person is asking.
   */
  closeByOperator(id: number, status: number): OperatorCloseResult {
    if (!Number.isSafeInteger(id) || id < 1) return { ok: false, error: "UNKNOWN_ACTIVATION", detail: `no activation #${id}: ids are whole numbers from 1` };
    if (!isKnownStatus(status)) {
      const allowed = FINISH_STATUSES.map((s) => `${s} (${STATUS_WORDS[s]})`).join(", ");
      return { ok: false, error: "BAD_STATUS", detail: `status ${status} is not a FINISH_ACTIVATION status: use ${allowed}` };
    }
    const outcome = this.#recordFinish(id, status, null, "operator");
    switch (outcome.kind) {
      case "failed":
        return { ok: false, error: "STORE_FAILED", detail: "the close could not be stored (see the daemon's log); nothing changed" };
      case "unknown":
        return { ok: false, error: "UNKNOWN_ACTIVATION", detail: `no activation #${id} was ever issued` };
      default:
        return { ok: true, outcome: outcome.kind, activation: outcome.activation };
    }
  }

  /**
   * Record a FINISH status from Onlinesim (`finish`) or the operator. The usage row changes
   * only when this call is the one that records the status: an open activation, or one
   * released without a FINISH so far. Synchronous end to end (file comment).
   */
  #recordFinish(id: number, status: number, finishSum: number | null, by: "finish" | "operator"): RecordedFinish {
    const open = this.#state.open.get(id);
    let outcome: CloseOutcome;
    let usage = null;
    try {
      const known = open ?? this.#persistence.findActivation(id);
      const awaitsStatus = open !== undefined || (known !== undefined && "finishedAt" in known && known.finishedAt === null);
      usage = known && awaitsStatus ? usageAfterClose(this.#state.usageOf(known.number, known.service), status, this.#config.cancelLimit) : null;
      outcome = this.#persistence.closeActivation({ id, status, finishSum, closedAt: this.#clock(), usage, reason: by });
    } catch (err) {
      this.#log.error({ event: "activation-close-failed", err, activationId: id, by }, "could not store the close");
      return { kind: "failed" };
    }
    const where = (a: ActivationRecord) => ({ port: a.portId, number: `+${a.number}`, service: a.service });
    const byWhom = by === "operator" ? "closed by operator" : "closed";
    switch (outcome.kind) {
      case "closed": {
        if (!open) this.#log.error({ event: "finish-memory-drift", activationId: id }, "store had an open activation the engine did not know; closed without usage change");
        this.#state.removeOpen(id);
        if (usage) this.#state.setUsage(usage);
        this.#reportedStale.delete(id);
        this.#stats.finished++;
        if (by === "operator") {
          this.#stats.closedByOperator++;
          this.#notifyFreed();
        }
        const a = outcome.activation;
        this.#log.info(
          { event: "activation-closed", by, ...where(a), activationId: id, status, sum: finishSum },
          by === "operator" ? `activation #${id} (+${a.number}) closed by operator with status ${status} (${STATUS_WORDS[status] ?? "undocumented"}); the number is free again` : "activation closed",
        );
        return outcome;
      }
      case "finished-after-release": {
        if (open) this.#state.removeOpen(id);
        if (usage) this.#state.setUsage(usage);
        this.#stats.finished++;
        this.#stats.lateFinish++;
        if (by === "operator") this.#stats.closedByOperator++;
        const a = outcome.activation;
        // Undelivered means Onlinesim was never told the id: a FINISH for it says it was after all.
        const level = a.closeReason === "undelivered" ? "warn" : "info";
        this.#log[level](
          { event: "finish-after-release", by, ...where(a), activationId: id, status, sum: finishSum, releasedAs: a.closeReason },
          `activation #${id} ${byWhom} with status ${status} after it was released (${a.closeReason}); status recorded, its number stays with whoever has it now`,
        );
        return outcome;
      }
      case "already-closed": {
        if (open) {
          this.#log.error({ event: "finish-memory-drift", activationId: id }, "engine thought this activation open but the store has it closed");
          this.#state.removeOpen(id);
        }
        const first = outcome.activation;
        if (by === "finish") this.#stats.repeatedFinish++;
        const differs = first.closeReason === "operator" && by === "finish" && first.status !== status;
        this.#log[differs ? "warn" : "info"](
          { event: "finish-repeated", by, activationId: id, status, firstStatus: first.status, firstBy: first.closeReason },
          differs
            ? `Onlinesim finished activation #${id} with status ${status}; the operator had closed it with ${first.status}, which stands`
            : `repeated close of activation #${id} answered SUCCESS; the first status (${first.status}) stands`,
        );
        return outcome;
      }
      case "unknown":
        if (open) this.#state.removeOpen(id);
        return outcome;
    }
  }

  /**
   * The GET_NUMBER answer for this activation never reached the client (it left, or the
   * write failed), so Onlinesim never learned the id and will never FINISH it: free the
   * number at once. The activation stays in the store as `undelivered` and its id is never
   * issued again; a FINISH for it later is answered SUCCESS (finishActivation).
   */
  withdrawUndelivered(activationId: number, reason: string): void {
    const a = this.#state.open.get(activationId);
    if (!a) {
      this.#log.warn({ event: "activation-undelivered-not-open", activationId, reason }, `activation #${activationId} was not delivered (${reason}) but is no longer open; nothing to withdraw`);
      return;
    }
    let outcome;
    try {
      outcome = this.#persistence.releaseActivation({ id: activationId, reason: "undelivered", releasedAt: this.#clock() });
    } catch (err) {
      this.#log.error({ event: "activation-withdraw-failed", err, activationId }, "could not store the withdrawal of an undelivered activation; it stays open until the overdue release");
      return;
    }
    this.#state.removeOpen(activationId);
    this.#reportedStale.delete(activationId);
    if (outcome.kind === "not-open") {
      this.#log.error({ event: "finish-memory-drift", activationId }, "engine thought this activation open but the store has it closed");
      return;
    }
    this.#stats.undelivered++;
    this.#log.warn(
      { event: "activation-undelivered", activationId, number: `+${a.number}`, port: a.portId, service: a.service, reason },
      `activation #${activationId} (+${a.number}, port ${a.portId ?? "unknown"}) withdrawn: the GET_NUMBER answer never reached Onlinesim (${reason}); the number is for sale again, the id is never reused`,
    );
    this.#notifyFreed();
  }

  /**
   * The periodic check (port-feed.ts `watchStale`, every `sweepEveryMs()`): release the
   * activations the overdue policy gives up on (lifecycle.ts `releaseAfterMs`; config.ts
   * says why), one warn line and a counter each, then report the stale ones that remain.
   * Returns the released activations. A store failure leaves the activation open for the
   * next sweep.
   */
  sweep(now: number = this.#clock()): ActivationRecord[] {
    const released: ActivationRecord[] = [];
    for (const a of [...this.#state.open.values()]) {
      const hasSms = this.#state.withSms.has(a.id);
      const limit = releaseAfterMs(this.#config, a.service, hasSms);
      const ageMs = now - a.createdAt;
      if (limit === null || ageMs <= limit) continue;
      let outcome;
      try {
        outcome = this.#persistence.releaseActivation({ id: a.id, reason: "overdue", releasedAt: now });
      } catch (err) {
        this.#log.error({ event: "activation-release-failed", err, activationId: a.id }, "could not store the overdue release; trying again at the next check");
        continue;
      }
      this.#state.removeOpen(a.id);
      this.#reportedStale.delete(a.id);
      if (outcome.kind === "not-open") {
        this.#log.error({ event: "finish-memory-drift", activationId: a.id }, "engine thought this activation open but the store has it closed");
        continue;
      }
      this.#stats.releasedOverdue++;
      if (hasSms) this.#stats.releasedOverdueWithSms++;
      // Minutes, as operators think of the operation time; seconds for the short lives of tests.
      const minutes = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1_000)} s` : `${Math.round(ms / 60_000)} min`);
      this.#log.warn(
        { event: "activation-released", activationId: a.id, number: `+${a.number}`, port: a.portId, service: a.service, ageMs, sms: hasSms, limitMs: limit },
        `released activation #${a.id} (+${a.number}, port ${a.portId ?? "unknown"}, ${a.service}): no FINISH_ACTIVATION ${minutes(ageMs)} after it was issued (operation time ${minutes(this.#config.activationLifeMs)}), ${hasSms ? "after an SMS" : "no SMS"}; the number is for sale again, a late FINISH is still recorded`,
      );
      released.push({ ...a });
    }
    this.staleActivations(now);
    if (released.length > 0) this.#notifyFreed();
    return released;
  }

  #notifyFreed(): void {
    try {
      this.#onNumberFreed();
    } catch (err) {
      this.#log.warn({ event: "number-freed-callback-failed", err }, "the onNumberFreed callback threw; the release itself is stored");
    }
  }

  /** How often `sweep` should run for this config (lifecycle.ts). */
  sweepEveryMs(): number {
    return sweepEveryMs(this.#config);
  }

  /** An SMS the store already holds: queue it for PUSH_SMS when its number has an open activation. */
  routeSms(sms: SmsToRoute): RouteOutcome {
    const outcome = routeSms(sms, this.#state, this.#persistence);
    if (outcome.kind === "unrouted") {
      this.#stats.smsUnrouted++;
      this.#log.info({ event: "sms-unrouted", smsId: sms.smsId, portId: sms.portId, reason: outcome.reason }, "SMS kept without an open activation");
    } else if (outcome.kind === "failed") {
      this.#log.error({ event: "sms-route-failed", smsId: sms.smsId, activationId: outcome.activationId, error: outcome.error }, "could not queue the SMS for PUSH_SMS; it stays stored, retry the routing");
    } else {
      this.#state.markSms(outcome.activationId);
      if (outcome.kind === "queued") this.#stats.smsQueued++;
      this.#log.info({ event: "sms-routed", port: sms.portId, ...(sms.number ? { number: `+${sms.number.replace(/^\+/, "")}` } : {}), smsId: sms.smsId, activationId: outcome.activationId, outboxId: outcome.outboxId, duplicate: outcome.kind === "duplicate" }, "SMS queued for PUSH_SMS");
    }
    return outcome;
  }

  /**
   * Open activations far past their expected life. Reported loudly (one error log per
   * activation, and the `staleActivations` gauge); `sweep` releases the ones its policy
   * gives up on before it reports these.
   */
  staleActivations(now: number = this.#clock()): ActivationRecord[] {
    const stale: ActivationRecord[] = [];
    for (const a of this.#state.open.values()) {
      if (!isStale(a.createdAt, now, this.#config.activationLifeMs, this.#config.staleFactor)) continue;
      stale.push({ ...a });
      if (!this.#reportedStale.has(a.id)) {
        this.#reportedStale.add(a.id);
        this.#log.error({ event: "activation-stale", activationId: a.id, number: a.number, service: a.service, ageMs: now - a.createdAt }, "activation open far past its expected life; waiting for FINISH_ACTIVATION or the overdue release (engine.releaseFactor, releaseWithSmsFactor)");
      }
    }
    this.#stats.staleActivations = stale.length;
    return stale;
  }

  /** The open activation holding this number (E.164, "+" optional), from memory. */
  openActivationFor(number: string): ActivationRecord | undefined {
    const a = this.#state.openByNumber.get(number.replace(/^\+/, ""));
    return a ? { ...a } : undefined;
  }

  openActivations(): ActivationRecord[] {
    return [...this.#state.open.values()].map((a) => ({ ...a }));
  }

  stats(): EngineStats {
    return { ...this.#stats, modules: this.#inventory.modules, namedSims: this.#inventory.sims.size, openActivations: this.#state.open.size };
  }
}
