/**
 * The v2 reseller methods (docs/protocols/onlinesim-v2.md) over HTTP, each answer classified once so the loops above
 * only decide *when* to try again:
 *   ok          HTTP 2xx and `response: 1` (docs/protocols/onlinesim-v2.md#conventions envelope)
 *   config      ERROR_WRONG_KEY, ERROR_NO_KEY, API_ACCESS_IP, API_ACCESS_DISABLED,
 *               ACCOUNT_BLOCKED (or a bare 401/403): the operator must act; back off to minutes
 *   not-found   REQUEST_NOT_FOUND / HTTP 405: this method does not exist there (fall back)
 *   rejected    other 4xx or an error `response`: this payload was refused
 *   transient   5xx, 408/429, timeouts, refused connections: back off from ~1 s to ~60 s
 *   unconfigured / aborted   no baseUrl; stop() cut the request short
 *
 * Auth: `Authorization: Bearer <key>` (docs/protocols/onlinesim.md#authentication, docs/protocols/onlinesim-v2.md#conventions; the fake checks exactly this). Answers
 * and error texts pass `scrub` before anyone logs or keeps them (http.ts).
 * URL: v2.baseUrl is Onlinesim's SERVER_URL; methods live under `/api/resellers/` (docs/protocols/onlinesim.md#endpoints).
 * A baseUrl that already ends in `/api/resellers` is used as is.
 */
import type { Logger } from "../log/logger.js";
import type { Scrub } from "../log/secrets.js";
import type { AddMessageItem, AddNumberRequest, V2Number } from "../onlinesim/schemas.js";
import { CONFIG_ERROR_REMEDIES, configErrorIn, REQUEST_NOT_FOUND, REQUEST_NOT_FOUND_REMEDY } from "./config-errors.js";
import { excerpt, nodeHttpTransport, requestJson, type HttpAnswer, type HttpResult, type HttpTransport } from "./http.js";
import type { V2Config } from "./v2-payload.js";

export type V2Method = "sendNumbersOnline" | "checkWork" | "addNumber" | "removeNumber" | "addMessage" | "addMessages";

/**
 * The list methods are idempotent (the same list twice changes nothing), and a withdrawal
 * must not wait half a minute behind a hanging request: 10 s. addMessage(s) are not (a
 * batch sent twice is stored twice), so they wait v2.timeoutMs (30 s, longer than
 * Onlinesim's own processing).
 */
export const LIST_TIMEOUT_MS = 10_000;
const NOT_IDEMPOTENT: ReadonlySet<V2Method> = new Set(["addMessage", "addMessages"]);

export interface V2ClientOptions {
  key: string;
  v2: V2Config;
  logger: Logger;
  /** How a request goes out (default: node:http/https with keep-alive, http-transport.ts). */
  transport?: HttpTransport;
  /** Per-request timeout for every method (default: v2.timeoutMs for addMessage(s), LIST_TIMEOUT_MS for the list methods). */
  timeoutMs?: number;
  /** Scrubs secrets out of answers and error texts (default: none). */
  scrub?: Scrub;
}

export type V2Failure =
  | { ok: false; kind: "config"; code: string; remedy: string; status: number; error: string }
  | { ok: false; kind: "not-found"; status: number; error: string }
  | { ok: false; kind: "rejected"; status: number; error: string }
  | { ok: false; kind: "transient"; status: number | null; error: string; /** No answer within the deadline: Onlinesim may still process it. */ timedOut?: boolean }
  | { ok: false; kind: "unconfigured"; error: string }
  | { ok: false; kind: "aborted"; error: string };

export type V2Result = { ok: true; status: number; body: Record<string, unknown>; /** number → Onlinesim id (docs/protocols/onlinesim-v2.md#sendnumbersonline, Q22). */ ids: Record<string, number> } | V2Failure;

export class V2Client {
  readonly #o: V2ClientOptions;
  readonly #transport: HttpTransport;
  readonly #log: Logger;
  readonly #base: string | undefined;

  constructor(opts: V2ClientOptions) {
    this.#o = opts;
    this.#transport = opts.transport ?? nodeHttpTransport;
    this.#log = opts.logger.child({ component: "onlinesim-v2" });
    const base = opts.v2.baseUrl?.replace(/\/+$/, "");
    this.#base = base === undefined ? undefined : /\/api\/resellers$/.test(base) ? base : `${base}/api/resellers`;
  }

  /** False when v2.baseUrl is unset: every call answers `unconfigured` without I/O. */
  get configured(): boolean {
    return this.#base !== undefined;
  }

  url(method: V2Method): string | undefined {
    return this.#base === undefined ? undefined : `${this.#base}/${method}`;
  }

  /** The full list (docs/protocols/onlinesim-v2.md#sendnumbersonline), with `test` from v2.test when not "none". */
  sendNumbersOnline(numbers: V2Number[], signal?: AbortSignal): Promise<V2Result> {
    return this.#call("sendNumbersOnline", { numbers, ...this.#test() }, signal);
  }

