/**
 * Who may use the admin listener. Loopback is not an identity: any local user, and any web
 * page whose name was rebound to 127.0.0.1, connects from loopback. So:
 *
 * 1. The Host header must be one of the listener's names (allowed-hosts.ts), else 421,
 *    before anything else and whatever the credentials.
 * 2. GET/HEAD /healthz, /readyz and /metrics are open: probes and Prometheus carry no
 *    secret, and they leak none (counts, states, port ids).
 * 3. Everything else needs the admin token (config `admin.token`, else the state
 *    directory's generated file, admin-token.ts):
 *    - `Authorization: Bearer <token>`, the CLI's way, for any method;
 *    - a status-page session cookie (session.ts), for GET/HEAD only: the page only reads,
 *      so a leaked cookie cannot send an AT command or inject an SMS;
 *    - `?token=<token>` on a GET, which sets the session cookie and redirects to the same
 *      URL without the token, so the token does not stay in the address bar or history.
 *    Without any: GET / shows the login form (POST /login checks the token and sets the
 *    cookie); the rest answers 401 JSON.
 *
 * The token is compared in constant time (KeyCheck of the HTTP edge, src/http/edge).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../log/logger.js";
import { KeyCheck, presentedKeys } from "../edge/index.js";
import { AllowedHosts } from "./allowed-hosts.js";
import { inlinePage, sendPage, type InlinedPage } from "./page-assets.js";
import { AdminSessions, cookieValue, sessionCookie, sessionCookieName } from "./session.js";

/** Open to anyone who names the listener right (GET/HEAD). */
const PUBLIC_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);
/** At most one warning of a kind per minute: a rebinding page or a token guesser may retry in a loop. */
const WARN_EVERY_MS = 60_000;

export interface AdminAccessOptions {
  token: string;
  /** admin.hosts plus the listener's bind address. */
  hosts: readonly string[];
  logger: Logger;
}

const unauthorized = (detail: string) => ({ status: "ERROR", error: "UNAUTHORIZED", detail });

/** A warning logged at most once per WARN_EVERY_MS, with how many were refused since the last one. */
class ThrottledWarning {
  #refused = 0;
  #loggedAt = -Infinity;

  constructor(
    private readonly logger: Logger,
    private readonly event: string,
    private readonly message: string,
  ) {}

  note(fields: Record<string, unknown>): void {
    this.#refused++;
    if (Date.now() - this.#loggedAt < WARN_EVERY_MS) return;
    this.logger.warn({ event: this.event, ...fields, refused: this.#refused }, this.message);
    this.#refused = 0;
    this.#loggedAt = Date.now();
  }
}

export async function registerAdminAccess(app: FastifyInstance, o: AdminAccessOptions): Promise<void> {
  const allowed = new AllowedHosts(o.hosts);
  const tokenCheck = new KeyCheck(o.token);
  const sessions = new AdminSessions(o.token);
  const login = loadLoginPage(o.logger);
  const misdirected = new ThrottledWarning(o.logger, "admin-misdirected", "admin request for a host name that is not this listener's refused (DNS rebinding? add the name to admin.hosts if it is yours)");
  const failedLogin = new ThrottledWarning(o.logger, "admin-login-failed", "admin request with a wrong token refused");

  const tokenMatches = (candidate: string | null | undefined): boolean => typeof candidate === "string" && tokenCheck.matches(candidate);
  const cookieName = (req: FastifyRequest): string => sessionCookieName(req.socket.localPort);
  /** Set a fresh session cookie and send the browser to `location`. */
  const startSession = (req: FastifyRequest, reply: FastifyReply, location: string): FastifyReply => {
    const s = sessions.issue();
    // Secure only where the browser will send it back: HTTPS, here or at a TLS proxy in front.
    const secure = req.protocol === "https" || req.headers["x-forwarded-proto"] === "https";
    return reply
      .code(303)
      .header("set-cookie", sessionCookie(cookieName(req), s.value, s.maxAgeSeconds, secure))
      .header("location", location)
      .header("cache-control", "no-store")
      .header("referrer-policy", "no-referrer")
      .send();
  };
  const showLogin = (reply: FastifyReply, problem: string): FastifyReply => {
    reply.code(401).header("www-authenticate", 'Bearer realm="simgate admin"');
    if (!login) return reply.type("text/plain; charset=utf-8").send(`${problem || "log in"}: send Authorization: Bearer <admin token>, or open /?token=<admin token>\n`);
    return sendPage(reply, login, login.html.replace("<!--PROBLEM-->", problem));
  };

  app.addHook("onRequest", async (req, reply) => {
    if (!allowed.allows(req.headers.host, { address: req.socket.localAddress, port: req.socket.localPort })) {
      misdirected.note({ ip: req.ip, host: String(req.headers.host ?? "").slice(0, 100) });
      return reply.code(421).send({ status: "ERROR", error: "MISDIRECTED_REQUEST", detail: "the Host header is not a name of this admin listener (localhost, its address, or admin.hosts)" });
    }
    const url = new URL(req.url, "http://admin.invalid");
    const reading = req.method === "GET" || req.method === "HEAD";
    if (reading && PUBLIC_PATHS.has(url.pathname)) return;
    if (req.method === "POST" && url.pathname === "/login") return; // checks the token itself, below

    const bearer = presentedKeys(req, ["bearer"]);
    if (bearer.length > 0) {
      if (bearer.some((k) => tokenMatches(k.value))) return;
      failedLogin.note({ ip: req.ip, via: "bearer" });
      return reply.code(401).header("www-authenticate", 'Bearer realm="simgate admin", error="invalid_token"').send(unauthorized("the bearer token is not the admin token"));
    }
    if (reading && url.searchParams.has("token")) {
      if (!tokenMatches(url.searchParams.get("token"))) {
        failedLogin.note({ ip: req.ip, via: "query" });
        return url.pathname === "/" ? showLogin(reply, "That is not the admin token.") : reply.code(401).send(unauthorized("?token= is not the admin token"));
      }
      url.searchParams.delete("token");
      // Only the path and the other parameters: "//other.host" must not become a redirect elsewhere.
      return startSession(req, reply, url.pathname.replace(/^[/\\]+/, "/") + url.search);
    }
    if (reading && sessions.valid(cookieValue(req.headers.cookie, cookieName(req)))) return;
    if (reading && url.pathname === "/") return showLogin(reply, "");
    return reply
      .code(401)
      .header("www-authenticate", 'Bearer realm="simgate admin"')
      .send(unauthorized(reading ? "send Authorization: Bearer <admin token> (or log in on the status page)" : "send Authorization: Bearer <admin token>"));
  });

  // The login form's POST: its own scope, so no other route ever parses a form body.
  await app.register(async (scope) => {
    scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 4096 }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
    scope.post("/login", async (req, reply) => {
      const token = req.body instanceof URLSearchParams ? req.body.get("token") : null;
      if (tokenMatches(token)) return startSession(req, reply, "/");
      failedLogin.note({ ip: req.ip, via: "form" });
      return showLogin(reply, "That is not the admin token.");
    });
  });
}

/** The login form, or undefined (logged) when its files are missing from the build: then a plain-text 401 says how to log in. */
function loadLoginPage(logger: Logger): InlinedPage | undefined {
  try {
    return inlinePage({ html: "login.html", css: "login.css" }, "'self'");
  } catch (err) {
    logger.error({ event: "login-page-missing", err }, "login page files missing; GET / answers a plain-text 401");
    return undefined;
  }
}
