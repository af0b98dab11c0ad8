import { destination as pinoDestination, pino, stdSerializers, type Logger, type LoggerOptions } from "pino";
import { chooseLogFormat, LogDestination, REDACTED, wantsColour, type LineSink } from "./destination.js";
import type { LogFormat } from "./format.js";

export type { Logger } from "pino";
export type { LogFormat } from "./format.js";

/**
 * Paths that must never reach a log line. Onlinesim's key travels in request bodies
 * and headers; the admin token in headers; SIM PINs come from config. The literal values
 * of the configured secrets are scrubbed from every line on top of this (`secrets`).
 */
export const REDACT_PATHS = [
  "key",
  "*.key",
  "apikey",
  "*.apikey",
  "token",
  "*.token",
  "pin",
  "*.pin",
  "authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "config.onlinesim.key",
  "config.admin.token",
];

export interface LoggerSettings {
  level?: string;
  /**
   * Where lines go; stdout by default (journald reads stdout under systemd). Anything with
   * `write(string)`: a Writable, a SonicBoom, a test's collector.
   */
  destination?: LineSink;
  /**
   * json, journal or pretty. Default: for stdout, SIMGATE_LOG_FORMAT or what stdout is
   * (the journal, a terminal, else JSON); for an explicit destination, json.
   */
  format?: LogFormat;
  /** Literal values scrubbed from every line in every format (the Onlinesim key, the admin token). */
  secrets?: readonly (string | null | undefined)[];
  /** Colour in the pretty format (default: stdout is a colour terminal and NO_COLOR is unset). */
  colour?: boolean;
  /** Environment read for SIMGATE_LOG_LEVEL, SIMGATE_LOG_FORMAT, JOURNAL_STREAM, NO_COLOR (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * The first line, logged at info before anything the logger itself has to say (`run`'s
   * "simgate 1.2.3 starting": the journal then says which version wrote what follows).
   */
  banner?: { msg: string; fields: Record<string, unknown> };
}

/**
 * Fastify announces every address it listens on ("Server listening at …") at info; simgate
 * logs its own line for each listener (which one it is, its mode), so Fastify's copy goes
 * to debug instead of repeating it.
 */
const FASTIFY_LISTENING = /^Server listening at /;

function demoteFastifyListening(this: Logger, args: Parameters<Logger["info"]>, method: (...a: unknown[]) => void, level: number): void {
  if (level === 30 && typeof args[0] === "string" && FASTIFY_LISTENING.test(args[0])) {
    this.debug(...(args as [string]));
    return;
  }
  method.apply(this, args);
}

/** A serialised error without its stack traces (also those of its causes). */
function withoutStacks(serialised: unknown): unknown {
  if (serialised === null || typeof serialised !== "object") return serialised;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(serialised)) if (k !== "stack") out[k] = k === "cause" || (typeof v === "object" && v !== null && "message" in v) ? withoutStacks(v) : v;
  return out;
}

/** Carried by a port's logger (and inherited by its children): the port's current SIM. */
const SIM_CONTEXT = Symbol.for("simgate.log.sim");
type SimSource = () => { iccid?: string | null; number?: string | null } | null | undefined;

/** pino mixin: `iccid` and `number` of the port's SIM as they are now, for loggers made by withSimContext. */
function simMixin(_obj: object, _level: number, logger: unknown): Record<string, unknown> {
  const source = (logger as { [SIM_CONTEXT]?: SimSource } | undefined)?.[SIM_CONTEXT];
  if (!source) return {};
  try {
    const sim = source();
    if (!sim) return {};
    const out: Record<string, unknown> = {};
    if (sim.iccid) out["iccid"] = sim.iccid;
    if (sim.number) out["number"] = sim.number;
    return out;
  } catch {
    return {};
  }
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const env = settings.env ?? process.env;
  // An expected event (an unplug, a marketplace not reachable yet) must read as one line:
  // stack traces are for whoever runs at debug level to chase a bug.
  let logger: Logger | undefined;
  const errSerializer = (err: Error): unknown => {
    const serialised = stdSerializers.err(err);
    return logger?.isLevelEnabled("debug") ? serialised : withoutStacks(serialised);
  };
  const options: LoggerOptions = {
    level: settings.level ?? (env["SIMGATE_LOG_LEVEL"] || "info"),
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    base: undefined,
    mixin: simMixin as LoggerOptions["mixin"],
    serializers: { err: errSerializer },
    hooks: { logMethod: demoteFastifyListening as NonNullable<LoggerOptions["hooks"]>["logMethod"] },
  };
  let format = settings.format;
  let unknownOverride: string | undefined;
  if (!format) {
    if (settings.destination) format = "json";
    else ({ format, unknownOverride } = chooseLogFormat(env, 1));
  }
  // stdout as pino would open it (an asynchronous SonicBoom flushed at exit, quiet on EPIPE).
  const out = settings.destination ?? pinoDestination({ dest: 1, sync: false });
  const destination = new LogDestination({
    format,
    out,
    secrets: settings.secrets ?? [],
    colour: settings.colour ?? (format === "pretty" && !settings.destination && wantsColour(env, 1)),
  });
  logger = pino(options, destination);
  if (settings.banner) logger.info(settings.banner.fields, settings.banner.msg);
  if (unknownOverride !== undefined) {
    logger.warn({ event: "log-format-unknown", value: unknownOverride, using: format }, "SIMGATE_LOG_FORMAT must be json, journal or pretty; choosing from the output");
  }
  return logger;
}

/**
 * A child of a port's logger whose lines, and its children's, carry the SIM in that port
 * now: `iccid` and `number` are read from `current` at every line (a SIM swap or a newly
 * learned number shows at once; fields the call passes itself win). Only loggers made by
 * createLogger add them; with any other logger this is a plain child.
 */
export function withSimContext(logger: Logger, current: SimSource): Logger {
  const child = logger.child({});
  Object.defineProperty(child, SIM_CONTEXT, { value: current, enumerable: false, configurable: true });
  return child;
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