  /** Liveness ping (docs/protocols/onlinesim-v2.md#checkwork, payload [U]: `{}`). */
  checkWork(signal?: AbortSignal): Promise<V2Result> {
    return this.#call("checkWork", {}, signal);
  }

  addNumber(req: AddNumberRequest, signal?: AbortSignal): Promise<V2Result> {
    return this.#call("addNumber", req, signal);
  }

  /** docs/protocols/onlinesim-v2.md#removenumber [U]: DELETE with `number` ("+…") in the JSON body and, for servers that read the query, in the query too. */
  removeNumber(number: string, signal?: AbortSignal): Promise<V2Result> {
    return this.#call("removeNumber", { number }, signal, "DELETE", `?number=${encodeURIComponent(number)}`);
  }

  /** One SMS (docs/protocols/onlinesim-v2.md#addmessage), with `test` from v2.test when not "none". */
  addMessage(item: AddMessageItem, signal?: AbortSignal): Promise<V2Result> {
    return this.#call("addMessage", { ...item, ...this.#test() }, signal);
  }

  /** A batch (docs/protocols/onlinesim-v2.md#addmessages; items = the addMessage fields, [I]; no `test` field exists here). */
  addMessages(messages: AddMessageItem[], signal?: AbortSignal): Promise<V2Result> {
    return this.#call("addMessages", { messages }, signal);
  }

  #test(): { test?: "test1" | "test2" } {
    return this.#o.v2.test === "none" ? {} : { test: this.#o.v2.test };
  }

  async #call(method: V2Method, body: unknown, signal: AbortSignal | undefined, httpMethod: "POST" | "DELETE" = "POST", query = ""): Promise<V2Result> {
    const url = this.url(method);
    if (!url) return { ok: false, kind: "unconfigured", error: "onlinesim.v2.baseUrl is not set" };
    const started = Date.now();
    const result = await requestJson(this.#transport, {
      url: url + query,
      method: httpMethod,
      body,
      headers: { authorization: `Bearer ${this.#o.key}` },
      timeoutMs: this.#o.timeoutMs ?? (NOT_IDEMPOTENT.has(method) ? this.#o.v2.timeoutMs : LIST_TIMEOUT_MS),
      ...(signal ? { signal } : {}),
      ...(this.#o.scrub ? { scrub: this.#o.scrub } : {}),
    });
    const verdict = classifyV2(result);
    this.#log.debug({ method, ms: Date.now() - started, ok: verdict.ok, ...(verdict.ok ? {} : { kind: verdict.kind, error: verdict.error }) }, `v2 ${method}`);
    return verdict;
  }
}

export function classifyV2(result: HttpResult): V2Result {
  if (!result.ok) return result.aborted ? { ok: false, kind: "aborted", error: result.error } : { ok: false, kind: "transient", status: null, error: result.error, timedOut: result.timedOut };
  return classifyV2Answer(result.answer);
}

export function classifyV2Answer(answer: HttpAnswer): V2Result {
  const { status, json, text } = answer;
  const body = json && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const response = body?.["response"];
  const describe = `HTTP ${status}${text.trim() ? `: ${excerpt(text)}` : ""}`;
  const config = configErrorIn(json, text);
  if (config) return { ok: false, kind: "config", code: config, remedy: CONFIG_ERROR_REMEDIES[config], status, error: `${config} (HTTP ${status})` };
  if (response === REQUEST_NOT_FOUND || text.trim() === REQUEST_NOT_FOUND || status === 405) return { ok: false, kind: "not-found", status, error: `${REQUEST_NOT_FOUND} (HTTP ${status})` };
  if (status >= 200 && status < 300 && (response === 1 || response === "1")) return { ok: true, status, body: body ?? {}, ids: idsOf(body?.["ids"]) };
  if (status >= 500 || status === 408 || status === 429) return { ok: false, kind: "transient", status, error: describe };
  // A 401/403 without a documented token is still about the key or the account.
  if (status === 401) return { ok: false, kind: "config", code: "HTTP_401", remedy: CONFIG_ERROR_REMEDIES.ERROR_WRONG_KEY, status, error: describe };
  if (status === 403) return { ok: false, kind: "config", code: "HTTP_403", remedy: "Onlinesim refused access: check the Onlinesim cabinet (API access, IP allow-list, account state)", status, error: describe };
  return { ok: false, kind: "rejected", status, error: response !== undefined && status < 300 ? `response ${JSON.stringify(response)} (HTTP ${status})` : describe };
}

function idsOf(v: unknown): Record<string, number> {
  if (!v || typeof v !== "object") return {};
  const out: Record<string, number> = {};
  for (const [k, id] of Object.entries(v)) if (typeof id === "number") out[k] = id;
  return out;
}

/** One log line for a failed call: what happened and, for config errors, what to do. */
export function describeV2Failure(method: V2Method, f: V2Failure): string {
  switch (f.kind) {
    case "config":
      return `Onlinesim v2 ${method}: ${f.code}: ${f.remedy}`;
    case "not-found":
      return `Onlinesim v2 ${method}: ${f.error}: ${REQUEST_NOT_FOUND_REMEDY}`;
    default:
      return `Onlinesim v2 ${method} failed: ${f.error}`;
  }
}
