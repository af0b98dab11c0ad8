/**
 * The buyer side of the fake Onlinesim: polls the partner's GET_SERVICES (docs/protocols/onlinesim-v1.md#get_services), orders with
 * GET_NUMBER (docs/protocols/onlinesim-v1.md#get_number), keeps the open operations, and closes each with FINISH_ACTIVATION (docs/protocols/onlinesim-v1.md#finish_activation),
 * re-sending FINISH when the answer fails or misses the deadline (so the partner's handler
 * must be idempotent, Q11). Bounded: maxOrders, maxFinishAttempts, stop().
 */
export type { MarketplaceOptions, MarketplaceStats, Violation } from "./marketplace-options.js";
import { check, FinishActivationResponse, GetNumberResponse, type FinishStatus } from "../schemas.js";
import { resolveMarketplaceOptions, type MarketplaceOptions, type MarketplaceStats, type ResolvedMarketplaceOptions, type Violation } from "./marketplace-options.js";
import { readOffers, type Offer } from "./offers.js";
import type { Operation, OperationBook } from "./operations.js";
import { PartnerClient } from "./partner-client.js";
import { Prng } from "./prng.js";

const MAX_VIOLATIONS = 1_000;

interface Plan {
  timer?: NodeJS.Timeout;
  finishing?: Promise<boolean>;
}

export class Marketplace {
  /** The latest violations (at most MAX_VIOLATIONS); `violationCount` counts them all. */
  readonly violations: Violation[] = [];
  violationCount = 0;
  private readonly o: ResolvedMarketplaceOptions;
  private readonly paths: ResolvedMarketplaceOptions["paths"];
  private readonly client: PartnerClient;
  private readonly prng: Prng;
  private readonly plans = new Map<number, Plan>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly everIssued = new Set<number>();
  private readonly sleepers = new Set<() => void>();
  private offers: Offer[] = [];
  private blockedUntil = 0;
  private stopped = false;
  private readonly s: MarketplaceStats = {
    polls: 0, pollFailures: 0, orders: 0, issued: 0, noNumbers: 0, blocks: 0, blocked: false, orderFailures: 0,
    finishes: { 1: 0, 3: 0, 4: 0, 5: 0 }, finishAttempts: 0, finishRetries: 0, finishResends: 0, earnings: 0, open: 0,
  };

  private readonly onIssued: MarketplaceOptions["onIssued"];

  constructor(opts: MarketplaceOptions, private readonly book: OperationBook) {
    this.o = resolveMarketplaceOptions(opts);
    this.onIssued = opts.onIssued;
    this.paths = this.o.paths;
    this.client = new PartnerClient({ baseUrl: opts.partnerUrl, key: opts.key, deadlineMs: this.o.deadlineMs, bearer: opts.bearer, fetch: opts.fetch });
    this.prng = new Prng(this.o.seed);
  }

  start(): void {
    const loops = () => {
      if (this.stopped) return;
      if (this.o.pollMs > 0) this.loop(this.o.pollMs, () => this.pollOnce(), true);
      if (this.o.orderEveryMs > 0) this.loop(this.o.orderEveryMs, () => this.orderOnce(), false);
    };
    if (this.o.awaitPartnerMs > 0) void this.track(() => this.awaitPartner()).then(loops);
    else loops();
  }

  /** Until the partner answers GET_SERVICES (or awaitPartnerMs passed): a partner still starting is not a violation. */
  private async awaitPartner(): Promise<void> {
    const deadline = Date.now() + this.o.awaitPartnerMs;
    while (!this.stopped && Date.now() < deadline) {
      if ((await this.client.post(this.paths.getServices, { action: "GET_SERVICES" })).ok) return;
      await this.sleep(250);
    }
  }

  stats(): MarketplaceStats {
    return { ...this.s, finishes: { ...this.s.finishes }, earnings: Math.round(this.s.earnings * 100) / 100, open: this.book.openOperations().length, blocked: Date.now() < this.blockedUntil };
  }

  currentOffers(): readonly Offer[] {
    return this.offers;
  }

  /** One GET_SERVICES round; the offers are replaced only by a valid answer. */
  async pollOnce(): Promise<boolean> {
    return this.track(async () => {
      this.s.polls++;
      const sentAt = Date.now();
      const reply = await this.client.post(this.paths.getServices, { action: "GET_SERVICES" });
      const receivedAt = Date.now();
      if (!reply.ok) return this.failPoll(`${reply.reason}: ${reply.detail}`);
      const read = readOffers(reply.body, this.o.moduleCount);
      if (!read.ok) {
        if (read.overReported) {
          this.s.blocks++;
          this.blockedUntil = Date.now() + this.o.blockMs;
        }
        return this.failPoll(read.problems.join("; "));
      }
      this.offers = read.offers;
      this.o.onOffers?.(read.offers, { sentAt, receivedAt });
      return true;
    });
  }

