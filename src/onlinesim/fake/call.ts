/** One HTTP call as the fake's endpoint logic sees it, and the answer it gives (no fastify types). */

export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Header names lower-case. */
  headers: Record<string, string>;
  /** Parsed JSON body; for GET (v2 allows GET, docs/protocols/onlinesim-v2.md#conventions) the query without `apikey`. */
  body: unknown;
  /** Set when the body was not valid JSON. */
  jsonError?: string;
}

export interface Answer {
  status: number;
  /** JSON value, or a string sent as text/plain (v2 400/404 bodies are strings, docs/protocols/onlinesim-v2.md#addnumber, docs/protocols/onlinesim-v2.md#addmessage). */
  body: unknown;
  keyOk?: boolean;
  problems: string[];
  /** Recorded, not refused (e.g. smsId ≠ activationId, Q12). */
  warnings?: string[];
}

export function json(status: number, body: unknown, extra: Partial<Answer> = {}): Answer {
  return { status, body, problems: [], ...extra };
}

/** Problems a well-behaved caller should not cause, recorded but not refused (docs/protocols/onlinesim.md#business-rules, docs/protocols/onlinesim.md#content-type). */
export function headerWarnings(call: Call): string[] {
  const out: string[] = [];
  if (call.method !== "GET" && call.method !== "DELETE") {
    const ct = (call.headers["content-type"] ?? "").toLowerCase().replace(/\s+/g, "");
    if (ct !== "application/json;charset=utf-8") out.push(`Content-Type is '${call.headers["content-type"] ?? ""}', documented: application/json; charset=utf-8 (docs/protocols/onlinesim.md#content-type)`);
  }
  if (!call.headers["user-agent"]) out.push("no User-Agent header (docs/protocols/onlinesim.md#business-rules)");
  return out;
}

/** The Bearer token, else the `apikey` query parameter (docs/protocols/onlinesim.md#authentication), else undefined. */
export function presentedKey(call: Call): string | undefined {
  const auth = call.headers["authorization"];
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  if (m?.[1]) return m[1];
  return call.query["apikey"] || undefined;
}
