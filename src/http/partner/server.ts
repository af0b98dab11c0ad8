/**
 * buildPartnerServer: the fastify instance serving Onlinesim's v1 partner calls
 * (GET_SERVICES, GET_NUMBER, FINISH_ACTIVATION and the rent variants, docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us),
 * every route registered, not listening. The daemon calls listen() and close().
 *
 * Lifecycle of one request, and where each refusal comes from:
 *   TLS           handshake (http.tls; edge/tls.ts)        → connection closed, debug line
 *   onRequest     over http.rateLimit (edge/rate-limit.ts) → 429 RATE_LIMITED + Retry-After
 *                 source IP not allowed                    → 403 IP_NOT_ALLOWED
 *   routing       unknown path / rent off / not POST       → 404 NOT_FOUND, 405 METHOD_NOT_ALLOWED
 *   body          size, media type, coding, JSON
 *                 (edge/body.ts)                           → 413, 415, 400 BAD_ENCODING / BAD_JSON
 *   handler       not an object                            → 400 BAD_REQUEST
 *                 key (edge/key-check.ts)                  → 401 <auth.errorCode>
 *                 action and fields (dispatch.ts)          → 400 BAD_REQUEST, UNKNOWN_ACTION (Q30)
 *                 engine                                   → 200 SUCCESS / NO_NUMBERS / ERROR
 * The HTTP edge (src/http/edge) supplies every step up to the key; this file puts them in
 * order and adds what is v1's: the paths, the key sources of onlinesim.auth, the dispatch.
 * The key is checked after the body is parsed (it may be in the body) and before any field
 * is judged, so an unauthenticated caller learns nothing about what we would accept.
 *
 * No route-level body schema (fastify-type-provider-zod): fastify would validate before the
 * key check and answer in its own format, and one route serves three actions with an
 * action-dependent error status (Q30). dispatch.ts runs the same zod schemas (schemas.ts)
 * through `check()` at the right moment instead.
 *
 * The source IP (allow-list, rate limit, logs) is `request.ip`: the TCP peer, or with
 * http.trustProxy the client named in X-Forwarded-For by a trusted proxy.
 */
import type { Server as TlsServer } from "node:tls";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import {
  acceptsGzip,
  authenticate,
  ClientConnection,
  errorBody,
  gzipAsync,
  IpAllowList,
  isRecord,
  KeyCheck,
  loadTlsMaterial,
  logCertificate,
  mapThrown,
  NO_JSON_SCHEMA_COMPILERS,
  normaliseIp,
  pathOf,
  readBody,
  registerRateLimit,
  RequestLog,
  slowClientServerOptions,
  TlsReloader,
  WireError,
  writeClientError,
  type CertificateInfo,
  type TlsFiles,
  type TlsMaterial,
  type TlsReloadResult,
} from "../edge/index.js";
import { dispatch } from "./dispatch.js";
import { ErrorCode, SimgateError } from "../../errors.js";
import type { PartnerServerOptions } from "./options.js";
import { RENT_PATHS, routeTable, type PathKind } from "./routes.js";

/** The endpoint and what the daemon does with it besides listen/close. */
export interface PartnerEndpoint {
  /** Every route registered, not listening; HTTPS when http.tls is set. */
  app: FastifyInstance;
  /**
   * Re-read http.tls cert and key and serve them to new connections (open ones keep theirs).
   * Never throws: a pair that does not load keeps the old one; one log line either way.
   */
  reloadTls(): Promise<TlsReloadResult>;
  /** The certificate served now; undefined without TLS. */
  readonly certificate: CertificateInfo | undefined;
}

/** The endpoint as a bare fastify instance (tests, and callers that need no TLS reload). */
export async function buildPartnerServer(opts: PartnerServerOptions): Promise<FastifyInstance> {
  return (await buildPartnerEndpoint(opts)).app;
}

