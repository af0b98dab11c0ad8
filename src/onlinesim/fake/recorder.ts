/**
 * Everything the fake saw: one entry per request, in arrival order, with the key redacted
 * (never logged, docs/conventions.md#rule-11) but its verdict kept (`keyOk`).
 */

export interface SeenRequest {
  seq: number;
  /** ms since epoch when the request arrived. */
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON body with `key` replaced by "***". */
  body: unknown;
  /** undefined = no key needed/checked. */
  keyOk?: boolean;
  /** Schema problems (`path: message`), empty when the payload was valid. */
  problems: string[];
  /** Deviations recorded without refusing (missing charset, no User-Agent). */
  warnings: string[];
  /** HTTP status and body the fake answered (filled in when the answer is sent). */
  status?: number;
  response?: unknown;
  /** Which failure rule answered instead of the normal handler. */
  injected?: string;
}

const SECRET_HEADERS = new Set(["authorization", "cookie", "proxy-authorization"]);

export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const text = Array.isArray(v) ? v.join(", ") : v;
    out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? text.replace(/^(\S+\s+)?.*$/, (_m, scheme: string | undefined) => `${scheme ?? ""}***`) : text;
  }
  return out;
}

export function redactBody(body: unknown): unknown {
  if (body && typeof body === "object" && !Array.isArray(body) && "key" in body) return { ...body, key: "***" };
  return body;
}

export function redactQuery(query: Record<string, string>): Record<string, string> {
  return "apikey" in query ? { ...query, apikey: "***" } : query;
}

export class Recorder {
  private readonly entries: SeenRequest[] = [];
  private seq = 0;

  constructor(private readonly max = 10_000) {}

  add(entry: Omit<SeenRequest, "seq">): SeenRequest {
    const e = { seq: ++this.seq, ...entry };
    this.entries.push(e);
    if (this.entries.length > this.max) this.entries.shift();
    return e;
  }

  all(): readonly SeenRequest[] {
    return this.entries;
  }

  /** Requests whose path ends with `suffix` (e.g. "PUSH_SMS", "addMessages"). */
  on(suffix: string): SeenRequest[] {
    return this.entries.filter((e) => e.path.endsWith(suffix));
  }

  /** Requests that were refused for a bad key or a schema problem. */
  rejected(): SeenRequest[] {
    return this.entries.filter((e) => e.keyOk === false || e.problems.length > 0);
  }
}
