/**
 * The SMSHUB agent endpoint: one URL, the action in the body (docs/protocols/smshub.md),
 * as a fastify plugin, so the daemon can put it on any listener under any path, beside
 * other marketplaces. Everything of the wire is handled inside the plugin's own scope:
 *
 *   body          media type, gzip/deflate, size, JSON (http/partner/body.ts)  → 400/413/415 ERROR
 *   source IP     optional allow-list (http/partner/auth.ts)                  → 403 ERROR IP_NOT_ALLOWED
 *   key           body `key`, constant time (http/partner/auth.ts)            → 401 ERROR BAD_KEY
 *   action        GET_SERVICES, GET_NUMBER, FINISH_ACTIVATION (actions.ts)    → 200 answers, 400 BAD_REQUEST
 *                 anything else                                               → 200 ERROR UNKNOWN_ACTION
 *   answer        gzip per dialect: SMSHUB and SMSBower always (unless the request refuses
 *                 gzip by name), Grizzly when Accept-Encoding asks
 * Every refusal is the protocol's shape, exactly {"status":"ERROR","error":"…"}; fastify's
 * own error format never reaches the wire.
 *
 * A GET_NUMBER answer that does not reach the marketplace (it hung up after its 3 s, the
 * write failed) is withdrawn at once: the marketplace will never FINISH an activation it
 * never heard of (http/partner/delivery.ts explains what node tells us and when).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from "fastify";
import { acceptsGzip, authenticate, ClientConnection, gzipAsync, IpAllowList, isRecord, KeyCheck, mapThrown, NO_JSON_SCHEMA_COMPILERS, normaliseIp, readBody, slowClientServerOptions } from "../../http/edge/index.js";
import type { Logger } from "../../log/logger.js";
import type { MarketId, MarketSales } from "../market-port.js";
import { SmshubActions, SmshubError, type ActionAnswer, type LogLevel } from "./actions.js";
import type { SmshubDialect } from "./dialects.js";
import type { NameBook } from "./names.js";
import { errorAnswer } from "./schemas.js";

export interface SmshubRequestInfo {
  market: MarketId;
  /** The action that was served, or "invalid" for anything refused before one. */
  action: string;
  status: number;
  /** SUCCESS, NO_NUMBERS or the error token. */
  result: string;
  durationMs: number;
}

export interface SmshubEndpointOptions {
  market: MarketId;
  dialect: SmshubDialect;
  /** The protocol key from the marketplace's cabinet; it arrives in every request body. */
  key: string;
  /** The one URL path the marketplace posts to, e.g. "/smshub". */
  path: string;
  sales: MarketSales;
  names: NameBook;
  logger: Logger;
  /** Request body cap, on the wire and decoded (default 64 KiB: the largest body is an order with its prefixes). */
  bodyLimitBytes?: number;
  /** See SmshubActionsOptions (default "success"). */
  unknownActivation?: "success" | "error";
  /** Exact source addresses allowed; empty = everyone. */
  allowIps?: readonly string[];
  onRequest?: (info: SmshubRequestInfo) => void;
}

const ACTIONS = ["GET_SERVICES", "GET_NUMBER", "FINISH_ACTIVATION"] as const;

interface Note {
  action: string;
  result: string;
  level: LogLevel;
  fields: Record<string, unknown>;
}

