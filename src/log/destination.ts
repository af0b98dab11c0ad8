/**
 * Where log lines go and in which shape. pino writes JSON lines; this synchronous
 * destination scrubs the configured secrets out of every line and, for people, rewrites
 * it (see format.ts) before handing it to the real output (stdout by default).
 *
 * The shape is chosen from the output unless SIMGATE_LOG_FORMAT says otherwise:
 *   - journal: stdout is connected to the journal. systemd sets JOURNAL_STREAM to the
 *     `device:inode` of that stream (systemd.exec(5)); it only counts when it matches our
 *     own stdout, so a child whose stdout was redirected does not inherit the choice.
 *   - pretty: stdout is a terminal.
 *   - json: anything else (pipes, files, tests, log shippers).
 */
import { fstatSync } from "node:fs";
import { isatty } from "node:tty";
import { formatJournalLine, formatPrettyLine, isLogFormat, type LogFormat } from "./format.js";
import { secretScrubber } from "./secrets.js";

// The scrubber lives in secrets.ts (shared with the senders, the store writes and the admin API).
export { REDACTED, MIN_SECRET_LENGTH, secretScrubber } from "./secrets.js";

export interface LineSink {
  write(chunk: string): unknown;
}

/** True when `value` (JOURNAL_STREAM) names the stream behind file descriptor `fd`. */
export function isJournalStream(value: string | undefined, fd = 1): boolean {
  const m = value?.trim().match(/^(\d+):(\d+)$/);
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

export interface FormatChoice {
  format: LogFormat;
  /** SIMGATE_LOG_FORMAT held something we do not know (it was ignored). */
  unknownOverride?: string;
}

/** The output shape for stdout (file descriptor `fd`): SIMGATE_LOG_FORMAT, else journal, terminal or JSON. */
export function chooseLogFormat(env: NodeJS.ProcessEnv = process.env, fd = 1): FormatChoice {
  const forced = env["SIMGATE_LOG_FORMAT"]?.trim().toLowerCase();
  const auto: LogFormat = isJournalStream(env["JOURNAL_STREAM"], fd) ? "journal" : isatty(fd) ? "pretty" : "json";
  if (!forced) return { format: auto };
  if (isLogFormat(forced)) return { format: forced };
  return { format: auto, unknownOverride: forced.slice(0, 40) };
}

/** Colour for the pretty format: a terminal that is not dumb, unless NO_COLOR; FORCE_COLOR forces it. */
export function wantsColour(env: NodeJS.ProcessEnv = process.env, fd = 1): boolean {
  const force = env["FORCE_COLOR"];
  if (force !== undefined && force !== "" && force !== "0" && force !== "false") return true;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (force === "0" || force === "false") return false;
  return isatty(fd) && env["TERM"] !== "dumb";
}

/**
 * pino writes a child's bindings after its parent's, and the call's fields after both, so
 * `logger.child({component: "outbound"}).child({component: "numbers-online"})` writes
 * `"component":"outbound","component":"numbers-online"` — JSON that strict parsers refuse
 * and log shippers read differently. Each line is rewritten with every key once, holding
 * its last value (the most specific: the innermost child, or the call itself); lines that
 * are not JSON objects pass unchanged.
 */
export function uniqueKeys(text: string): string {
  let out = "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    out += `${record !== null && typeof record === "object" && !Array.isArray(record) ? JSON.stringify(record) : line}\n`;
  }
  return out;
}

export interface DestinationOptions {
  format: LogFormat;
  out: LineSink;
  secrets?: readonly (string | null | undefined)[];
  /** ANSI colours in the pretty format. */
  colour?: boolean;
}

/**
 * A synchronous pino destination: `write(line)` takes pino's JSON line, scrubs it, formats
 * it and writes one line to `out`. It never throws on what it is given.
 */
export class LogDestination {
  readonly format: LogFormat;
  readonly #out: LineSink;
  readonly #scrub: (text: string) => string;
  readonly #shape: (line: string) => string;

  constructor(o: DestinationOptions) {
    this.format = o.format;
    this.#out = o.out;
    this.#scrub = secretScrubber(o.secrets ?? []);
    const colour = o.colour ?? false;
    this.#shape = o.format === "journal" ? formatJournalLine : o.format === "pretty" ? (l) => formatPrettyLine(l, colour) : (l) => l;
  }

  /** Formats one chunk (normally one JSON line with its newline) into the text written out. */
  render(chunk: string): string {
    const text = typeof chunk === "string" ? chunk : String(chunk);
    if (this.format === "json") return this.#scrub(uniqueKeys(text));
    let out = "";
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      out += `${this.#scrub(this.#shape(this.#scrub(line)))}\n`;
    }
    return out;
  }

  write(chunk: string): boolean {
    let text: string;
    try {
      text = this.render(chunk);
    } catch {
      return true; // formatting is total; this is the belt to its braces
    }
    if (text !== "") this.#out.write(text);
    return true;
  }

  /** pino's logger.flush() lands here. */
  flush(cb?: (err?: Error | null) => void): void {
    const out = this.#out as LineSink & { flush?: (cb?: (err?: Error | null) => void) => void };
    if (typeof out.flush === "function") out.flush(cb);
    else cb?.();
  }

  flushSync(): void {
    const out = this.#out as LineSink & { flushSync?: () => void };
    try {
      out.flushSync?.();
    } catch {
      // an async SonicBoom that has not opened yet, or a closed pipe: nothing to save
    }
  }
}
