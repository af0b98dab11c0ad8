/**
 * The one scrubber for secrets in free text: log lines, error texts the senders keep
 * (outbox and v2 queue `last_error`, `lastError` in the status), marketplace answers, and
 * whatever the admin API serves. Built once from the configured secret values (the
 * Onlinesim key, the admin token); any layer may use it (this file imports nothing).
 *
 * Two kinds of rule, both replacing with `[redacted]`:
 *  - by value: each secret as written, JSON-escaped (once and twice: an answer that echoes
 *    our JSON body, kept inside a JSON error text, served as JSON), and URL-encoded (upper-
 *    and lower-case hex, `+` for spaces as in a form body);
 *  - by field: the value of a field that carries credentials, whatever it is (a wrong key,
 *    a key cut short by an excerpt): `"key":"…"` (also with escaped quotes), `key=…` in a
 *    query or form string, `Authorization: Bearer …`. Field names: key, apikey, api_key,
 *    token, access_token, password, secret, authorization.
 *
 * Secrets shorter than MIN_SECRET_LENGTH are not scrubbed by value: replacing "1234" in
 * every text would mangle ordinary text (SIM PINs are hidden where they are used instead).
 */

export const REDACTED = "[redacted]";

/** Secrets shorter than this are not scrubbed literally: they would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 6;

export type Scrub = (text: string) => string;

const FIELD_NAMES = "key|apikey|api_key|token|access_token|password|secret|authorization";

/**
 * `"key":"value"` as written (the value ends at an unescaped quote, or at the end of a text
 * cut short), and inside JSON strings once or twice (`\"key\":\"value\"`): there the
 * value ends at the quote that is followed by `,` `}` `]` or the end.
 */
const JSON_FIELD_RULES: RegExp[] = [
  new RegExp(`("(?:${FIELD_NAMES})"\\s*:\\s*")((?:\\\\.|[^"\\\\])*)`, "gis"),
  ...['\\\\"', '\\\\\\\\\\\\"'].map((q) => new RegExp(`(${q}(?:${FIELD_NAMES})${q}\\s*:\\s*${q})((?:(?!${q}\\s*(?:[,}\\]]|$)).)*)`, "gis")),
];
/** `"key": 1234` (a number or a bare word instead of a string). */
const JSON_BARE_VALUE = new RegExp(`((?:\\\\*")(?:${FIELD_NAMES})(?:\\\\*")\\s*:\\s*)([^\\s"\\\\,}\\]][^\\s",}\\]\\\\]*)`, "gi");
/** `?key=…&`, `&apikey=…`, ` token=…` in URLs, form bodies and logfmt lines. */
const QUERY_FIELD = new RegExp(`((?:^|[?&;\\s"'])(?:${FIELD_NAMES})=)([^&;\\s"'#]*)`, "gi");
/** `Authorization: Bearer …` / `authorization=Basic …` as text (headers echoed in a page). */
const AUTH_HEADER = /(authorization\s*[:=]\s*)((?:bearer|basic|token)\s+)?[^\s"',;}]+/gi;

function valueForms(secret: string): string[] {
  const json1 = JSON.stringify(secret).slice(1, -1);
  const json2 = JSON.stringify(json1).slice(1, -1);
  const url = encodeURIComponent(secret);
  const lowerHex = url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const form = url.replace(/%20/g, "+");
  return [secret, json1, json2, url, lowerHex, form];
}

/** A scrubber for these secret values (undefined, null and short ones are skipped). */
export function secretScrubber(secrets: readonly (string | null | undefined)[]): Scrub {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < MIN_SECRET_LENGTH) continue;
    for (const f of valueForms(s)) forms.add(f);
  }
  // Longest first, so a secret that contains another is replaced whole.
  const list = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    if (typeof text !== "string" || text === "") return text;
    let out = text;
    for (const f of list) if (out.includes(f)) out = out.split(f).join(REDACTED);
    out = out.replace(AUTH_HEADER, (_m, name: string, scheme: string | undefined) => `${name}${scheme ?? ""}${REDACTED}`);
    for (const rule of JSON_FIELD_RULES) out = out.replace(rule, (m, head: string, value: string) => (value === REDACTED ? m : `${head}${REDACTED}`));
    out = out.replace(JSON_BARE_VALUE, (m, head: string, value: string) => (value === "null" || value === "true" || value === "false" ? m : `${head}${REDACTED}`));
    out = out.replace(QUERY_FIELD, (m, head: string, value: string) => (value === "" || value === REDACTED ? m : `${head}${REDACTED}`));
    return out;
  };
}

/** Every string inside a JSON-like value scrubbed (a served document); other values kept. */
export function scrubDeep<T>(value: T, scrub: Scrub): T {
  if (typeof value === "string") return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, scrub)) as T;
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, scrub);
    return out as T;
  }
  return value;
}
