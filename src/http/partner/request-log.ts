/**
 * One log line per answered request, written when the response is sent (onResponse):
 * info for orders and finishes, debug for GET_SERVICES (Onlinesim polls every 2 min, docs/protocols/onlinesim-v1.md#get_services),
 * warn for refused keys and source IPs (with the IP), error for our own failures.
 *
 * The partner key never reaches a log line: the line is built from chosen fields (never
 * the URL, which may carry `?apikey=`, nor headers or bodies), and every string in it is
 * scrubbed of the key in case a client put the key somewhere odd (a field name, a country).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../log/logger.js";
import { normaliseIp } from "./auth.js";
import type { LogLevel } from "./dispatch.js";
import type { PartnerRequestInfo } from "./options.js";
import { pathOf } from "./routes.js";

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

  constructor(
    private readonly log: Logger,
    private readonly key: string,
    /** Answers slower than this are logged at warn (http.requestTimeoutMs, Q29). */
    private readonly slowMs: number,
    private readonly onRequest?: (info: PartnerRequestInfo) => void,
  ) {}

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
    if (typeof value === "string") return value.includes(this.key) ? value.split(this.key).join(REDACTED) : value;
    if (depth > 3 || typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) return value.map((v) => this.scrub(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k, depth + 1) as string, this.scrub(v, depth + 1)]));
  }

  finish(request: FastifyRequest, reply: FastifyReply): void {
    const note = this.note(request);
    const status = reply.statusCode;
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    const slow = ms > this.slowMs;
    const ip = normaliseIp(request.ip) ?? request.ip; // 1.2.3.4, also from a dual-stack listener
    // With http.trustProxy the client comes from X-Forwarded-For; the proxy that said so too.
    const peer = normaliseIp(request.socket?.remoteAddress ?? "");
    let level: LogLevel = note.level ?? "info";
    // A successful order or finish is logged by the engine (one line each, with port and
    // number); ours would repeat it. NO_NUMBERS, errors and unknown fields stay at info.
    const f = note.fields as Record<string, unknown> | undefined;
    if (status < 400 && !slow && f?.["result"] === "SUCCESS" && f["unknownFields"] === undefined && f["ignoredSum"] === undefined) level = "debug";
    if (status === 401 || status === 403 || slow) level = level === "error" ? "error" : "warn";
    if (status >= 500) level = "error";
    const fields = this.scrub({
      event: "v1-request",
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
    this.log[level](fields, status < 400 ? "v1 request answered" : "v1 request refused");
    try {
      this.onRequest?.({ action: note.metricAction, status, durationMs: reply.elapsedTime });
    } catch (err) {
      this.log.warn({ event: "v1-metrics-callback-failed", err }, "the onRequest callback threw; answer already sent");
    }
  }
}
