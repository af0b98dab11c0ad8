/**
 * Turning one pino JSON line into one human line, for the journal and for a terminal.
 *
 *   journal: `<6>number learned port=modem0 iccid=8944… number=+447… source=ussd event=number-learned`
 *   pretty:  `14:03:07.412 INFO  number learned port=modem0 iccid=8944… number=+447… …`
 *
 * The message comes first, then `port`, `iccid` and `number` (so `journalctl -u simgate |
 * grep port=…` follows one module), then the other fields in the order they were logged,
 * `event` and `component` last. Values are logfmt-ish: bare when they can be, JSON-quoted
 * when they hold spaces, quotes, `=` or control characters. Nested objects become dotted
 * keys (`err.code=ENOENT`). Whatever the input, the output is one line without control
 * characters (an SMS sender or a modem cannot inject a newline or a terminal escape), and
 * formatting never throws: a line that is not a JSON object is passed on, escaped.
 */

export type LogFormat = "json" | "journal" | "pretty";

export const LOG_FORMATS: readonly LogFormat[] = ["json", "journal", "pretty"];

export function isLogFormat(value: unknown): value is LogFormat {
  return typeof value === "string" && (LOG_FORMATS as readonly string[]).includes(value);
}

interface LevelInfo {
  name: string;
  /** syslog priority journald reads from a `<N>` prefix (sd-daemon(3)). */
  priority: number;
  colour: string;
}

const LEVELS: readonly LevelInfo[] = [
  { name: "TRACE", priority: 7, colour: "\x1b[90m" },
  { name: "DEBUG", priority: 7, colour: "\x1b[34m" },
  { name: "INFO", priority: 6, colour: "\x1b[32m" },
  { name: "WARN", priority: 4, colour: "\x1b[33m" },
  { name: "ERROR", priority: 3, colour: "\x1b[31m" },
  { name: "FATAL", priority: 2, colour: "\x1b[1;31m" },
];
const LEVEL_BY_NAME: Record<string, LevelInfo> = Object.fromEntries(LEVELS.map((l) => [l.name.toLowerCase(), l]));

/** pino's numeric levels (10 trace … 60 fatal), its labels, or anything else (→ info). */
export function levelInfo(level: unknown): LevelInfo {
  if (typeof level === "number" && Number.isFinite(level)) {
    const i = Math.max(0, Math.min(LEVELS.length - 1, Math.floor(level / 10) - 1));
    return LEVELS[i]!;
  }
  if (typeof level === "string") return LEVEL_BY_NAME[level.toLowerCase()] ?? LEVELS[2]!;
  return LEVELS[2]!;
}

/** The journald priority of a pino level: trace/debug 7, info 6, warn 4, error 3, fatal 2. */
export function journalPriority(level: unknown): number {
  return levelInfo(level).priority;
}

const FIRST_KEYS = ["port", "portId", "iccid", "number"];
const LAST_KEYS = ["event", "component"];
const SKIPPED_KEYS = new Set(["level", "time", "msg", "pid", "hostname", "v"]);
/** Long values are cut: the journal splits lines longer than LineMax (48 KiB) anyway. */
const MAX_VALUE = 2_000;
const MAX_MESSAGE = 4_000;
const MAX_FIELDS = 64;
const MAX_DEPTH = 3;
const STACK_FRAMES = 4;
const DIM = "\x1b[2m";
const KEY = "\x1b[36m";
const RESET = "\x1b[0m";

// C0 controls, DEL, C1 controls and the Unicode line/paragraph separators: never raw in a line.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const NEEDS_QUOTES = /[\s"=\\\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const BARE_KEY = /^[\w.\-/:@[\]]+$/;