export function smshubEndpoint(opts: SmshubEndpointOptions): FastifyPluginAsync {
  const keyCheck = new KeyCheck(opts.key);
  const allowList = new IpAllowList(opts.allowIps ?? []);
  const limit = opts.bodyLimitBytes ?? 64 * 1024;
  const log = opts.logger.child({ component: "market-http", market: opts.market });
  const actions = new SmshubActions({ market: opts.market, dialect: opts.dialect, names: opts.names, sales: opts.sales, unknownActivation: opts.unknownActivation ?? "success", log });
  const notes = new WeakMap<FastifyRequest, Note>();
  const note = (request: FastifyRequest): Note => {
    let n = notes.get(request);
    if (!n) notes.set(request, (n = { action: "invalid", result: "", level: "info", fields: {} }));
    return n;
  };
  const scrub = (value: unknown): unknown => {
    if (typeof value === "string") return value.split(opts.key).join("[redacted]");
    return value;
  };

  return async (scope) => {
    const send = (request: FastifyRequest, reply: FastifyReply, answer: ActionAnswer): FastifyReply => {
      const n = note(request);
      n.result = answer.result;
      n.level = answer.level;
      n.fields = { ...n.fields, result: answer.result, ...answer.log };
      return reply.code(answer.status).send(answer.body);
    };
    const refuse = (request: FastifyRequest, reply: FastifyReply, status: number, token: string, detail?: string): FastifyReply => {
      const n = note(request);
      n.result = token;
      n.fields = { ...n.fields, error: token, detail };
      return reply.code(status).send(errorAnswer(detail === undefined ? token : `${token}: ${detail}`));
    };

    // Before the body is read: a refused address costs no decoding.
    scope.addHook("onRequest", async (request, reply) => {
      if (!allowList.allows(request.ip)) return refuse(request, reply, 403, "IP_NOT_ALLOWED", "source address not allowed for this market");
    });

    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: limit }, async (request: FastifyRequest, raw: Buffer) =>
      readBody(raw, { "content-type": request.headers["content-type"], "content-encoding": request.headers["content-encoding"] }, limit),
    );

    scope.setErrorHandler((err, request, reply) => {
      const mapped = mapThrown(err);
      const n = note(request);
      n.result = mapped.body.error;
      n.level = mapped.internal ? "error" : "info";
      n.fields = { error: mapped.body.error, detail: mapped.body.detail };
      if (mapped.internal) n.fields["err"] = { message: err instanceof Error ? err.message : String(err) };
      const text = mapped.body.detail === undefined ? mapped.body.error : `${mapped.body.error}: ${mapped.body.detail}`;
      return reply.code(mapped.status).send(errorAnswer(text));
    });

    scope.addHook("onSend", async (request, reply, payload) => {
      if (typeof payload !== "string" && !Buffer.isBuffer(payload)) return payload;
      reply.header("vary", "Accept-Encoding");
      const asked = request.headers["accept-encoding"];
      // RFC 9110 §12.5.3: no Accept-Encoding means any coding is acceptable.
      const gzip = opts.dialect.gzip === "always" ? asked === undefined || acceptsGzip(asked) : acceptsGzip(asked);
      if (!gzip) return payload;
      reply.header("content-encoding", "gzip");
      return gzipAsync(payload);
    });

    scope.addHook("onResponse", async (request, reply) => {
      const n = note(request);
      const durationMs = reply.elapsedTime;
      const slow = n.action === "GET_NUMBER" && durationMs > opts.dialect.issueDeadlineMs;
      const level: LogLevel = reply.statusCode >= 500 ? "error" : reply.statusCode === 401 || reply.statusCode === 403 || slow ? (n.level === "error" ? "error" : "warn") : n.level;
      const fields: Record<string, unknown> = { event: "market-request", action: n.action, status: reply.statusCode, ms: Math.round(durationMs * 10) / 10, ip: normaliseIp(request.ip) ?? request.ip, ...(slow ? { slow } : {}) };
      for (const [k, v] of Object.entries(n.fields)) fields[k] = scrub(v);
      log[level](fields, reply.statusCode < 400 ? `${opts.dialect.title} request answered` : `${opts.dialect.title} request refused`);
      try {
        opts.onRequest?.({ market: opts.market, action: n.action, status: reply.statusCode, result: n.result || String(reply.statusCode), durationMs });
      } catch (err) {
        log.warn({ event: "market-metrics-callback-failed", err }, "the onRequest callback threw; answer already sent");
      }
    });

    scope.post(opts.path, async (request, reply) => {
      const body = request.body;
      if (!isRecord(body)) return refuse(request, reply, 400, SmshubError.BadRequest, "body must be a JSON object");
      const auth = authenticate(keyCheck, ["body"], { body, headers: request.headers, query: request.query });
      if (!auth.ok) {
        note(request).fields = { reason: auth.reason === "missing" ? "no key in the body" : "wrong key" };
        return refuse(request, reply, 401, SmshubError.BadKey);
      }
      const action = body["action"];
      if (typeof action !== "string" || !(ACTIONS as readonly string[]).includes(action)) {
        const shown = typeof action === "string" && /^[A-Z_]{1,40}$/.test(action) ? action : undefined;
        note(request).fields = { unknownAction: shown ?? "(not an action name)" };
        return refuse(request, reply, 200, SmshubError.UnknownAction, "action must be GET_SERVICES, GET_NUMBER or FINISH_ACTIVATION");
      }
      note(request).action = action;
      switch (action as (typeof ACTIONS)[number]) {
        case "GET_SERVICES":
          return send(request, reply, await actions.services(body));
        case "FINISH_ACTIVATION":
          return send(request, reply, await actions.finish(body));
        case "GET_NUMBER": {
          const deadline = Date.now() - reply.elapsedTime + opts.dialect.issueDeadlineMs;
          const client = new ClientConnection(request.raw, reply.raw);
          const answer = await actions.order(body, deadline, client);
          const issued = answer.issued;
          if (issued !== undefined) {
            client.watchAnswer((reason) => {
              log.warn({ event: "market-answer-lost", activationId: issued, reason }, "GET_NUMBER answer not delivered: reservation withdrawn");
              opts.sales.withdraw(opts.market, issued, reason).catch((err: unknown) => log.error({ err, activationId: issued }, "withdrawing an undelivered reservation failed"));
            });
          }
          return send(request, reply, answer);
        }
      }
    });

    scope.route({
      method: ["GET", "PUT", "DELETE", "PATCH"],
      url: opts.path,
      handler: (request, reply) => refuse(request, reply.header("allow", "POST"), 405, "METHOD_NOT_ALLOWED", "use POST"),
    });
  };
}

/** A listener of its own (the daemon's markets[].listen): slow clients cut, proxies trusted as for the partner endpoint. */
export interface SmshubListenerOptions {
  /** The whole request must arrive within this (slowloris); http.requestTimeoutMs. */
  requestTimeoutMs: number;
  /** http.trustProxy: the client address from X-Forwarded-For (allow-list and logs). */
  trustProxy: boolean | readonly string[];
}

/** A fastify instance serving only this endpoint, not listening (tests, a standalone listener). */
export async function buildSmshubServer(opts: SmshubEndpointOptions, listener?: SmshubListenerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(listener
      ? {
          http: { ...slowClientServerOptions(listener.requestTimeoutMs), requireHostHeader: false },
          requestTimeout: listener.requestTimeoutMs,
          trustProxy: listener.trustProxy as boolean | string[],
        }
      : {}),
    loggerInstance: opts.logger as FastifyBaseLogger,
    // The request line is ours (onResponse above), without the URL or headers.
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: "idle",
    routerOptions: { ignoreTrailingSlash: true },
    schemaController: NO_JSON_SCHEMA_COMPILERS,
  }) as unknown as FastifyInstance;
  await app.register(smshubEndpoint(opts));
  return app;
}
