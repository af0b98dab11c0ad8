/**
 * The live status page on the admin listener:
 *
 *   GET /             the page (one HTML document, its CSS and script inlined from status-page/)
 *   GET /api/page     the page's JSON document (the status document plus start time and activation life)
 *   GET /api/events   the same document as server-sent events, pushed on every change
 *
 * The page works offline (no CDN, no web font) and the Content-Security-Policy says so:
 * only its own inlined script and style run, and it may only talk to this listener.
 * It renders SMS text with textContent only: the text comes from whoever sent the SMS.
 *
 * Admin token: a browser cannot put `Authorization` on the navigation that loads the page,
 * so `GET /?token=<admin.token>` is accepted for the page itself (and nothing else); the
 * page then sends `Authorization: Bearer` on its own requests (the events stream is read
 * with fetch, not EventSource, for that reason). Without a token the listener serves
 * loopback clients only (server.ts).
 *
 * Change pushes are throttled (at most 4 a second) and skipped when nothing but the
 * document's timestamp changed; a comment line every 15 s keeps proxies and the page's
 * stall detector happy. The engine has no change events, so a 1 s tick catches orders and
 * FINISHes while a page is connected.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { daemonStatus } from "./status-document.js";
import type { AdminContext } from "./plugins.js";

const ASSETS = new URL("./status-page/", import.meta.url);
const MIN_PUSH_GAP_MS = 250;
const TICK_MS = 1_000;
const HEARTBEAT_MS = 15_000;

interface Page {
  html: string;
  csp: string;
}

const sha256 = (s: string): string => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

/** Read the three files once and inline them: one request loads the page (the token rides on that one only). */
export function loadStatusPage(): Page {
  const read = (name: string): string => readFileSync(new URL(name, ASSETS), "utf8");
  const css = read("style.css");
  const js = read("app.js");
  const html = read("index.html").replace("/*STYLE*/", () => css).replace("/*SCRIPT*/", () => js);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(js)}`,
    `style-src ${sha256(css)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { html, csp };
}

/** Remove the secrets from a payload, whatever field they might have slipped into (an error text, say). */
export function secretScrubber(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  const forms = [...new Set(list.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  return (text) => forms.reduce((t, s) => t.split(s).join("[redacted]"), text);
}

/** Let the admin token arrive as `?token=` on `GET /` only: the page's own load. */
function acceptTokenInPageUrl(app: FastifyInstance): void {
  app.server.prependListener("request", (req) => {
    if (req.method !== "GET" || req.headers.authorization !== undefined || !req.url) return;
    const url = new URL(req.url, "http://admin.invalid");
    const token = url.searchParams.get("token");
    // server.ts's onRequest hook still checks the token; this only moves it to where it looks.
    if (url.pathname === "/" && token) req.headers.authorization = `Bearer ${token}`;
  });
}

/** One shared producer for every connected page: the document is built once per change, not per client. */
class LiveStatus {
  readonly #clients = new Set<ServerResponse>();
  #lastKey = "";
  #lastPushAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #kick = (): void => this.#schedule();

  constructor(
    private readonly ctx: AdminContext,
    private readonly build: () => { key: string; payload: string },
  ) {}

  add(res: ServerResponse): void {
    if (this.#clients.size === 0) this.#startTimers();
    this.#clients.add(res);
    res.on("close", () => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopTimers();
    });
    // The newcomer gets the current document at once; the others keep their own last push.
    res.write(`retry: 2000\nevent: status\ndata: ${this.build().payload}\n\n`);
  }

  close(): void {
    this.#stopTimers();
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #startTimers(): void {
    this.ctx.map.on("changed", this.#kick);
    this.ctx.map.on("sms-received", this.#kick);
    this.#tick = setInterval(this.#kick, TICK_MS);
    this.#heartbeat = setInterval(() => this.#broadcast(`: heartbeat ${Date.now()}\n\n`), HEARTBEAT_MS);
  }

  #stopTimers(): void {
    this.ctx.map.off("changed", this.#kick);
    this.ctx.map.off("sms-received", this.#kick);
    clearInterval(this.#tick);
    clearInterval(this.#heartbeat);
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Coalesce a burst of changes (8 ports settling at once) into one push, at most every 250 ms. */
  #schedule(): void {
    if (this.#timer || this.#clients.size === 0) return;
    const wait = Math.max(0, this.#lastPushAt + MIN_PUSH_GAP_MS - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#push();
    }, wait);
  }

  #push(): void {
    let next;
    try {
      next = this.build();
    } catch (err) {
      this.ctx.logger.warn({ event: "status-page-build-failed", err }, "status page: could not build the status document");
      return;
    }
    if (next.key === this.#lastKey) return;
    this.#lastKey = next.key;
    this.#lastPushAt = Date.now();
    this.#broadcast(`event: status\ndata: ${next.payload}\n\n`);
  }

  #broadcast(chunk: string): void {
    for (const res of this.#clients) res.write(chunk);
  }
}

export function statusPagePlugin(app: FastifyInstance, ctx: AdminContext): void {
  // A build that lost the page's files (dist/ without status-page/) still runs the daemon:
  // the page answers 503 and says what is missing; metrics and the API are unaffected.
  let page: Page | undefined;
  let missing = "";
  try {
    page = loadStatusPage();
  } catch (err) {
    missing = `status page files not found next to the code (${fileURLToPath(ASSETS)}): ${(err as Error).message}`;
    ctx.logger.error({ event: "status-page-missing", err }, "status page files missing; GET / answers 503");
  }
  const scrub = secretScrubber([ctx.config.onlinesim.key, ctx.config.admin.token]);
  const document = () =>
    daemonStatus({
      map: ctx.map,
      engine: ctx.engine,
      outbound: ctx.outbound,
      store: ctx.store,
      startedAt: ctx.startedAt,
      activationLifeMs: ctx.config.engine.activationLifeMs,
      names: ctx.config.engine.names,
    });
  const build = (): { key: string; payload: string } => {
    const doc = document();
    // `at` moves on every build; a push is worth sending only when something else changed.
    return { key: JSON.stringify({ ...doc, at: 0 }), payload: scrub(JSON.stringify(doc)) };
  };
  const live = new LiveStatus(ctx, build);
  if (ctx.config.admin.token !== undefined) acceptTokenInPageUrl(app);
  app.addHook("onClose", async () => live.close());

  app.get("/", async (_req, reply) => {
    if (!page) return reply.code(503).type("text/plain; charset=utf-8").send(missing);
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", page.csp)
      .header("cache-control", "no-store")
      .header("referrer-policy", "no-referrer")
      .header("x-content-type-options", "nosniff")
      .send(page.html);
  });
  app.get("/api/page", async (_req, reply) => reply.type("application/json; charset=utf-8").header("cache-control", "no-store").send(build().payload));
  app.get("/api/events", (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      // nginx and friends: do not buffer the stream.
      "x-accel-buffering": "no",
    });
    req.raw.socket.setNoDelay(true);
    live.add(reply.raw);
  });
}
