/**
 * FakeSmshub: plays a SMSHUB-family marketplace over real HTTP for tests and demos
 * (README.md beside this file):
 *  - receives PUSH_SMS at SMSHUB's published path, judging each one (push-receiver.ts);
 *  - optionally buys from an agent (our daemon): polls, orders, finishes (buyer.ts);
 *  - optionally plays the services too: texts each ordered number through a simulating
 *    daemon's admin API, and checks that exactly that text comes back by PUSH_SMS;
 *  - records every PUSH_SMS request (key redacted) and every violation.
 */
import { gunzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { Prng } from "../../fake/prng.js";
import { Recorder, redactBody, redactHeaders, type SeenRequest } from "../../fake/recorder.js";
import { ServiceSenders, type ServiceSendersOptions, type ServiceSendersStats } from "../../fake/service-senders.js";
import { DIALECTS, type DialectName, type SmshubDialect } from "../dialects.js";
import { SmshubBuyer, type BuyerOptions, type BuyerStats, type Violation } from "./buyer.js";
import { OrderBook, type Order } from "./orders.js";
import { PushSmsReceiver, type PushSmsStats } from "./push-receiver.js";

/** SMSHUB's PUSH_SMS URL is https://agent.unerio.com/agent/api/sms; the fake serves the same path. */
export const PUSH_SMS_PATH = "/agent/api/sms";

/** How the services sign their SMS, per code (what a person reads as the sender). */
const SERVICE_TITLES: Readonly<Record<string, string>> = {
  vk: "VK", ok: "OK", wa: "WhatsApp", tg: "Telegram", go: "Google", fb: "Facebook", ig: "Instagram", vi: "Viber",
  tw: "Twitter", wb: "WeChat", av: "Avito", ub: "Uber", ya: "Yandex", ma: "Mail.ru", mm: "Microsoft", ds: "Discord",
};

export interface FakeSmshubOptions {
  dialect: DialectName;
  /** The protocol key: expected on PUSH_SMS, sent to the agent. */
  key: string;
  host?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** Buy from this agent (omit for a fake that only receives PUSH_SMS). */
  buyer?: Omit<BuyerOptions, "key" | "dialect" | "onIssued"> & { key?: string };
  /** "Services" that text the ordered numbers through a simulating daemon's admin API. */
  services?: ServiceSendersOptions;
  /** An SMS for an order closed less than this ago still counts (default 60 s). */
  lateGraceMs?: number;
  logMax?: number;
}

export interface FakeSmshubStats extends Omit<BuyerStats, "open"> {
  dialect: DialectName;
  openOrders: number;
  pushSms: PushSmsStats;
  /** SMS the services sent, and how many came back by PUSH_SMS with the exact text. */
  servicesSms: (ServiceSendersStats & { exact: number; mismatched: number }) | null;
  /** NO_NUMBERS after a claim on a shared pool (buyer.contested): another marketplace may have ordered in between. */
  contested: number;
  violations: number;
  lastViolation?: string;
}

export class FakeSmshub {
  readonly dialect: SmshubDialect;
  readonly book: OrderBook;
  readonly recorder: Recorder;
  readonly push: PushSmsReceiver;
  readonly buyer?: SmshubBuyer;
  readonly services?: ServiceSenders;
  /** Violations found with no buyer running (PUSH_SMS only). */
  readonly #ownViolations: Violation[] = [];
  #app?: FastifyInstance;
  #base?: string;

  constructor(private readonly opts: FakeSmshubOptions) {
    this.dialect = DIALECTS[opts.dialect];
    this.book = new OrderBook(this.dialect.cancelLimit);
    this.recorder = new Recorder(opts.logMax);
    const seed = opts.buyer?.seed ?? 1;
    if (opts.services) this.services = new ServiceSenders(opts.services, new Prng(seed + 7919));
    if (opts.buyer) {
      const services = this.services;
      this.buyer = new SmshubBuyer(
        {
          ...opts.buyer,
          key: opts.buyer.key ?? opts.key,
          dialect: this.dialect,
          ...(services ? { onIssued: (order: Order, sms: boolean | undefined) => services.issued({ activationId: order.activationId, number: order.number, service: SERVICE_TITLES[order.service] ?? order.service.toUpperCase() }, sms) } : {}),
        },
        this.book,
      );
    }
    this.push = new PushSmsReceiver(
      opts.key,
      this.dialect,
      this.book,
      {
        onAccepted: (order) => this.buyer?.smsArrived(order),
        violate: (detail) => this.#violate(detail),
        sentText: (id) => this.services?.sentTexts.get(id),
      },
      opts.lateGraceMs ?? 60_000,
    );
  }

  /** Listen (127.0.0.1, a free port by default), then start buying if configured. */
  async start(): Promise<{ base: string; pushSms: string }> {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.removeAllContentTypeParsers();
    // The raw bytes of every request: the fake, not fastify, judges encoding and JSON.
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    app.post(PUSH_SMS_PATH, async (req, reply) => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const entry = this.recorder.add({ at: Date.now(), method: req.method, path: PUSH_SMS_PATH, query: {}, headers: redactHeaders(req.headers), body: undefined, problems: [], warnings: [] });
      const answer = this.push.handle(headers, raw);
      entry.problems = answer.problems;
      entry.status = answer.status;
      entry.response = answer.body;
      if (answer.keyOk !== undefined) entry.keyOk = answer.keyOk;
      entry.body = recordedBody(headers["content-encoding"], raw);
      return reply.code(answer.status).type("application/json; charset=utf-8").send(JSON.stringify(answer.body));
    });
    app.setNotFoundHandler((_req, reply) => reply.code(404).type("application/json; charset=utf-8").send(JSON.stringify({ status: "ERROR", error: "NOT_FOUND" })));
    await app.listen({ host: this.opts.host ?? "127.0.0.1", port: this.opts.port ?? 0 });
    this.#app = app;
    const addr = app.server.address();
    if (!addr || typeof addr === "string") throw new Error("fake-smshub: no TCP address");
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    this.#base = `http://${host}:${addr.port}`;
    this.buyer?.start();
    return this.urls;
  }

  get urls(): { base: string; pushSms: string } {
    if (!this.#base) throw new Error("fake-smshub: not started");
    return { base: this.#base, pushSms: `${this.#base}${PUSH_SMS_PATH}` };
  }

  /** Open an order by hand (PUSH_SMS tests without a buyer). */
  openOrder(order: Pick<Order, "activationId" | "number"> & Partial<Order>): Order {
    const full: Order = { country: "russia", operator: "any", service: "vk", sum: 10, currency: 643, openedAt: Date.now(), sms: [], ...order, number: order.number.replace(/^\+/, "") };
    this.book.add(full);
    return full;
  }

  log(): readonly SeenRequest[] {
    return this.recorder.all();
  }

  get violations(): readonly Violation[] {
    return this.buyer ? this.buyer.violations : this.#ownViolations;
  }

  stats(): FakeSmshubStats {
    const b = this.buyer?.stats();
    const last = this.violations.at(-1);
    const count = this.buyer ? this.buyer.violationCount : this.#ownViolations.length;
    return {
      dialect: this.dialect.name,
      polls: b?.polls ?? 0,
      pollFailures: b?.pollFailures ?? 0,
      orders: b?.orders ?? 0,
      issued: b?.issued ?? 0,
      noNumbers: b?.noNumbers ?? 0,
      claimedButNone: b?.claimedButNone ?? 0,
      reoffers: b?.reoffers ?? 0,
      orderFailures: b?.orderFailures ?? 0,
      blocks: b?.blocks ?? 0,
      blocked: b?.blocked ?? false,
      finishes: b?.finishes ?? { 1: 0, 3: 0, 4: 0, 5: 0 },
      finishAttempts: b?.finishAttempts ?? 0,
      finishRetries: b?.finishRetries ?? 0,
      finishResends: b?.finishResends ?? 0,
      refundsAfterSale: b?.refundsAfterSale ?? 0,
      earnings: b?.earnings ?? {},
      issuance: b?.issuance ?? { count: 0, p50: null, p95: null, max: null },
      openOrders: this.book.openOrders().length,
      pushSms: { ...this.push.stats },
      servicesSms: this.services ? { ...this.services.stats, exact: this.push.exact, mismatched: this.push.mismatches.length } : null,
      contested: this.buyer?.contested.length ?? 0,
      violations: count,
      ...(last ? { lastViolation: `${last.what} ${last.detail}` } : {}),
    };
  }

  /** Stop buying and texting, then close the server and every connection. */
  async stop(): Promise<void> {
    await this.services?.stop();
    await this.buyer?.stop();
    await this.#app?.close();
    this.#app = undefined;
  }

  #violate(detail: string): void {
    if (this.buyer) this.buyer.violate("PUSH_SMS", detail);
    else if (this.#ownViolations.length < 1_000) this.#ownViolations.push({ at: Date.now(), what: "PUSH_SMS", detail });
  }
}

/** The request body for the log, key redacted; a body that does not decode is logged as such. */
function recordedBody(encoding: string | undefined, raw: Buffer): unknown {
  try {
    return redactBody(JSON.parse((encoding === "gzip" ? gunzipSync(raw) : raw).toString("utf8")));
  } catch {
    return "(not JSON)";
  }
}
