/**
 * The admin listener (127.0.0.1:8081 by default, `--admin HOST:PORT`): health and
 * readiness for systemd/monitoring, the live port map and counters as JSON for the CLI
 * and the status page, and the simulator's controls. Separate from the partner endpoint,
 * which faces Onlinesim; this one never does.
 *
 * Access: with `admin.token` set every request needs `Authorization: Bearer <token>`
 * (health probes included — they leak nothing but are cheap to protect); without a token
 * only loopback clients are served, so binding it to 0.0.0.0 by mistake exposes nothing.
 */
import Fastify, { type FastifyInstance } from "fastify";
import { registerSimulatorRoutes } from "./simulator-routes.js";
import { ADMIN_PLUGINS, type AdminContext } from "./plugins.js";
import { KeyCheck, normaliseIp } from "../partner/auth.js";
import { isLoopback } from "../partner/rate-limit.js";

export interface AdminServerOptions {
  token: string | undefined;
  context: AdminContext;
  /** Readiness: the store is open, discovery has run, the partner endpoint listens. */
  ready: () => { ready: boolean; why?: string };
  /** Everything the status views show, as JSON. */
  status: () => unknown;
}


export async function buildAdminServer(opts: AdminServerOptions): Promise<FastifyInstance> {
  const ctx = opts.context;
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024 });
  // The partner endpoint's constant-time check, on the whole header value.
  const wanted = opts.token !== undefined ? new KeyCheck(`Bearer ${opts.token}`) : undefined;
  app.addHook("onRequest", async (req, reply) => {
    if (wanted) {
      if (!wanted.matches(req.headers.authorization ?? ""))
        return reply.code(401).send({ status: "ERROR", error: "UNAUTHORIZED", detail: "send Authorization: Bearer <admin.token>" });
    } else if (!isLoopback(normaliseIp(req.ip) ?? "")) {
      ctx.logger.warn({ event: "admin-refused", ip: req.ip }, "admin request from a non-local client refused (set admin.token to allow it)");
      return reply.code(403).send({ status: "ERROR", error: "FORBIDDEN", detail: "the admin API serves only local clients unless admin.token is set" });
    }
  });
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
  app.get("/api/status", async () => opts.status());
  app.get("/api/ports", async () => ctx.map.snapshot());
  registerSimulatorRoutes(app, ctx.simulated, ctx.map);
  for (const plugin of ADMIN_PLUGINS) await plugin(app, ctx);
  return app;
}