export async function buildPartnerEndpoint(opts: PartnerServerOptions): Promise<PartnerEndpoint> {
  const keyCheck = new KeyCheck(opts.key, "the partner key");
  const allowList = new IpAllowList(opts.auth.allowIps, "onlinesim.auth.allowIps");
  const routes = routeTable(opts.v1);
  const log = opts.logger.child({ component: "partner-http" });
  const requests = new RequestLog({
    log,
    key: opts.key,
    // Answers slower than http.requestTimeoutMs (Q29) are logged at warn.
    slowMs: opts.http.requestTimeoutMs,
    name: "v1",
    // A successful order or finish is logged by the engine (one line each, with port and
    // number); ours would repeat it. NO_NUMBERS, errors and unknown fields stay at info.
    loggedElsewhere: (f) => f["result"] === "SUCCESS" && f["unknownFields"] === undefined && f["ignoredSum"] === undefined,
    onRequest: opts.onRequest,
  });
  const limit = opts.http.bodyLimitBytes;
  const tlsFiles: TlsFiles | undefined = opts.http.tls.cert !== undefined && opts.http.tls.key !== undefined ? { cert: opts.http.tls.cert, key: opts.http.tls.key } : undefined;
  if ((opts.http.tls.cert === undefined) !== (opts.http.tls.key === undefined)) {
    throw new SimgateError("http.tls: set both cert and key (PEM files) for built-in TLS, or neither for plain HTTP", ErrorCode.HttpOptionsInvalid);
  }
  const tls: TlsMaterial | undefined = tlsFiles === undefined ? undefined : await loadTlsMaterial(tlsFiles);

  const { headersTimeout, connectionsCheckingInterval } = slowClientServerOptions(opts.http.requestTimeoutMs);
  // requireHostHeader: node answers an HTTP/1.1 request without Host with a bare 400 before
  // any handler sees it; letting it through gives it our JSON answer like any other bad input.
  const serverOptions = { headersTimeout, connectionsCheckingInterval, requireHostHeader: false };
  // Fastify types an HTTPS instance apart (FastifyInstance<https.Server>); requests and
  // replies are the same node objects, so the endpoint is typed as the HTTP one.
  const app = Fastify({
    ...(tls === undefined
      ? { http: serverOptions }
      : {
          // The TLS handshake gets the same budget as a request: a client that connects and
          // never finishes the handshake does not hold a socket for node's default 120 s.
          https: { cert: tls.cert, key: tls.key, handshakeTimeout: opts.http.requestTimeoutMs, ...serverOptions },
        }),
    // Behind a reverse proxy: request.ip (allow-list, rate limit, logs) from X-Forwarded-For.
    trustProxy: opts.http.trustProxy,
    loggerInstance: log as FastifyBaseLogger,
    // Fastify's own request lines carry the URL (and so a `?apikey=`); ours are in edge/request-log.ts.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limit,
    // Socket level: the whole request must arrive within this (slow clients, slowloris).
    // The handler is not raced against a timer: abandoning a GET_NUMBER whose commit then
    // succeeds would leave a number busy that Onlinesim never heard of; the engine answers
    // from memory in milliseconds (Q29), and a slow answer is logged at warn instead.
    requestTimeout: opts.http.requestTimeoutMs,
    // close() drops idle keep-alive sockets at once and lets in-flight requests finish.
    forceCloseConnections: "idle",
    routerOptions: { ignoreTrailingSlash: true },
    schemaController: NO_JSON_SCHEMA_COMPILERS,
    clientErrorHandler: (err, socket) => {
      const sent = writeClientError(err, socket);
      if (sent) log.info({ event: "v1-client-error", code: err.code, status: sent.status, ip: normaliseIp(socket.remoteAddress ?? "") }, "connection-level error answered");
    },
    // A URL find-my-way cannot decode (`/%zz`): answered before routing, so without the
    // onResponse hook; the request line is written when the answer is out.
    frameworkErrors: (_err, request, reply) => {
      requests.note(request).fields = { error: WireError.BadRequest, detail: "malformed URL" };
      reply.raw.once("finish", () => requests.finish(request, reply as FastifyReply));
      void (reply as FastifyReply).code(400).send(errorBody(WireError.BadRequest, "malformed URL"));
    },
  }) as unknown as FastifyInstance;

  const tlsServer = tls === undefined ? undefined : (app.server as unknown as TlsServer);
  // A failed handshake (a scanner, plain HTTP sent to the TLS port, a client that distrusts
  // the certificate, the handshake timeout): node closes the socket; a debug line says why.
  tlsServer?.on("tlsClientError", (err: Error & { code?: string }, socket) => {
    log.debug({ event: "v1-tls-error", code: err.code, reason: err.message.slice(0, 200), ip: normaliseIp(socket.remoteAddress ?? "") }, "TLS handshake failed");
  });
  if (tls !== undefined && tlsFiles !== undefined) logCertificate(log, "tls-certificate", tlsFiles, tls.info, "partner endpoint serves HTTPS");
  const reloader = new TlsReloader(tlsFiles, () => tlsServer, log, tls?.info);

  await registerRateLimit(app, opts.http.rateLimit, log, requests);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, async (request: FastifyRequest, raw: Buffer) =>
    readBody(raw, { "content-type": request.headers["content-type"], "content-encoding": request.headers["content-encoding"] }, limit),
  );

  // Another marketplace's endpoint on this listener (opts.mounts) has its own allow-list,
  // answer coding, error shape and request lines: Onlinesim's hooks below leave its routes alone.
  const mountedPaths = new Set((opts.mounts ?? []).flatMap((m) => m.paths));
  const isMounted = (request: FastifyRequest): boolean => mountedPaths.size > 0 && mountedPaths.has(request.routeOptions.url ?? "");

  app.addHook("onRequest", async (request, reply) => {
    if (isMounted(request)) return;
    const note = requests.note(request);
    // request.ip: the TCP peer, or with http.trustProxy the client the proxy names.
    if (allowList.allows(request.ip)) return;
    note.fields = { error: WireError.IpNotAllowed };
    return reply.code(403).send(errorBody(WireError.IpNotAllowed, "source address not in onlinesim.auth.allowIps"));
  });

  // close() only drops sockets that are idle at that moment; a request in flight then
  // leaves its socket idle-but-open for keepAliveTimeout (72 s), holding the daemon's
  // shutdown. Answers given while closing say `Connection: close`, so node ends the socket.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });

  if (opts.v1.gzipResponses) {
    app.addHook("onSend", async (request, reply, payload) => {
      if (isMounted(request)) return payload;
      reply.header("vary", "Accept-Encoding");
      if (!acceptsGzip(request.headers["accept-encoding"])) return payload;
      if (typeof payload !== "string" && !Buffer.isBuffer(payload)) return payload;
      reply.header("content-encoding", "gzip");
      return gzipAsync(payload);
    });
  }

  app.addHook("onResponse", async (request, reply) => {
    if (!isMounted(request)) requests.finish(request, reply);
  });

  app.setErrorHandler((err, request, reply) => {
    const mapped = mapThrown(err);
    const note = requests.note(request);
    note.fields = { ...note.fields, error: mapped.body.error, detail: mapped.body.detail };
    if (mapped.internal) {
      note.level = "error";
      note.fields["err"] = { message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined };
    }
    return reply.code(mapped.status).send(mapped.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url);
    const note = requests.note(request);
    if (routes.has(path)) {
      note.fields = { error: WireError.MethodNotAllowed };
      return reply.code(405).header("allow", "POST").send(errorBody(WireError.MethodNotAllowed, "use POST"));
    }
    const rentOff = (RENT_PATHS as readonly string[]).includes(path);
    note.fields = { error: WireError.NotFound };
    return reply.code(404).send(errorBody(WireError.NotFound, rentOff ? "rent endpoints are off (onlinesim.v1.rent)" : undefined));
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply, kind: PathKind): Promise<FastifyReply> => {
    const note = requests.note(request);
    const refuse = (status: number, error: string, detail?: string): FastifyReply => {
      note.fields = { ...note.fields, error, detail };
      return reply.code(status).send(errorBody(error, detail));
    };
    const body = request.body;
    if (body === undefined) return refuse(400, WireError.BadJson, "empty body");
    if (!isRecord(body)) return refuse(400, WireError.BadRequest, "body must be a JSON object");
    const auth = authenticate(keyCheck, opts.auth.accept, { body, headers: request.headers, query: request.query });
    if (!auth.ok) {
      // Exactly {"status":"ERROR","error":<auth.errorCode>} (Q10); the reason goes to the log only.
      note.fields = { error: opts.auth.errorCode, reason: auth.reason === "missing" ? `no key in ${opts.auth.accept.join("/")}` : "wrong key" };
      return reply.code(401).header("www-authenticate", 'Bearer realm="simgate"').send(errorBody(opts.auth.errorCode));
    }
    const client = new ClientConnection(request.raw, reply.raw);
    const outcome = await dispatch(opts.engine, body, kind, opts.v1, client);
    note.metricAction = outcome.metricAction;
    note.level = outcome.level;
    note.fields = { ...note.fields, auth: auth.source, ...outcome.log };
    if (outcome.clientGone !== undefined) {
      // No answer can be written, so the request line (onResponse) never comes: say it here.
      log.info({ event: "v1-client-gone", ip: normaliseIp(request.ip) ?? request.ip, ...requests.scrub(note.fields) as Record<string, unknown> }, "GET_NUMBER not served: the client left before a number was reserved");
    }
    const issued = outcome.issued;
    if (issued !== undefined) client.watchAnswer((reason) => opts.engine.withdrawUndelivered(issued, reason));
    return reply.code(outcome.status).send(outcome.body);
  };

  for (const [path, kind] of routes) app.post(path, (request, reply) => handle(request, reply, kind));
  // Other marketplaces' endpoints, each a plugin in its own scope (src/markets/*).
  for (const mount of opts.mounts ?? []) {
    const clash = mount.paths.find((p) => routes.has(p));
    if (clash !== undefined) throw new SimgateError(`a marketplace's path ${clash} is one of onlinesim.v1.paths: give it its own path`, ErrorCode.HttpOptionsInvalid);
    await app.register(mount.plugin);
  }
  return {
    app,
    reloadTls: () => reloader.reload(),
    get certificate() {
      return reloader.current;
    },
  };
}
