/**
 * The admin listener (127.0.0.1:8081 by default, `--admin HOST:PORT`): health and
 * readiness for systemd/monitoring, the live port map and counters as JSON for the CLI
 * and the status page, and the simulator's controls. Separate from the partner endpoint,
 * which faces Onlinesim; this one never does.
 *
 * Access (access.ts): the Host header must name this listener (else 421); everything but
 * /healthz, /readyz and /metrics needs the admin token, from any address, loopback
 * included; the status page logs in once and keeps a session cookie.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { registerSimulatorRoutes } from "./simulator-routes.js";
import { EarningsBook } from "./earnings-book.js";
import { ADMIN_PLUGINS, type AdminContext } from "./plugins.js";
import { registerAdminAccess } from "./access.js";
import { parseHostPort } from "../../config/host-port.js";
import { NO_JSON_SCHEMA_COMPILERS, slowClientServerOptions } from "../edge/index.js";

export interface AdminServerOptions {
  /** What the routes read; its adminToken is the token in force (admin.token, else the generated one, admin-token.ts). */
  context: AdminContext;
  /** HOST:PORT the listener binds: its host is one of the names the Host header may carry. */
  listen: string;
  /** Readiness: the store is open, discovery has run, the partner endpoint listens. */
  ready: () => { ready: boolean; why?: string };
  /** Everything the status views show, as JSON. */
  status: () => unknown;
}

export async function buildAdminServer(opts: AdminServerOptions): Promise<FastifyInstance> {
  const ctx = opts.context;
  // A slow client is cut after http.requestTimeoutMs, as on the partner endpoint.
  const timeouts = slowClientServerOptions(ctx.config.http.requestTimeoutMs);
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024, requestTimeout: timeouts.requestTimeout, http: timeouts, schemaController: NO_JSON_SCHEMA_COMPILERS });
  const bindHost = parseHostPort(opts.listen)?.host;
  await registerAdminAccess(app, { token: ctx.adminToken, hosts: [...ctx.config.admin.hosts, ...(bindHost !== undefined ? [bindHost] : [])], logger: ctx.logger });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 500) ctx.logger.error({ event: "admin-error", err }, "admin request failed");
    return reply.code(code).send({ status: "ERROR", error: code === 500 ? "INTERNAL" : "BAD_REQUEST", detail: err.message });
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = opts.ready();
    return reply.code(r.ready ? 200 : 503).send(r.ready ? { status: "ready" } : { status: "not-ready", why: r.why });
  });
  // The earnings book's one read of the ledger (earnings-book.ts) now, not at the first page or scrape.
  const earnings = EarningsBook.of(ctx.engine.core);
  earnings.ready().catch((err: unknown) => ctx.logger.warn({ event: "earnings-read-failed", err }, "could not read the earnings from the store; the status page and /metrics show none until a read works"));
  app.get("/api/status", async () => {
    await earnings.settled();
    return opts.status();
  });
  app.get("/api/ports", async () => ctx.map.snapshot());
  registerSimulatorRoutes(app, ctx.simulated, ctx.map);
  for (const plugin of ADMIN_PLUGINS) await plugin(app, ctx);
  return app;
}
