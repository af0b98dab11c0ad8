/**
 * Per-IP rate limit of an endpoint (the partner endpoint's http.rateLimit) with @fastify/rate-limit:
 * a fixed window per client IP (the one trustProxy resolves; IPv6 per /64), answered
 * `429 {"status":"ERROR","error":"RATE_LIMITED"}` with Retry-After. One onRequest hook for
 * the whole app, so unknown paths and wrong methods count too, and it runs before the
 * source-IP check: a refused address hammering us gets cheap 429s (logged at debug) instead
 * of a warn line per request. What reaches the journal is one warn line per IP per window.
 *
 * Loopback clients (127.0.0.0/8, ::1) are never limited. A reverse proxy on the same host
 * without http.trustProxy makes every client 127.0.0.1: one bucket for all, so one abuser
 * would get Onlinesim itself refused. Behind a proxy, set trustProxy and the limit is per
 * real client again (or limit in the proxy: docs/reverse-proxy.md).
 */
import rateLimit, { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Config } from "../../config/schema.js";
import { ErrorCode, SimgateError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import { isLoopback, normaliseIp } from "./ip.js";
import { RateLimited } from "./errors.js";
import type { RequestLog } from "./request-log.js";

/** The default key generator's IPv6 grouping: one client per /64 (what one host usually gets). */
const IPV6_SUBNET = 64;
/** Bound on the per-window "already warned" set (a spread-out flood must not grow memory). */
const WARNED_MAX = 1_000;

function allowSet(entries: readonly string[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const entry of entries) {
    const ip = normaliseIp(entry);
    if (ip === undefined) throw new SimgateError(`http.rateLimit.allowList: "${entry}" is not an IP address (exact addresses only, no ranges)`, ErrorCode.HttpOptionsInvalid, { entry });
    set.add(ip);
  }
  return set;
}

/** The client as the limit sees it ("unknown" when the socket is already gone). */
const clientOf = (request: FastifyRequest): string => {
  const ip = request.ip;
  return typeof ip === "string" && ip !== "" ? normalizeIP(ip, IPV6_SUBNET) : "unknown";
};

export async function registerRateLimit(app: FastifyInstance, settings: Config["http"]["rateLimit"], log: Logger, requests: RequestLog): Promise<void> {
  const exempt = allowSet(settings.allowList);
  // Clients already warned about in the current window: a warn line once per IP per window.
  let warned = new Set<string>();
  let windowStart = Date.now();
  const warnOnce = (ip: string): boolean => {
    const now = Date.now();
    if (now - windowStart >= settings.windowMs) {
      warned = new Set();
      windowStart = now;
    }
    if (warned.has(ip) || warned.size >= WARNED_MAX) return false;
    warned.add(ip);
    return true;
  };

  await app.register(rateLimit, {
    global: false,
    max: settings.max,
    timeWindow: settings.windowMs,
    keyGenerator: clientOf,
    allowList: (request) => {
      const ip = normaliseIp(request.ip ?? "");
      return ip !== undefined && (exempt.has(ip) || isLoopback(ip));
    },
    // Normal answers stay as they were; only a 429 says how long to wait.
    addHeadersOnExceeding: { "x-ratelimit-limit": false, "x-ratelimit-remaining": false, "x-ratelimit-reset": false },
    addHeaders: { "x-ratelimit-limit": true, "x-ratelimit-remaining": false, "x-ratelimit-reset": true, "retry-after": true },
    onExceeded: (request, key) => {
      if (!warnOnce(key)) return;
      log.warn(
        { event: `${requests.name}-rate-limited`, ip: normaliseIp(request.ip ?? "") ?? key, max: settings.max, windowMs: settings.windowMs },
        `rate limit reached: more than ${settings.max} requests in ${settings.windowMs} ms from one address; answering 429 until the window ends (further 429s of this window are logged at debug)`,
      );
    },
    errorResponseBuilder: (request, context) => {
      requests.note(request).level = "debug";
      return new RateLimited(Math.ceil(context.ttl / 1000));
    },
  });
  app.addHook("onRequest", app.rateLimit());
}
