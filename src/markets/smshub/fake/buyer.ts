/**
 * The buying side of the fake SMSHUB-family marketplace (docs/protocols/smshub.md):
 *
 *  - polls GET_SERVICES every 10–20 s (a random period in `pollMs`), reads the counts as
 *    strictly as SMSHUB (offers.ts) and blocks itself for 30 min after an over-report;
 *  - orders with GET_NUMBER, services by priority (earlier in `priority` = more often), in
 *    the dialect's currency with its decimals, sometimes with exceptionPhoneSet prefixes,
 *    and gives up after the 3 s issuance deadline (acceptance test 5);
 *  - judges each answer: exact types (number and activationId JSON numbers), the number
 *    has the country's calling code, is in no open order, matches no excluded prefix, is
 *    not burned for the service (sold = 3, rejected = 1, cancelled 4 times = 4), and a
 *    claimed count is real (NO_NUMBERS for something offered, while fewer SIMs of the
 *    country were taken since the poll than it claimed and no prefix was excluded,
 *    fails acceptance test 6);
 *  - closes each order with FINISH_ACTIVATION: 3 soon after its SMS came by PUSH_SMS, 4 or
 *    5 when none came within `smsWindowMs`, 1 for a share; re-sends a FINISH that failed,
 *    and some that succeeded (idempotence); optionally a 5 after a 3 (a late refund).
 * Everything the agent got wrong is a violation; bounded by maxOrders and stop().
 */
import { getCountryCallingCode, isSupportedCountry } from "libphonenumber-js/max";
import { Prng } from "../../fake/prng.js";
import { Scheduler } from "../../fake/scheduler.js";
import type { SmshubDialect } from "../dialects.js";
import { FAMILY_COUNTRY_NAMES } from "../names.js";
import { FinishActivationAnswer, GetNumberAnswer, problemsOf } from "../schemas.js";
import { AgentClient, type AgentReply } from "../agent-client.js";
import { OfferReader, type Offer } from "./offers.js";
import type { FinishStatus, Order, OrderBook } from "./orders.js";

export type BuyerOutcome = "sms" | 1 | 4 | 5;

export interface BuyerOptions {
  /** The agent's one URL (our daemon's SMSHUB endpoint). */
  agentUrl: string;
  key: string;
  dialect: SmshubDialect;
  /** GET_SERVICES period, a random value in [min, max] each time (SMSHUB: 10–20 s); null = only pollOnce(). */
  pollMs?: { min: number; max: number } | null;
  /** GET_NUMBER period; 0 = only orderOnce(). */
  orderEveryMs?: number;
  seed?: number;
  maxOrders?: number;
  /** No SMS within this ⇒ FINISH 4 (or 5). */
  smsWindowMs?: number;
  closeAfterSmsMs?: number;
  /** Share of orders closed with 1 (stop offering the number for the service). */
  status1Rate?: number;
  /** Share of the no-SMS closes sent as 5 (refund) rather than 4. */
  status5Rate?: number;
  /** Share of orders carrying exceptionPhoneSet. */
  exceptionRate?: number;
  /** ISO 4217 numeric currency of the orders (default 643, roubles). */
  currency?: number;
  /** Service codes by priority, most wanted first; unlisted codes come last. */
  priority?: readonly string[];
  /** Deadline of GET_SERVICES and FINISH (GET_NUMBER has the dialect's 3 s). */
  requestDeadlineMs?: number;
  finishRetryMs?: number;
  maxFinishAttempts?: number;
  /** Share of acknowledged FINISHes sent once more: the answer must be SUCCESS again. */
  resendFinishRate?: number;
  /** Share of sales followed by a 5 (the buyer was refunded after all). */
  refundAfterSaleRate?: number;
  /** The module count the agent declared: a higher count is over-reporting. */
  moduleCount?: number;
  blockMs?: number;
  autoFinish?: boolean;
  /** Each issued order's outcome in turn instead of at random (see the fake Onlinesim's). */
  outcomes?: readonly BuyerOutcome[];
  /** Wait up to this long for the agent to answer a first GET_SERVICES before counting failures. */
  awaitAgentMs?: number;
  /** Every issued order; `sms` says whether its service should text it (undefined: left to chance). */
  onIssued?: (order: Order, sms: boolean | undefined) => void;
  /**
   * Every valid GET_SERVICES answer, with when it was asked and when it came: a test holds
   * the counts against the agent's own record of who held which SIM in that window.
   */
  onOffers?: (offers: readonly Offer[], window: { sentAt: number; receivedAt: number }) => void;
  /**
   * The agent sells the same SIMs on other marketplaces too: a NO_NUMBERS after a claim may
   * be another marketplace's order in between, which SMSHUB's own rule cannot see. Such a
   * case is kept in `contested` (with the poll's and the order's times) for the caller to
   * hold against the agent's ledger, instead of being a violation. Default false.
   */
  sharedPool?: boolean;
  fetch?: typeof fetch;
}

