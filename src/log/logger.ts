import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

/**
 * Paths that must never reach a log line. Onlinesim's key travels in request bodies
 * and headers; SIM PINs come from config.
 */
const REDACT_PATHS = [
  "key",
  "*.key",
  "apikey",
  "*.apikey",
  "pin",
  "*.pin",
  "headers.authorization",
  "req.headers.authorization",
  "config.onlinesim.key",
];

export interface LoggerSettings {
  level?: string;
  /** Where lines go; stdout by default (journald reads stdout under systemd). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env["SIMGATE_LOG_LEVEL"] ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: undefined,
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}

/** A logger that drops everything: for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

/**
 * Make a wire payload readable in one log line: CR and LF become `<CR>`/`<LF>`, other
 * control bytes and non-ASCII become `<xx>` hex.
 */
export function escapeWire(data: Buffer | string): string {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  let out = "";
  for (const b of bytes) {
    if (b === 0x0d) out += "<CR>";
    else if (b === 0x0a) out += "<LF>";
    else if (b === 0x1a) out += "<SUB>";
    else if (b === 0x1b) out += "<ESC>";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `<${b.toString(16).padStart(2, "0")}>`;
  }
  return out;
}
