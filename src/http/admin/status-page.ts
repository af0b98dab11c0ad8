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
 * Access: the page and its data need the admin token like the rest of the listener; a
 * browser logs in once (the form, or `/?token=`) and then rides on a session cookie
 * (access.ts). The page itself never holds the token.
 *
 * Change pushes are throttled (at most 4 a second) and skipped when nothing but the
 * document's timestamp changed; a comment line every 15 s keeps proxies and the page's
 * stall detector happy. The engine has no change events, so a 1 s tick catches orders and
 * FINISHes while a page is connected.
 */
import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { daemonStatus } from "./status-document.js";
import { EarningsBook } from "./earnings-book.js";
import type { AdminContext } from "./plugins.js";
import { inlinePage, PAGE_ASSETS_DIR, sendPage, type InlinedPage } from "./page-assets.js";

const MIN_PUSH_GAP_MS = 250;
const TICK_MS = 1_000;
const HEARTBEAT_MS = 15_000;

/** The page: one request loads it, with its CSS and script inlined. */
export function loadStatusPage(): InlinedPage {
  return inlinePage({ html: "index.html", css: "style.css", js: "app.js" }, "'none'");
}

/** Remove the secrets from a payload, whatever field they might have slipped into (an error text, say). */
export function secretScrubber(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  const forms = [...new Set(list.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  return (text) => forms.reduce((t, s) => t.split(s).join("[redacted]"), text);
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
  let page: InlinedPage | undefined;
  let missing = "";
  try {
    page = loadStatusPage();
  } catch (err) {
    missing = `status page files not found next to the code (${PAGE_ASSETS_DIR}): ${(err as Error).message}`;
    ctx.logger.error({ event: "status-page-missing", err }, "status page files missing; GET / answers 503");
  }
  const scrub = secretScrubber([ctx.config.onlinesim.key, ctx.adminToken]);
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
  app.addHook("onClose", async () => live.close());

  app.get("/", async (_req, reply) => {
    if (!page) return reply.code(503).type("text/plain; charset=utf-8").send(missing);
    return sendPage(reply, page);
  });
  const earnings = EarningsBook.of(ctx.engine.core);
  app.get("/api/page", async (_req, reply) => {
    await earnings.settled();
    return reply.type("application/json; charset=utf-8").header("cache-control", "no-store").send(build().payload);
  });
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
