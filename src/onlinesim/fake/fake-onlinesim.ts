/**
 * FakeOnlinesim: plays Onlinesim over real HTTP for tests and the demo.
 *  - serves the endpoints the daemon calls: PUSH_SMS (docs/protocols/onlinesim-v1.md#push_sms), PUSH_SMS (RENT) (docs/protocols/onlinesim-v1.md#push_sms-rent) and the
 *    v2 reseller methods (docs/protocols/onlinesim-v2.md), validating every payload against ../schemas.ts;
 *  - optionally drives a Marketplace that buys from the daemon's v1 endpoint (docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us);
 *  - records every request (key redacted) and answers with injected failures on demand;
 *  - can go down (the port refuses connections) and come back on the same port.
 *
 * `events` emits "request" (a SeenRequest, as it arrives) and "answered" (the same entry,
 * once its answer is sent), so tests await traffic instead of sleeping.
 */
import { EventEmitter } from "node:events";
import { gunzipSync, inflateSync } from "node:zlib";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { V2_ERRORS, type V2ErrorCode } from "../schemas.js";
import { headerWarnings, json, type Answer, type Call } from "./call.js";
import { describeFailure, FailurePlan, type FailureRule } from "./failures.js";
import { Marketplace, type MarketplaceOptions, type MarketplaceStats } from "./marketplace.js";
import { OperationBook, type Operation } from "./operations.js";
import { pushError, PushSmsEndpoint, pushSmsProblems, type PushErrorForm } from "./push-sms.js";
import { Recorder, redactBody, redactHeaders, redactQuery, type SeenRequest } from "./recorder.js";
import { ServiceSenders, type ServiceSendersOptions, type ServiceSendersStats } from "./service-senders.js";
import { Prng } from "./prng.js";
import { v2Error, V2Endpoints, v2Problems, type V2Stats } from "./v2.js";

export interface FakeOnlinesimOptions {
  /** The partner key Onlinesim expects on PUSH_SMS (body) and v2 (Bearer) — and sends to the partner. */
  key: string;
  host?: string;
  /** 0 (default) = any free port. */
  port?: number;
  /** How PUSH_SMS errors go on the wire (Q14), see push-sms.ts. Default "status-200". */
  pushErrorForm?: PushErrorForm;
  /** Buy from a partner at this URL (omit for a fake that only receives). */
  marketplace?: Omit<MarketplaceOptions, "key"> & { key?: string };
  /** Log entries kept (oldest dropped). */
  logMax?: number;
  /**
   * Network latency on the way back: every request is handled (an SMS accepted) at once and
   * its answer leaves this many ms later. A crash of the caller inside that window is the
   * "accepted by Onlinesim, never recorded" case. Default 0.
   */
  answerDelayMs?: number;
  /** "Services" that send verification SMS to ordered numbers through a simulating daemon's admin API. */
  services?: ServiceSendersOptions;
}

export interface FakeOnlinesimStats {
  polls: number;
  pollFailures: number;
  orders: number;
  issued: number;
  noNumbers: number;
  /** Over-report blocks (docs/protocols/onlinesim-v1.md#get_services-rule-1) imposed so far, and whether ordering is blocked now. */
  blocks: number;
  blocked: boolean;
  finishes: MarketplaceStats["finishes"];
  finishRetries: number;
  finishResends: number;
  openOperations: number;
  earnings: number;
  pushSms: number;
  pushSmsDuplicates: number;
  pushSmsNoOperation: number;
  /** PUSH_SMS payloads re-sent after a terminal answer (a bug on the sender's side, Q15). */
  pushSmsAfterTerminal: number;
  /** SMS the fake's services sent to ordered numbers, and how many came back by PUSH_SMS with the exact text. */
  servicesSms: (ServiceSendersStats & { exact: number; mismatched: number }) | null;
  v2: V2Stats;
  /** Requests refused for a bad key or a schema problem (last 50). */
  rejected: Array<{ seq: number; method: string; path: string; status?: number; problems: string[] }>;
  /** What the marketplace found wrong in the partner's answers (count, and the latest). */
  violations: number;
  lastViolation?: string;
}

export interface FakeOnlinesimUrls {
  base: string;
  pushSms: string;
  pushSmsRent: string;
  /** Prefix of the v2 methods: `${v2}/sendNumbersOnline` … */
  v2: string;
}