function escapeChar(c: string): string {
  switch (c) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default: {
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
    }
  }
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…(+${s.length - max} chars)`;
}

/** Message text: kept as written, control characters made visible. */
export function safeText(s: string, max = MAX_MESSAGE): string {
  return cut(s, max).replace(UNSAFE, escapeChar);
}

/** A logfmt value: bare when it can be, else JSON-quoted (with the characters JSON leaves raw escaped too). */
export function quoteValue(s: string): string {
  const v = cut(s, MAX_VALUE);
  if (v !== "" && !NEEDS_QUOTES.test(v)) return v;
  return JSON.stringify(v).replace(UNSAFE, escapeChar);
}

function quoteKey(k: string): string {
  return BARE_KEY.test(k) ? k : quoteValue(k);
}

function isErrorLike(v: Record<string, unknown>): boolean {
  return typeof v["message"] === "string" && (typeof v["stack"] === "string" || typeof v["type"] === "string");
}

function primitive(v: unknown): string | undefined {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return v;
    case "number":
    case "boolean":
    case "bigint":
      return String(v);
    default:
      return undefined;
  }
}

function compactJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return "[unserialisable]";
  }
}

/** Stack frames of a pino-serialised error, on one line. */
function frames(stack: string): string {
  return stack
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("at "))
    .slice(0, STACK_FRAMES)
    .join(" | ");
}

interface FieldStyle {
  colour: boolean;
}

function pair(key: string, value: string, style: FieldStyle): string {
  return style.colour ? `${KEY}${quoteKey(key)}${RESET}${DIM}=${RESET}${value}` : `${quoteKey(key)}=${value}`;
}

function pushField(out: string[], key: string, value: unknown, depth: number, style: FieldStyle): void {
  if (out.length >= MAX_FIELDS || value === undefined) return;
  const p = primitive(value);
  if (p !== undefined) {
    out.push(pair(key, quoteValue(p), style));
    return;
  }
  if (Array.isArray(value)) {
    // [1,2] → 1,2; ["+CUSD: 0,\"…\""] → the one string; anything else stays JSON.
    const items = value.map(primitive);
    const simple = items.every((i) => i !== undefined);
    const text =
      simple && items.length === 1 ? items[0]! : simple && items.length > 1 && items.every((i) => i !== "" && !i!.includes(",")) ? items.join(",") : compactJson(value);
    out.push(pair(key, quoteValue(text), style));
    return;
  }
  if (typeof value !== "object") return; // functions, symbols: not in JSON anyway
  const obj = value as Record<string, unknown>;
  if (isErrorLike(obj)) {
    // err="boom" err.type=TypeError err.code=ENOENT [err.stack="at … | at …" when the line
    // carries one: the logger keeps stacks only when it runs at debug level]
    out.push(pair(key, quoteValue(obj["message"] as string), style));
    for (const [k, v] of Object.entries(obj)) {
      if (k === "message" || k === "stack" || (k === "type" && v === "Error") || (k === "name" && v === obj["type"])) continue;
      pushField(out, `${key}.${k}`, v, depth + 1, style);
    }
    if (typeof obj["stack"] === "string") {
      const f = frames(obj["stack"]);
      if (f) pushField(out, `${key}.stack`, f, depth + 1, style);
    }
    return;
  }
  if (depth >= MAX_DEPTH) {
    out.push(pair(key, quoteValue(compactJson(value)), style));
    return;
  }
  const entries = Object.entries(obj);
  if (entries.length === 0) {
    out.push(pair(key, "{}", style));
    return;
  }
  for (const [k, v] of entries) pushField(out, `${key}.${k}`, v, depth + 1, style);
}

/** `key=value` pairs of a record, in reading order. */
export function formatFields(record: Record<string, unknown>, style: FieldStyle): string {
  const out: string[] = [];
  for (const k of FIRST_KEYS) if (Object.hasOwn(record, k)) pushField(out, k, record[k], 0, style);
  for (const [k, v] of Object.entries(record)) {
    if (SKIPPED_KEYS.has(k) || FIRST_KEYS.includes(k) || LAST_KEYS.includes(k)) continue;
    pushField(out, k, v, 0, style);
  }
  for (const k of LAST_KEYS) if (Object.hasOwn(record, k)) pushField(out, k, record[k], 0, style);
  return out.join(" ");
}

export interface ParsedLine {
  record: Record<string, unknown> | undefined;
  /** The input, for lines that are not JSON objects. */
  raw: string;
}

function parse(line: string): ParsedLine {
  try {
    const v: unknown = JSON.parse(line);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return { record: v as Record<string, unknown>, raw: line };
  } catch {
    // not JSON: passed on as text below
  }
  return { record: undefined, raw: line };
}

function messageOf(record: Record<string, unknown>): string {
  const msg = record["msg"];
  if (typeof msg === "string") return msg;
  if (msg !== undefined && msg !== null) return primitive(msg) ?? compactJson(msg);
  return typeof record["event"] === "string" ? record["event"] : "";
}

function body(record: Record<string, unknown>, colour: boolean): string {
  const fields = formatFields(record, { colour });
  const message = safeText(messageOf(record));
  return message && fields ? `${message} ${fields}` : message || fields;
}

/** One journal line (without the trailing newline): `<priority>message key=value …`. */
export function formatJournalLine(line: string): string {
  try {
    const { record, raw } = parse(line);
    if (!record) return `<6>${safeText(raw)}`;
    return `<${levelInfo(record["level"]).priority}>${body(record, false)}`;
  } catch {
    return `<6>${safeText(String(line))}`;
  }
}

function clock(time: unknown): string {
  const d = new Date(typeof time === "number" && Number.isFinite(time) ? time : Date.now());
  const t = Number.isNaN(d.getTime()) ? new Date() : d;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}.${p(t.getMilliseconds(), 3)}`;
}

/** One terminal line (without the trailing newline): `HH:MM:SS.mmm LEVEL message key=value …`. */
export function formatPrettyLine(line: string, colour = false): string {
  try {
    const { record, raw } = parse(line);
    const level = levelInfo(record?.["level"]);
    const time = clock(record?.["time"]);
    const name = level.name.padEnd(5);
    if (!record) return colour ? `${DIM}${time}${RESET} ${level.colour}${name}${RESET} ${safeText(raw)}` : `${time} ${name} ${safeText(raw)}`;
    return colour ? `${DIM}${time}${RESET} ${level.colour}${name}${RESET} ${body(record, true)}` : `${time} ${name} ${body(record, false)}`;
  } catch {
    return `${clock(undefined)} ?     ${safeText(String(line))}`;
  }
}