  /** One GET_NUMBER for a random offered (country, operator, service); undefined when nothing is offered or maxOrders is reached. */
  async orderOnce(): Promise<Operation | undefined> {
    const offer = this.prng.pick(this.offers.filter((x) => x.count > 0));
    if (!offer || this.s.orders >= this.o.maxOrders || this.stopped || Date.now() < this.blockedUntil) return undefined;
    return this.track(() => this.order(offer));
  }

  /** PUSH_SMS accepted for `op` (called by the PUSH_SMS endpoint): FINISH 3 soon, unless the plan is status 1. */
  smsArrived(op: Operation): void {
    const plan = this.plans.get(op.activationId);
    if (!plan || !this.o.autoFinish || plan.finishing || op.sms.length !== 1) return;
    if (plan.timer) this.clear(plan.timer);
    plan.timer = this.after(this.o.closeAfterSmsMs, () => void this.finish(op.activationId, 3));
  }

  /** Close with FINISH_ACTIVATION, re-sent on failure or timeout (docs/protocols/onlinesim-v1.md#finish_activation) up to maxFinishAttempts. Resolves true when acknowledged. */
  finish(activationId: number, status: FinishStatus): Promise<boolean> {
    const plan = this.plans.get(activationId) ?? {};
    if (plan.finishing) return plan.finishing;
    if (plan.timer) this.clear(plan.timer);
    plan.finishing = this.track(() => this.sendFinish(activationId, status));
    this.plans.set(activationId, plan);
    return plan.finishing;
  }