export class FakeOnlinesim {
  readonly book = new OperationBook();
  readonly recorder: Recorder;
  readonly failures = new FailurePlan();
  readonly push: PushSmsEndpoint;
  readonly v2: V2Endpoints;
  readonly marketplace?: Marketplace;
  readonly services?: ServiceSenders;
  /** "request" and "answered", each with the SeenRequest. */
  readonly events = new EventEmitter();
  private readonly form: PushErrorForm;
  private readonly wakers = new Set<() => void>();
  private app?: FastifyInstance;
  private base?: string;
  private listenPort?: number;
  private listenHost?: string;

  constructor(private readonly opts: FakeOnlinesimOptions) {
    this.recorder = new Recorder(opts.logMax);
    this.form = opts.pushErrorForm ?? "status-200";
    if (opts.services) this.services = new ServiceSenders(opts.services, new Prng((opts.marketplace?.seed ?? 1) + 7919));
    if (opts.marketplace) {
      const services = this.services;
      this.marketplace = new Marketplace({ ...opts.marketplace, key: opts.marketplace.key ?? opts.key, ...(services ? { onIssued: (op, sms) => services.issued(op, sms) } : {}) }, this.book);
    }
    this.push = new PushSmsEndpoint(opts.key, this.book, this.form, (op) => {
      this.checkText(op);
      this.marketplace?.smsArrived(op);
    });
    this.v2 = new V2Endpoints(opts.key);
  }

  /** Listen (127.0.0.1, port 0 by default), then start the marketplace if configured. */
  async start(): Promise<FakeOnlinesimUrls> {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.removeAllContentTypeParsers();
    // Raw text for every content type, so the fake (not fastify) judges the payload; gzip bodies are inflated (Q26).
    app.addContentTypeParser("*", { parseAs: "buffer" }, (req, body, done) => done(null, decodeBody(req.headers["content-encoding"], body as Buffer)));
    app.post("/v1/PUSH_SMS", (req, reply) => this.serve(req, reply, "v1", (c) => this.push.handle(c, false), (c) => pushSmsProblems(c, false)));
    for (const path of ["/v1/PUSH_SMS_RENT", "/pushSmsRent"]) {
      app.post(path, (req, reply) => this.serve(req, reply, "v1", (c) => this.push.handle(c, true), (c) => pushSmsProblems(c, true)));
    }
    app.route({
      method: ["GET", "POST", "DELETE"],
      url: "/api/resellers/:method",
      handler: (req, reply) => {
        const method = (req.params as { method: string }).method;
        // removeNumber is documented under DELETE (docs/protocols/onlinesim-v2.md#removenumber, S18); the others are POST or GET (docs/protocols/onlinesim-v2.md#conventions).
        const allowed = method === "removeNumber" ? req.method === "DELETE" : req.method !== "DELETE";
        return this.serve(req, reply, "v2", (c) => (allowed ? this.v2.handle(method, c) : v2Error405(method, req.method)), (c) => v2Problems(method, c));
      },
    });
    app.setNotFoundHandler((req, reply) => this.serve(req, reply, "v1", () => json(404, { status: "ERROR", error: "NOT_FOUND" }, { problems: ["no such endpoint"] })));
    await app.listen({ host: this.opts.host ?? "127.0.0.1", port: this.opts.port ?? 0 });
    this.app = app;
    const addr = app.server.address();
    if (!addr || typeof addr === "string") throw new Error("fake-onlinesim: no TCP address");
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    this.base = `http://${host}:${addr.port}`;
    this.listenHost = addr.address;
    this.listenPort = addr.port;
    this.marketplace?.start();
    return this.urls;
  }

  get urls(): FakeOnlinesimUrls {
    if (!this.base) throw new Error("fake-onlinesim: not started");
    return { base: this.base, pushSms: `${this.base}/v1/PUSH_SMS`, pushSmsRent: `${this.base}/v1/PUSH_SMS_RENT`, v2: `${this.base}/api/resellers` };
  }

  /** True between goDown() and comeBack(). */
  get isDown(): boolean {
    return this.app !== undefined && !this.app.server.listening;
  }

  /**
   * Onlinesim unreachable: stop listening and cut every open connection, so the next
   * request gets "connection refused". State (operations, counters, the log) is kept.
   */
  async goDown(): Promise<void> {
    const server = this.app?.server;
    if (!server?.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const wake of this.wakers) wake();
    await closed;
  }