export type ViolationKind = "GET_SERVICES" | "GET_NUMBER" | "FINISH_ACTIVATION" | "PUSH_SMS" | "TRANSPORT";

export interface Violation {
  at: number;
  what: ViolationKind;
  detail: string;
}

export interface BuyerStats {
  polls: number;
  pollFailures: number;
  orders: number;
  issued: number;
  noNumbers: number;
  /** NO_NUMBERS for something the last GET_SERVICES offered (counts not real). */
  claimedButNone: number;
  /** Orders that got a number this marketplace had cancelled (4) before for the same service. */
  reoffers: number;
  orderFailures: number;
  blocks: number;
  blocked: boolean;
  finishes: Record<FinishStatus, number>;
  finishAttempts: number;
  finishRetries: number;
  finishResends: number;
  refundsAfterSale: number;
  /** Per currency code (RUB, USD): sums of sales, less later refunds. */
  earnings: Record<string, number>;
  open: number;
  /** GET_NUMBER answer times in ms (answered ones). */
  issuance: { count: number; p50: number | null; p95: number | null; max: number | null };
}

const MAX_VIOLATIONS = 1_000;

/** A NO_NUMBERS after a claim, on a shared pool (BuyerOptions.sharedPool). */
export interface ContestedOrder {
  /** When the GET_SERVICES that made the claim was sent. */
  polledAt: number;
  /** When the NO_NUMBERS came. */
  at: number;
  country: string;
  operator: string;
  service: string;
  claimed: number;
  /** Orders of ours since that poll. */
  taken: number;
}
const MAX_SAMPLES = 10_000;

const COUNTRY_ISO = new Map(Object.entries(FAMILY_COUNTRY_NAMES).map(([iso, name]) => [name, iso]));

