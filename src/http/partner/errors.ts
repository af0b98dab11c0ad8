/**
 * Every refusal of the v1 endpoint is one JSON shape, `{"status":"ERROR","error":TOKEN}`
 * plus an optional `detail` for humans: the SMSHUB error shape Onlinesim's pages imply
 * (docs/protocols/onlinesim-v1.md#get_number [R]) and the bad-key answer of Q10 [I]. Fastify's own error format never reaches
 * the wire; this file maps whatever the lifecycle throws onto our shape.
 */
import type { Socket } from "node:net";
import { STATUS_CODES } from "node:http";
import { ErrorCode, isSimgateError } from "../../errors.js";

/** Wire tokens [I] (Onlinesim documents none for the partner side except the shape). */
export const WireError = {
  BadJson: "BAD_JSON",
  BadRequest: "BAD_REQUEST",
  BadEncoding: "BAD_ENCODING",
  BodyTooLarge: "BODY_TOO_LARGE",
  UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
  /** Q30. */
  UnknownAction: "UNKNOWN_ACTION",
  IpNotAllowed: "IP_NOT_ALLOWED",
  NotFound: "NOT_FOUND",
  MethodNotAllowed: "METHOD_NOT_ALLOWED",
  Timeout: "TIMEOUT",
  /** Over http.rateLimit for this client IP (429, with Retry-After). */
  RateLimited: "RATE_LIMITED",
  Internal: "INTERNAL_ERROR",
} as const;

export interface ErrorBody {
  status: "ERROR";
  error: string;
  detail?: string;
}

export function errorBody(error: string, detail?: string): ErrorBody {
  return detail === undefined ? { status: "ERROR", error } : { status: "ERROR", error, detail };
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** A bug or an unexpected failure (5xx), not bad input. */
  internal: boolean;
}

/** Fastify's body-reading errors, by code; the rest of its 4xx errors become BAD_REQUEST. */
const FASTIFY_CODES: Record<string, { status: number; error: string; detail: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: WireError.BodyTooLarge, detail: "request body above http.bodyLimitBytes" },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, error: WireError.BadRequest, detail: "Content-Length does not match the body" },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: WireError.UnsupportedMediaType, detail: "send Content-Type: application/json" },
};

/** Thrown by the rate limit (rate-limit.ts) when a client is over http.rateLimit.max. */
export class RateLimited extends Error {
  readonly statusCode = 429;
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limited; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * Map anything thrown inside the request lifecycle. Details are fixed texts or our own
 * messages, never a parser's message: V8's JSON errors quote the input, which may hold the key.
 */
export function mapThrown(err: unknown): MappedError {
  if (isSimgateError(err, ErrorCode.HttpBadBody)) {
    const status = typeof err.context["status"] === "number" ? err.context["status"] : 400;
    const error = typeof err.context["error"] === "string" ? err.context["error"] : WireError.BadRequest;
    return { status, body: errorBody(error, err.plainMessage), internal: false };
  }
  if (err instanceof RateLimited) return { status: 429, body: errorBody(WireError.RateLimited), internal: false };
  const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
  const known = code === undefined ? undefined : FASTIFY_CODES[code];
  if (known) return { status: known.status, body: errorBody(known.error, known.detail), internal: false };
  const statusCode = typeof err === "object" && err !== null && "statusCode" in err && typeof err.statusCode === "number" ? err.statusCode : 500;
  if (statusCode >= 400 && statusCode < 500) {
    // e.g. the client aborted mid-body (fastify marks it 400): the answer rarely arrives, but stays our shape.
    return { status: statusCode, body: errorBody(WireError.BadRequest, code), internal: false };
  }
  return { status: 500, body: errorBody(WireError.Internal), internal: true };
}

/**
 * Socket-level errors before fastify sees a request (node's requestTimeout, header
 * overflow, malformed HTTP): same JSON shape written raw, then the socket is closed.
 * Mirrors node's own clientError fallback: write only if nothing of a response went out yet.
 */
export function writeClientError(err: Error & { code?: string }, socket: Socket): { status: number; error: string } | undefined {
  if (err.code === "ECONNRESET" || socket.destroyed) return undefined;
  const [status, error] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? [408, WireError.Timeout] : err.code === "HPE_HEADER_OVERFLOW" ? [431, WireError.BadRequest] : [400, WireError.BadRequest];
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(errorBody(error, status === 408 ? "request not received within http.requestTimeoutMs" : "malformed HTTP request"));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
  return { status, error };
}