  /** Listen again on the same address and port after goDown(). */
  async comeBack(): Promise<void> {
    const server = this.app?.server;
    if (!server || server.listening) return;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.listenPort, this.listenHost, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }

  /** Inject a failure for the endpoints the daemon calls (see FailureRule). */
  fail(rule: FailureRule): void {
    this.failures.add(rule);
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /** Register an operation by hand (PUSH_SMS tests without a marketplace). */
  openOperation(op: Pick<Operation, "activationId" | "number"> & Partial<Operation>): Operation {
    const full: Operation = { country: "test", operator: "any", service: "test", sum: 0, openedAt: Date.now(), sms: [], ...op, number: op.number.replace(/^\+/, "") };
    this.book.add(full);
    return full;
  }

  log(): readonly SeenRequest[] {
    return this.recorder.all();
  }

  /** PUSH_SMS payloads seen again after acceptance (a bug on the sender's side, docs/protocols/onlinesim-v1.md#push_sms). */
  get duplicates(): number {
    return this.push.stats.duplicates;
  }

  stats(): FakeOnlinesimStats {
    const m = this.marketplace?.stats();
    const v2 = this.v2.stats;
    const lastViolation = this.marketplace?.violations.at(-1);
    return {
      polls: m?.polls ?? 0,
      pollFailures: m?.pollFailures ?? 0,
      orders: m?.orders ?? 0,
      issued: m?.issued ?? 0,
      noNumbers: m?.noNumbers ?? 0,
      blocks: m?.blocks ?? 0,
      blocked: m?.blocked ?? false,
      finishes: m?.finishes ?? { 1: 0, 3: 0, 4: 0, 5: 0 },
      finishRetries: m?.finishRetries ?? 0,
      finishResends: m?.finishResends ?? 0,
      openOperations: this.book.openOperations().length,
      earnings: m?.earnings ?? 0,
      pushSms: this.push.stats.accepted,
      pushSmsDuplicates: this.push.stats.duplicates,
      pushSmsNoOperation: this.push.stats.noOperation,
      pushSmsAfterTerminal: this.push.stats.afterTerminal,
      servicesSms: this.services ? { ...this.services.stats, exact: this.smsExact, mismatched: this.smsMismatch.length } : null,
      v2: { ...v2, lastNumbers: [...v2.lastNumbers] },
      rejected: this.recorder
        .rejected()
        .slice(-50)
        .map((e) => ({ seq: e.seq, method: e.method, path: e.path, status: e.status, problems: e.problems })),
      violations: this.marketplace?.violationCount ?? 0,
      ...(lastViolation ? { lastViolation: `${lastViolation.what} ${lastViolation.detail}` } : {}),
    };
  }

  /** PUSH_SMS must carry exactly what the service sent (multipart joined, Cyrillic and emoji intact). */
  private checkText(op: Operation): void {
    const sent = this.services?.sentTexts.get(op.activationId);
    const got = op.sms.at(-1)?.text;
    if (sent === undefined || got === undefined) return;
    if (got === sent) this.smsExact++;
    else this.smsMismatch.push({ activationId: op.activationId, sent, got });
  }

  private smsExact = 0;
  /** PUSH_SMS texts that differ from what the service sent (kept for the report; should stay empty). */
  readonly smsMismatch: Array<{ activationId: number; sent: string; got: string }> = [];

  /** Stop buying, release held (delayed) answers, close the server and every connection. */
  async stop(): Promise<void> {
    await this.services?.stop();
    await this.marketplace?.stop();
    for (const wake of this.wakers) wake();
    if (this.isDown) await this.comeBack();
    await this.app?.close();
    this.app = undefined;
  }

  /** Record, apply an injected failure if one matches (still validating the payload), else `handle`. */
  private async serve(
    req: FastifyRequest,
    reply: FastifyReply,
    kind: "v1" | "v2",
    handle: (call: Call) => Answer,
    validate: (call: Call) => string[] = () => [],
  ): Promise<void> {
    const call = toCall(req);
    const raw = typeof req.body === "string" ? req.body : "";
    const entry = this.recorder.add({
      at: Date.now(),
      method: call.method,
      path: call.path,
      query: redactQuery(call.query),
      headers: redactHeaders(req.headers),
      body: redactBody(call.body),
      problems: [],
      warnings: headerWarnings(call),
    });
    this.events.emit("request", entry);
    const rule = this.failures.take(call.path);
    let answer: Answer | undefined;
    if (rule) {
      entry.injected = describeFailure(rule);
      if (rule.delayMs !== undefined) await this.hold(rule.delayMs);
      if (rule.echo) {
        answer = echoAnswer(req, raw, kind, rule.status ?? 500);
      } else if (rule.status !== undefined) {
        answer = kind === "v1" ? json(rule.status, { status: "ERROR", error: `INJECTED_${rule.status}` }) : json(rule.status, { response: `INJECTED_${rule.status}` });
      } else if (rule.terminal !== undefined) {
        const t = rule.terminal;
        if (t in V2_ERRORS) {
          const code = t as V2ErrorCode;
          answer = kind === "v2" ? v2Error(code) : json(V2_ERRORS[code], { status: "ERROR", error: code });
        } else {
          answer = kind === "v1" ? pushError(t, this.form) : json(400, { response: t });
          if (kind === "v1") this.push.noteTerminal(call.body);
        }
      }
    }
    if (answer) answer.problems = validate(call);
    answer ??= handle(call);
    entry.keyOk = answer.keyOk;
    entry.problems = answer.problems;
    if (answer.warnings) entry.warnings.push(...answer.warnings);
    entry.status = answer.status;
    // An echo carries the key itself: the log keeps only that it was one (the request above is redacted).
    entry.response = rule?.echo ? { ...(answer.body as object), received: "(the request, echoed unredacted)" } : answer.body;
    if (this.opts.answerDelayMs) await this.hold(this.opts.answerDelayMs);
    reply.code(answer.status);
    if (typeof answer.body === "string") reply.type("text/plain; charset=utf-8");
    else reply.type("application/json; charset=utf-8");
    await reply.send(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    this.events.emit("answered", entry);
  }

  /** A slow answer that stop() cuts short. */
  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}

/**
 * A debug-style error page: everything the request carried, unredacted (the URL with its
 * query, every header, the raw body, and the body again URL-encoded as a form would be).
 * The recorder still keeps only the redacted form.
 */
function echoAnswer(req: FastifyRequest, raw: string, kind: "v1" | "v2", status: number): Answer {
  let form = "";
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object") form = new URLSearchParams(Object.entries(parsed).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])).toString();
  } catch {
    form = "";
  }
  // Credentials first, as debug pages show "who called": a caller that keeps only the start of an error still gets them.
  const received = { authorization: req.headers.authorization ?? null, body: raw, form, url: req.url, method: req.method, headers: req.headers };
  return json(status, kind === "v1" ? { status: "ERROR", error: "INJECTED_ECHO", received } : { response: "INJECTED_ECHO", received });
}

function v2Error405(method: string, httpMethod: string): Answer {
  return json(405, { response: "REQUEST_NOT_FOUND" }, { keyOk: true, problems: [`${httpMethod} is not the documented method for ${method}`] });
}

/** Request body as text; a gzip body that does not inflate becomes a marker the JSON parse reports. */
function decodeBody(encoding: string | undefined, body: Buffer): string {
  if (encoding === undefined || encoding === "identity") return body.toString("utf8");
  try {
    if (encoding === "gzip") return gunzipSync(body).toString("utf8");
    if (encoding === "deflate") return inflateSync(body).toString("utf8");
  } catch {
    return `<${encoding} body did not inflate>`;
  }
  return `<unsupported Content-Encoding ${encoding}>`;
}

function toCall(req: FastifyRequest): Call {
  const url = new URL(req.url, "http://fake");
  const query = Object.fromEntries(url.searchParams);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k.toLowerCase()] = v;
  const raw = typeof req.body === "string" ? req.body : "";
  const call: Call = { method: req.method, path: url.pathname, query, headers, body: undefined };
  if (raw.trim() !== "") {
    try {
      call.body = JSON.parse(raw) as unknown;
    } catch (err) {
      call.jsonError = `body is not JSON: ${err instanceof Error ? err.message : String(err)}`;
    }
  } else if (req.method === "GET") {
    const { apikey: _apikey, ...rest } = query;
    call.body = rest;
  }
  return call;
}
