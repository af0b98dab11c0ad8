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
import { nodeHttpTransport, type HttpTransport } from "./http-transport.js";

export type { HttpTransport };
export { nodeHttpTransport };

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

export async function requestJson(transport: HttpTransport, req: HttpRequest): Promise<HttpResult> {
  // One controller, one timer: AbortSignal.timeout + AbortSignal.any per request cost more than the POST's own JS.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  const stop = (): void => controller.abort();
  if (req.signal?.aborted) controller.abort();
  else req.signal?.addEventListener("abort", stop, { once: true });
  const scrub = req.scrub ?? ((t: string) => t);
  try {
    const res = await transport({
      url: req.url,
      method: req.method ?? "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": USER_AGENT, accept: "application/json, text/plain;q=0.9", ...req.headers },
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      signal: controller.signal,
    });
    const body = scrub(res.text).slice(0, MAX_BODY_CHARS);
    // The note goes in front of the text only: what Onlinesim's own words say (json) stays the body's.
    const text = res.location === undefined ? body : `${scrub(redirectNote(res.location))}${body}`.slice(0, MAX_BODY_CHARS);
    return { ok: true, answer: { status: res.status, text, json: parseJson(body) } };
  } catch (err) {
    if (req.signal?.aborted) return { ok: false, error: "aborted (stopping)", aborted: true, timedOut: false };
    if (timedOut) return { ok: false, error: `timeout after ${req.timeoutMs} ms`, aborted: false, timedOut: true };
    return { ok: false, error: scrub(describeNetworkError(err)), aborted: false, timedOut: false };
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener("abort", stop);
  }
}

/** A redirect is not followed (http-transport.ts): its answer says where it pointed, for the log and lastError. */
function redirectNote(location: string): string {
  return `redirect to ${location} not followed (configure the final URL) `;
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A network error in a few words: node:http puts the code on the error, fetch (undici) on its `cause`. */
export function describeNetworkError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  const source = typeof e?.code === "string" ? e : e?.cause;
  const code = typeof source?.code === "string" ? source.code : undefined;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `host not found (${code})`;
  if (code) {
    const message = typeof source?.message === "string" ? source.message : "";
    return message.includes(code) ? message : `${code}${message ? `: ${message}` : ""}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A body excerpt for a log line or lastError. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