/** The calling code the numbers of a country name start with, when we know the name. */
function callingCode(country: string): string | undefined {
  const iso = COUNTRY_ISO.get(country);
  return iso !== undefined && isSupportedCountry(iso) ? getCountryCallingCode(iso) : undefined;
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  counts.set(key, Math.max(0, (counts.get(key) ?? 0) + by));
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Plan {
  timer?: NodeJS.Timeout;
  finishing?: Promise<boolean>;
  /** The outcome asked for: 1 closes with 1 even after an SMS. */
  status1?: boolean;
}

export class SmshubBuyer {
  readonly violations: Violation[] = [];
  violationCount = 0;
  readonly #o: Required<Omit<BuyerOptions, "onIssued" | "onOffers" | "sharedPool" | "fetch" | "outcomes" | "moduleCount" | "priority" | "pollMs">> & Pick<BuyerOptions, "outcomes" | "moduleCount" | "onIssued" | "onOffers" | "pollMs">;
  readonly #client: AgentClient;
  readonly #prng: Prng;
  readonly #reader: OfferReader;
  readonly #jobs = new Scheduler();
  readonly #plans = new Map<number, Plan>();
  readonly #priority: ReadonlyMap<string, number>;
  readonly #samples: number[] = [];
  #offers: Offer[] = [];
  /** Counts as the last poll claimed them, per country/operator/service. */
  #claimed = new Map<string, number>();
  /**
   * Orders that may have taken a SIM after the last poll's counts were made, per country:
   * those in flight when it was sent, and every one sent since (answered or not).
   */
  #takenSincePoll = new Map<string, number>();
  /** Orders awaiting an answer, per country. */
  readonly #inflight = new Map<string, number>();
  /** Orders sent while a poll is in flight, per country. */
  #startedDuringPoll: Map<string, number> | undefined;
  #blockedUntil = 0;
  /** When the GET_SERVICES behind the current offers was sent. */
  #offersAskedAt = 0;
  /** NO_NUMBERS after a claim on a shared pool (see BuyerOptions.sharedPool). */
  readonly contested: ContestedOrder[] = [];
  readonly #s: Omit<BuyerStats, "open" | "blocked" | "issuance"> = {
    polls: 0, pollFailures: 0, orders: 0, issued: 0, noNumbers: 0, claimedButNone: 0, reoffers: 0, orderFailures: 0, blocks: 0,
    finishes: { 1: 0, 3: 0, 4: 0, 5: 0 }, finishAttempts: 0, finishRetries: 0, finishResends: 0, refundsAfterSale: 0, earnings: {},
  };

  readonly #shared: boolean;

  constructor(o: BuyerOptions, private readonly book: OrderBook) {
    this.#shared = o.sharedPool ?? false;
    this.#o = {
      agentUrl: o.agentUrl,
      key: o.key,
      dialect: o.dialect,
      pollMs: o.pollMs === undefined ? o.dialect.pollMs : o.pollMs,
      orderEveryMs: o.orderEveryMs ?? 3_000,
      seed: o.seed ?? 1,
      maxOrders: o.maxOrders ?? 100,
      smsWindowMs: o.smsWindowMs ?? 30_000, // a demo-sized stand-in for an activation's minutes
      closeAfterSmsMs: o.closeAfterSmsMs ?? 200,
      status1Rate: o.status1Rate ?? 0.05,
      status5Rate: o.status5Rate ?? 0.2,
      exceptionRate: o.exceptionRate ?? 0.3,
      currency: o.currency ?? 643,
      requestDeadlineMs: o.requestDeadlineMs ?? 10_000, // [I] SMSHUB names none but for GET_NUMBER
      finishRetryMs: o.finishRetryMs ?? 1_000,
      maxFinishAttempts: o.maxFinishAttempts ?? 10,
      resendFinishRate: o.resendFinishRate ?? 0,
      refundAfterSaleRate: o.refundAfterSaleRate ?? 0,
      blockMs: o.blockMs ?? 30 * 60_000, // over-reporting: "block number reception for 30 minutes"
      autoFinish: o.autoFinish ?? true,
      awaitAgentMs: o.awaitAgentMs ?? 0,
      outcomes: o.outcomes !== undefined && o.outcomes.length > 0 ? o.outcomes : undefined,
      moduleCount: o.moduleCount,
      onIssued: o.onIssued,
      onOffers: o.onOffers,
    };
    if (o.dialect.currencies[this.#o.currency] === undefined) throw new Error(`fake ${o.dialect.title}: currency ${this.#o.currency} is not one the dialect pays in`);
    this.#client = new AgentClient({ url: o.agentUrl, key: o.key, dialect: o.dialect, ...(o.fetch ? { fetch: o.fetch } : {}) });
    this.#prng = new Prng(this.#o.seed);
    this.#reader = new OfferReader(o.moduleCount);
    this.#priority = new Map((o.priority ?? []).map((code, i) => [code, i]));
  }

  start(): void {
    const loops = (): void => {
      if (this.#jobs.stopped) return;
      const poll = this.#o.pollMs;
      if (poll) this.#jobs.loop(() => this.#prng.int(poll.min, poll.max), () => this.pollOnce(), true);
      if (this.#o.orderEveryMs > 0) this.#jobs.loop(() => this.#o.orderEveryMs, () => this.orderOnce(), false);
    };
    if (this.#o.awaitAgentMs > 0) void this.#jobs.track(() => this.#awaitAgent()).then(loops);
    else loops();
  }

  get idle(): boolean {
    return this.#jobs.idle;
  }

  async stop(): Promise<void> {
    await this.#jobs.stop(() => this.#client.abortAll());
  }

  currentOffers(): readonly Offer[] {
    return this.#offers;
  }

  stats(): BuyerStats {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const earnings = Object.fromEntries(Object.entries(this.#s.earnings).map(([c, v]) => [c, Math.round(v * 10_000) / 10_000]));
    return {
      ...this.#s,
      finishes: { ...this.#s.finishes },
      earnings,
      open: this.book.openOrders().length,
      blocked: Date.now() < this.#blockedUntil,
      issuance: { count: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? null },
    };
  }

  /** The agent went wrong somewhere the buyer cannot see (PUSH_SMS, transport): recorded here with the rest. */
  violate(what: ViolationKind, detail: string): void {
    this.violationCount++;
    this.violations.push({ at: Date.now(), what, detail });
    if (this.violations.length > MAX_VIOLATIONS) this.violations.shift();
  }

  async pollOnce(): Promise<boolean> {
    return this.#jobs.track(async () => {
      this.#s.polls++;
      const inflightAtSend = new Map(this.#inflight);
      const startedDuring = (this.#startedDuringPoll = new Map());
      const sentAt = Date.now();
      const reply = await this.#client.post({ action: "GET_SERVICES" }, this.#o.requestDeadlineMs);
      const receivedAt = Date.now();
      if (this.#startedDuringPoll === startedDuring) this.#startedDuringPoll = undefined;
      if (this.#jobs.stopped) return false; // cut short by stop(): not the agent's fault
      this.#transport(reply, "GET_SERVICES");
      if (!reply.ok) return this.#failPoll(`${reply.reason}: ${reply.detail}`);
      const read = this.#reader.read(reply.body);
      if (!read.ok) {
        if (read.overReported) {
          this.#s.blocks++;
          this.#blockedUntil = Date.now() + this.#o.blockMs;
        }
        return this.#failPoll(read.problems.join("; "));
      }
      this.#offers = read.offers;
      this.#offersAskedAt = sentAt;
      this.#o.onOffers?.(read.offers, { sentAt, receivedAt });
      this.#claimed = new Map(read.offers.map((o) => [`${o.country}/${o.operator}/${o.service}`, o.count]));
      this.#takenSincePoll = inflightAtSend;
      for (const [country, n] of startedDuring) bump(this.#takenSincePoll, country, n);
      return true;
    });
  }

  /** One GET_NUMBER for an offered (country, operator, service) picked by priority; undefined when nothing is offered. */
  async orderOnce(): Promise<Order | undefined> {
    const offer = this.#pick();
    if (!offer || this.#s.orders >= this.#o.maxOrders || this.#jobs.stopped || Date.now() < this.#blockedUntil) return undefined;
    return this.#jobs.track(() => this.#order(offer));
  }

  /** An SMS for `order` was accepted by PUSH_SMS: close with 3 soon (unless its plan is 1). */
  smsArrived(order: Order): void {
    const plan = this.#plans.get(order.activationId);
    if (!plan || !this.#o.autoFinish || plan.finishing || plan.status1 || order.sms.length !== 1) return;
    this.#jobs.clear(plan.timer);
    plan.timer = this.#jobs.after(this.#o.closeAfterSmsMs, () => void this.finish(order.activationId, 3));
  }

  /** FINISH_ACTIVATION, re-sent on failure up to maxFinishAttempts; true once acknowledged. */
  finish(activationId: number, status: FinishStatus): Promise<boolean> {
    const plan = this.#plans.get(activationId) ?? {};
    if (plan.finishing) return plan.finishing;
    this.#jobs.clear(plan.timer);
    plan.finishing = this.#jobs.track(() => this.#sendFinish(activationId, status));
    this.#plans.set(activationId, plan);
    return plan.finishing;
  }

  async #awaitAgent(): Promise<void> {
    const deadline = Date.now() + this.#o.awaitAgentMs;
    while (!this.#jobs.stopped && Date.now() < deadline) {
      if ((await this.#client.post({ action: "GET_SERVICES" }, this.#o.requestDeadlineMs)).ok) return;
      await this.#jobs.sleep(250);
    }
  }

  /** Weighted by priority: the first listed code weighs as many as there are listed, the last 1, unlisted ones 1. */
  #pick(): Offer | undefined {
    const open = this.#offers.filter((x) => x.count > 0);
    if (open.length === 0) return undefined;
    const n = this.#priority.size;
    const weight = (o: Offer): number => {
      const rank = this.#priority.get(o.service);
      return rank === undefined ? 1 : n - rank + 1;
    };
    const total = open.reduce((acc, o) => acc + weight(o), 0);
    let r = this.#prng.next() * total;
    for (const o of open) {
      r -= weight(o);
      if (r < 0) return o;
    }
    return open.at(-1);
  }

  #sum(): number {
    const decimals = this.#o.dialect.currencies[this.#o.currency]!.decimals;
    // 1.00–50.00 roubles, or 0.01–1.00 dollars, written with the currency's decimals.
    return this.#o.currency === 643 ? this.#prng.int(100, 5_000) / 100 : this.#prng.int(10 ** (decimals - 2), 10 ** decimals) / 10 ** decimals;
  }

  /** Prefixes of numbers issued before (country code and a few digits), else the protocol's example; strings, as SMSHUB sends them. */
  #exceptions(): string[] {
    const seen = [...this.book.openOrders(), ...this.book.closedOrders()].map((o) => o.number);
    const from = this.#prng.pick(seen);
    return [from ? from.slice(0, this.#prng.int(3, 6)) : "7918"];
  }

  async #order(offer: Offer): Promise<Order | undefined> {
    this.#s.orders++;
    offer.count--; // respect the offered count until the next poll
    for (const m of [this.#inflight, this.#takenSincePoll, this.#startedDuringPoll]) if (m) bump(m, offer.country, 1);
    const sum = this.#sum();
    const exceptions = this.#prng.chance(this.#o.exceptionRate) ? this.#exceptions() : undefined;
    const req = { action: "GET_NUMBER", country: offer.country, operator: offer.operator, service: offer.service, sum, currency: this.#o.currency, ...(exceptions ? { exceptionPhoneSet: exceptions } : {}) };
    const reply = await this.#client.post(req, this.#o.dialect.issueDeadlineMs);
    bump(this.#inflight, offer.country, -1);
    if (this.#jobs.stopped) return undefined;
    this.#transport(reply, "GET_NUMBER");
    if (!reply.ok) {
      if (reply.reason === "timeout") return this.#failOrder(`no number within ${this.#o.dialect.issueDeadlineMs} ms (acceptance test: slower fails)`);
      return this.#failOrder(`${reply.reason}: ${reply.detail}`);
    }
    if (this.#samples.length < MAX_SAMPLES) this.#samples.push(reply.ms);
    const parsed = problemsOf(GetNumberAnswer, reply.body);
    if (!parsed.ok) return this.#failOrder(`answer types: ${parsed.problems.join("; ")}: ${reply.text.slice(0, 200)}`);
    const r = parsed.value;
    if (r.status === "NO_NUMBERS") {
      this.#s.noNumbers++;
      // This order took nothing. Counts are per service and one SIM serves every service,
      // so a SIM taken for another service since the poll lowers this count too: NO_NUMBERS
      // proves a count false only when fewer SIMs of the country were taken since the poll
      // than it claimed (and no prefix was excluded, which may exclude them all).
      bump(this.#takenSincePoll, offer.country, -1);
      const taken = this.#takenSincePoll.get(offer.country) ?? 0;
      const claimed = this.#claimed.get(`${offer.country}/${offer.operator}/${offer.service}`) ?? 0;
      if (claimed > taken && exceptions === undefined && this.#shared) {
        if (this.contested.length < MAX_VIOLATIONS) this.contested.push({ polledAt: this.#offersAskedAt, at: Date.now(), country: offer.country, operator: offer.operator, service: offer.service, claimed, taken });
      } else if (claimed > taken && exceptions === undefined) {
        this.#s.claimedButNone++;
        this.violate("GET_NUMBER", `${offer.country}/${offer.operator}/${offer.service}: ${claimed} claimed, ${taken} taken since, answered NO_NUMBERS (counts must be real)`);
      }
      return undefined;
    }
    if (r.status === "ERROR") return this.#failOrder(`ERROR ${r.error}`, false);
    const digits = String(r.number);
    const problems: string[] = [];
    const code = callingCode(offer.country);
    if (code !== undefined && !digits.startsWith(code)) problems.push(`number ${digits} lacks ${offer.country}'s country code ${code}`);
    const hit = exceptions?.find((p) => digits.startsWith(p));
    if (hit !== undefined) problems.push(`number ${digits} matches exceptionPhoneSet prefix ${hit}`);
    const holder = this.book.byNumber(digits);
    if (holder) problems.push(`number ${digits} given again while open in #${holder.activationId}`);
    if (this.book.wasIssued(r.activationId)) problems.push(`activationId ${r.activationId} reused`);
    const burn = this.book.burn(digits, offer.service);
    if (burn !== undefined) {
      const why = burn === "sold" ? "it was sold for it (3)" : burn === "rejected" ? "it was finished with 1" : `it was cancelled ${this.book.cancels(digits, offer.service)} times (4: at most ${this.#o.dialect.cancelLimit} in total)`;
      problems.push(`number ${digits} offered for ${offer.service} although ${why}`);
    }
    if (problems.length > 0) return this.#failOrder(problems.join("; "));
    if (this.book.cancels(digits, offer.service) > 0) this.#s.reoffers++;
    this.#s.issued++;
    const order: Order = { activationId: r.activationId, number: digits, country: offer.country, operator: offer.operator, service: offer.service, sum, currency: this.#o.currency, openedAt: Date.now(), sms: [] };
    this.book.add(order);
    const sms = this.#plan(order);
    this.#o.onIssued?.(order, sms);
    return order;
  }

  /** The order's outcome: the next of `outcomes`, else at random. Returns whether its service should text it. */
  #plan(order: Order): boolean | undefined {
    const plan: Plan = {};
    this.#plans.set(order.activationId, plan);
    const outcomes = this.#o.outcomes;
    const id = order.activationId;
    if (outcomes) {
      const outcome = outcomes[(this.#s.issued - 1) % outcomes.length]!;
      if (!this.#o.autoFinish) return outcome === "sms";
      if (outcome === 1) {
        plan.status1 = true;
        plan.timer = this.#jobs.after(this.#o.closeAfterSmsMs, () => void this.finish(id, 1));
      } else plan.timer = this.#jobs.after(this.#o.smsWindowMs, () => void this.finish(id, outcome === "sms" ? 4 : outcome));
      return outcome === "sms";
    }
    if (!this.#o.autoFinish) return undefined;
    if (this.#prng.chance(this.#o.status1Rate)) {
      plan.status1 = true;
      plan.timer = this.#jobs.after(this.#prng.int(0, Math.floor(this.#o.smsWindowMs / 2)), () => void this.finish(id, 1));
    } else {
      const noSms: FinishStatus = this.#prng.chance(this.#o.status5Rate) ? 5 : 4;
      plan.timer = this.#jobs.after(this.#o.smsWindowMs, () => void this.finish(id, noSms));
    }
    return undefined;
  }

  async #post(body: Record<string, unknown>, what: string): Promise<{ ok: true } | { ok: false; why: string }> {
    const reply = await this.#client.post(body, this.#o.requestDeadlineMs);
    this.#transport(reply, what);
    if (!reply.ok) return { ok: false, why: `${reply.reason}: ${reply.detail}` };
    const parsed = problemsOf(FinishActivationAnswer, reply.body);
    if (!parsed.ok) return { ok: false, why: `answer types: ${parsed.problems.join("; ")}` };
    return parsed.value.status === "SUCCESS" ? { ok: true } : { ok: false, why: `ERROR ${parsed.value.error}` };
  }

  async #sendFinish(activationId: number, status: FinishStatus): Promise<boolean> {
    const order = this.book.get(activationId);
    const body = { action: "FINISH_ACTIVATION", activationId, status };
    for (let attempt = 1; attempt <= this.#o.maxFinishAttempts && !this.#jobs.stopped; attempt++) {
      this.#s.finishAttempts++;
      if (attempt > 1) this.#s.finishRetries++;
      const sent = await this.#post(body, "FINISH_ACTIVATION");
      if (this.#jobs.stopped) return false;
      if (sent.ok) {
        this.book.close(activationId, status, attempt);
        this.#s.finishes[status]++;
        if (status === 3 && order) this.#earn(order, 1);
        if (this.#prng.chance(this.#o.resendFinishRate)) await this.#resend(body, "a repeated FINISH");
        if (status === 3 && order && this.#prng.chance(this.#o.refundAfterSaleRate)) await this.#refundAfterSale(order);
        return true;
      }
      this.violate("FINISH_ACTIVATION", `#${activationId} status ${status} attempt ${attempt}: ${sent.why}`);
      await this.#jobs.sleep(this.#o.finishRetryMs);
    }
    return false;
  }

  /** The same FINISH again after SUCCESS: SUCCESS again (idempotence, acceptance test 1). */
  async #resend(body: { activationId: number; status: number }, what: string): Promise<void> {
    this.#s.finishResends++;
    const sent = await this.#post(body, "FINISH_ACTIVATION");
    if (!sent.ok && !this.#jobs.stopped) this.violate("FINISH_ACTIVATION", `#${body.activationId} ${what} not answered SUCCESS: ${sent.why}`);
  }

  /** SMSHUB may tell the agent of a refund after the sale: a 5 for an activation closed with 3. */
  async #refundAfterSale(order: Order): Promise<void> {
    const sent = await this.#post({ action: "FINISH_ACTIVATION", activationId: order.activationId, status: 5 }, "FINISH_ACTIVATION");
    if (this.#jobs.stopped) return;
    if (!sent.ok) {
      this.violate("FINISH_ACTIVATION", `#${order.activationId} refund after sale not answered SUCCESS: ${sent.why}`);
      return;
    }
    this.#s.refundsAfterSale++;
    order.refundedAfterSale = true;
    this.#earn(order, -1);
  }

  #earn(order: Order, sign: 1 | -1): void {
    const code = this.#o.dialect.currencies[order.currency]?.code ?? String(order.currency);
    this.#s.earnings[code] = (this.#s.earnings[code] ?? 0) + sign * order.sum;
  }

  /** What every answer must be, whatever it says: gzip where the dialect wants it on every answer. */
  #transport(reply: AgentReply, what: string): void {
    if (reply.ok === false && (reply.reason === "timeout" || reply.reason === "network")) return;
    if (this.#o.dialect.gzip === "always" && reply.gzipped === false) this.violate("TRANSPORT", `${what} answer not gzip-compressed (required on every answer)`);
    if (reply.ok && !/^application\/json\b/i.test(reply.contentType)) this.violate("TRANSPORT", `${what} answer Content-Type is '${reply.contentType}', not JSON`);
  }

  #failPoll(detail: string): false {
    this.#s.pollFailures++;
    this.violate("GET_SERVICES", detail);
    return false;
  }

  #failOrder(detail: string, violation = true): undefined {
    this.#s.orderFailures++;
    if (violation) this.violate("GET_NUMBER", detail);
    return undefined;
  }
}
