/**
 * One HTTP exchange with Onlinesim: JSON out, text (and JSON when it parses) back, a
 * per-request deadline, and every failure turned into a short string instead of a throw.
 * Headers per docs/protocols/onlinesim.md#business-rules/docs/protocols/onlinesim.md#content-type: `Content-Type: application/json; charset=utf-8` and a User-Agent.
 *
 * Secrets: an answer may echo our request (the key in the body, the Bearer header). With
 * `scrub`, the whole answer and every error text are scrubbed HERE, before anything is cut
 * to length (a cut could leave half a key no scrubber recognises) and before any caller
 * can log, keep or store them.
 */
import type { Scrub } from "../log/secrets.js";

import { VERSION } from "../package-info.js";

export type FetchFn = typeof fetch;

export interface HttpAnswer {
  status: number;
  /** Body as text, cut to MAX_BODY_CHARS (only ever logged or matched against tokens). */
  text: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

export type HttpResult =
  | { ok: true; answer: HttpAnswer }
  | {
      ok: false;
      error: string;
      /** stop() cut it short: not Onlinesim's fault. */
      aborted: boolean;
      /** The deadline passed: Onlinesim may still be processing the request. */
      timedOut: boolean;
    };

export interface HttpRequest {
  url: string;
  method?: "POST" | "GET" | "DELETE";
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request (stop()). */
  signal?: AbortSignal;
  /** Applied to the answer text and error texts before anything else sees them. */
  scrub?: Scrub;
}

export const USER_AGENT = `simgate/${VERSION}`;
const MAX_BODY_CHARS = 4_096;

export async function requestJson(fetchFn: FetchFn, req: HttpRequest): Promise<HttpResult> {
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
  const scrub = req.scrub ?? ((t: string) => t);
  try {
    const res = await fetchFn(req.url, {
      method: req.method ?? "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": USER_AGENT, accept: "application/json, text/plain;q=0.9", ...req.headers },
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      signal,
    });
    const text = scrub(await res.text()).slice(0, MAX_BODY_CHARS);
    return { ok: true, answer: { status: res.status, text, json: parseJson(text) } };
  } catch (err) {
    if (req.signal?.aborted) return { ok: false, error: "aborted (stopping)", aborted: true, timedOut: false };
    if (deadline.aborted) return { ok: false, error: `timeout after ${req.timeoutMs} ms`, aborted: false, timedOut: true };
    return { ok: false, error: scrub(describeFetchError(err)), aborted: false, timedOut: false };
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** undici wraps the socket error in `cause`: "fetch failed" alone says nothing. */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `host not found (${code})`;
  if (code) return `${code}${typeof cause?.message === "string" ? `: ${cause.message}` : ""}`;
  return err instanceof Error ? err.message : String(err);
}

/** A body excerpt for a log line or lastError. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