  /** Nothing scheduled, nothing in flight: once stop() resolved, the buyer can send nothing more. */
  get idle(): boolean {
    return this.timers.size === 0 && this.sleepers.size === 0 && this.inflight.size === 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of this.sleepers) wake();
    this.client.abortAll();
    await Promise.allSettled([...this.inflight]);
  }

  private async order(offer: Offer): Promise<Operation | undefined> {
    this.s.orders++;
    // respect the offered counts until the next poll: this entry, and `any` which sums it (docs/protocols/onlinesim-v1.md#get_services-rule-2)
    for (const x of this.offers) {
      if (x === offer || (x.country === offer.country && x.service === offer.service && x.operator === "any")) x.count--;
    }
    const sum = this.prng.int(10, 500) / 10; // 1.0 … 50.0 RUB
    const exceptions = this.prng.chance(this.o.exceptionRate) ? this.exceptionSet() : undefined;
    const req = { action: "GET_NUMBER", country: offer.country, operator: offer.operator, service: offer.service, sum, ...(exceptions ? { exceptionPhoneSet: exceptions } : {}) };
    const reply = await this.client.post(this.paths.getNumber, req);
    if (!reply.ok) return this.failOrder(`${reply.reason}: ${reply.detail}`);
    const parsed = check(GetNumberResponse, reply.body);
    if (!parsed.ok) return this.failOrder(parsed.problems.join("; "));
    const r = parsed.value;
    if (r.status === "NO_NUMBERS") {
      this.s.noNumbers++;
      return undefined;
    }
    if (r.status === "ERROR") return this.failOrder(`ERROR ${r.error}`, false);
    const digits = String(r.number);
    const problems: string[] = [];
    const hit = exceptions?.find((p) => digits.startsWith(String(p)));
    if (hit !== undefined) problems.push(`number ${digits} matches exceptionPhoneSet prefix ${hit} (docs/protocols/onlinesim-v1.md#get_number)`);
    if (this.book.byNumber(digits)) problems.push(`number ${digits} is already in an open operation (docs/protocols/onlinesim-v1.md#get_number rule)`);
    if (this.everIssued.has(r.activationId)) problems.push(`activationId ${r.activationId} reused (Q18)`);
    if (problems.length > 0) return this.failOrder(problems.join("; "));
    this.everIssued.add(r.activationId);
    this.s.issued++;
    const op: Operation = { activationId: r.activationId, number: digits, country: offer.country, operator: offer.operator, service: offer.service, sum, openedAt: Date.now(), sms: [] };
    this.book.add(op);
    const sms = this.plan(op);
    this.onIssued?.(op, sms);
    return op;
  }

  /**
   * The operation's outcome: the next of `outcomes`, else random (status 1 sometimes;
   * otherwise wait for an SMS (→ 3) up to the window (→ 4 or 5)). Returns whether the
   * service should text the number (undefined: left to the services' own chance).
   */
  private plan(op: Operation): boolean | undefined {
    const plan: Plan = {};
    this.plans.set(op.activationId, plan);
    const outcomes = this.o.outcomes;
    if (outcomes) {
      const outcome = outcomes[(this.s.issued - 1) % outcomes.length]!;
      if (!this.o.autoFinish) return outcome === "sms";
      if (outcome === 1) plan.timer = this.after(this.o.closeAfterSmsMs, () => void this.finish(op.activationId, 1));
      else plan.timer = this.after(this.o.smsWindowMs, () => void this.finish(op.activationId, outcome === "sms" ? 4 : outcome));
      return outcome === "sms";
    }
    if (!this.o.autoFinish) return undefined;
    if (this.prng.chance(this.o.status1Rate)) {
      plan.timer = this.after(this.prng.int(0, Math.floor(this.o.smsWindowMs / 2)), () => void this.finish(op.activationId, 1));
    } else {
      const noSms: FinishStatus = this.prng.chance(0.5) ? 4 : 5;
      plan.timer = this.after(this.o.smsWindowMs, () => void this.finish(op.activationId, noSms));
    }
    return undefined;
  }

  private async sendFinish(activationId: number, status: FinishStatus): Promise<boolean> {
    const op = this.book.get(activationId);
    const body = { action: "FINISH_ACTIVATION", activationId, status, ...(status === 3 && op ? { sum: op.sum } : {}) };
    for (let attempt = 1; attempt <= this.o.maxFinishAttempts && !this.stopped; attempt++) {
      this.s.finishAttempts++;
      if (attempt > 1) this.s.finishRetries++;
      const reply = await this.client.post(this.paths.finishActivation, body);
      const parsed = reply.ok ? check(FinishActivationResponse, reply.body) : undefined;
      if (parsed?.ok && parsed.value.status === "SUCCESS") {
        this.book.close(activationId, status, attempt);
        this.s.finishes[status]++;
        if (status === 3 && op) this.s.earnings += op.sum;
        if (this.prng.chance(this.o.resendFinishRate)) await this.resendFinish(body);
        return true;
      }
      const why = !reply.ok ? `${reply.reason}: ${reply.detail}` : parsed && !parsed.ok ? parsed.problems.join("; ") : "status ERROR";
      this.violate("FINISH_ACTIVATION", `#${activationId} attempt ${attempt}: ${why}`);
      await this.sleep(this.o.finishRetryMs);
    }
    return false;
  }

  /** The same FINISH once more after SUCCESS: the partner must answer SUCCESS again (docs/protocols/onlinesim-v1.md#finish_activation, Q11). */
  private async resendFinish(body: { activationId: number }): Promise<void> {
    this.s.finishResends++;
    const reply = await this.client.post(this.paths.finishActivation, body);
    const parsed = reply.ok ? check(FinishActivationResponse, reply.body) : undefined;
    if (parsed?.ok && parsed.value.status === "SUCCESS") return;
    const why = !reply.ok ? `${reply.reason}: ${reply.detail}` : JSON.stringify(reply.body);
    this.violate("FINISH_ACTIVATION", `#${body.activationId} repeated FINISH not answered SUCCESS (Q11): ${why}`);
  }

  /** Prefixes of numbers issued before (cc + a few digits), else a Swedish one like the doc example; integers as Onlinesim sends them (docs/protocols/onlinesim-v1.md#get_number). */
  private exceptionSet(): number[] {
    const seen = this.book.closedOperations().map((o) => o.number).concat(this.book.openOperations().map((o) => o.number));
    const from = this.prng.pick(seen);
    return [from ? Number(from.slice(0, this.prng.int(3, 6))) : 46950];
  }

  private violate(what: Violation["what"], detail: string): void {
    this.violationCount++;
    this.violations.push({ at: Date.now(), what, detail });
    if (this.violations.length > MAX_VIOLATIONS) this.violations.shift();
  }

  private failPoll(detail: string): false {
    this.s.pollFailures++;
    this.violate("GET_SERVICES", detail);
    return false;
  }

  private failOrder(detail: string, violation = true): undefined {
    this.s.orderFailures++;
    if (violation) this.violate("GET_NUMBER", detail);
    return undefined;
  }

  private loop(everyMs: number, run: () => Promise<unknown>, immediately: boolean): void {
    const tick = () => void run().finally(() => !this.stopped && this.after(everyMs, tick));
    if (immediately) tick();
    else this.after(everyMs, tick);
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    if (this.stopped) this.clear(t);
    return t;
  }

  /** A pause that stop() cuts short. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        resolve();
      };
      this.sleepers.add(wake);
      if (this.stopped) wake();
      else this.after(ms, wake);
    });
  }

  private clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  private track<T>(fn: () => Promise<T>): Promise<T> {
    const p = fn();
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }
}
