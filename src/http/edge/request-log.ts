/**
 * One log line per answered request, written when the response is sent (onResponse), at
 * the level whoever decided the answer chose (the partner endpoint: info for orders and
 * finishes, debug for GET_SERVICES), else info; warn for refused keys and source IPs (with
 * the IP) and for slow answers, error for our own failures.
 *
 * The key never reaches a log line: the line is built from chosen fields (never the URL,
 * which may carry `?apikey=`, nor headers or bodies), and every string in it is scrubbed
 * of the key in case a client put the key somewhere odd (a field name, a country).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../log/logger.js";
import { normaliseIp } from "./ip.js";
import { pathOf } from "./url-path.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** One answered request, for metrics. */
export interface RequestInfo {
  /** What was served, or "invalid" for a request refused before that. */
  action: string;
  /** HTTP status sent. */
  status: number;
  durationMs: number;
}

export interface RequestLogOptions {
  log: Logger;
  /** Scrubbed out of every string of a line. */
  key: string;
  /** Answers slower than this are logged at warn. */
  slowMs: number;
  /** Names the lines: events `<name>-request` and `<name>-metrics-callback-failed`, messages "<name> request answered". */
  name: string;
  /**
   * A successful, timely answer that is logged elsewhere already (the partner endpoint: an
   * order or finish the engine logs itself): written at debug instead of info.
   */
  loggedElsewhere?: (fields: Readonly<Record<string, unknown>>) => boolean;
  onRequest?: (info: RequestInfo) => void;
}

export interface RequestNote {
  /** What metrics see: the dispatched action, or "invalid". */
  metricAction: string;
  /** Chosen by whoever decided the answer; derived from the status when unset. */
  level?: LogLevel;
  fields: Record<string, unknown>;
}

const REDACTED = "[redacted]";

export class RequestLog {
  readonly #notes = new WeakMap<FastifyRequest, RequestNote>();
  readonly #o: RequestLogOptions;

  constructor(options: RequestLogOptions) {
    this.#o = options;
  }

  /** What the lines are called (`<name>-request`); other parts of the edge name their lines alike. */
  get name(): string {
    return this.#o.name;
  }

  note(request: FastifyRequest): RequestNote {
    let note = this.#notes.get(request);
    if (!note) {
      note = { metricAction: "invalid", fields: {} };
      this.#notes.set(request, note);
    }
    return note;
  }

  /** Replace the key in every string of a log value (bounded depth: the fields are flat). */
  scrub(value: unknown, depth = 0): unknown {
    const key = this.#o.key;
    if (typeof value === "string") return value.includes(key) ? value.split(key).join(REDACTED) : value;
    if (depth > 3 || typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) return value.map((v) => this.scrub(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k, depth + 1) as string, this.scrub(v, depth + 1)]));
  }

  finish(request: FastifyRequest, reply: FastifyReply): void {
    const note = this.note(request);
    const status = reply.statusCode;
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const slow = ms > this.#o.slowMs;
    const ip = normaliseIp(request.ip) ?? request.ip; // 1.2.3.4, also from a dual-stack listener
    // With http.trustProxy the client comes from X-Forwarded-For; the proxy that said so too.
    const peer = normaliseIp(request.socket?.remoteAddress ?? "");
    let level: LogLevel = note.level ?? "info";
    const f = note.fields as Record<string, unknown> | undefined;
    if (status < 400 && !slow && f !== undefined && this.#o.loggedElsewhere?.(f) === true) level = "debug";
    if (status === 401 || status === 403 || slow) level = level === "error" ? "error" : "warn";
    if (status >= 500) level = "error";
    const fields = this.scrub({
      event: `${this.#o.name}-request`,
      method: request.method,
      // The route pattern when one matched; the raw path (no query) only for 404/405.
      path: request.routeOptions.url ?? pathOf(request.url).slice(0, 100),
      ip,
      ...(peer !== undefined && peer !== ip ? { peer } : {}),
      status,
      ms,
      ...(slow ? { slow } : {}),
      ...note.fields,
    }) as Record<string, unknown>;
    this.#o.log[level](fields, status < 400 ? `${this.#o.name} request answered` : `${this.#o.name} request refused`);
    try {
      this.#o.onRequest?.({ action: note.metricAction, status, durationMs: reply.elapsedTime });
    } catch (err) {
      this.#o.log.warn({ event: `${this.#o.name}-metrics-callback-failed`, err }, "the onRequest callback threw; answer already sent");
    }
  }
}
