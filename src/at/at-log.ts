/**
 * One small function per AT wire event (docs/conventions.md#rule-11, after zwave-js SerialLogger):
 * the level is checked first so escaping costs nothing when it is off. Traffic reads like
 * a terminal session, `AT> AT+CSQ<CR>` and `AT< +CSQ: 20,99<CR><LF>OK<CR><LF>` (the
 * payload escaped: <CR>/<LF> visible), with `dir` tx/rx as a field. Secrets in commands
 * (`AT+CPIN=…`) are masked, also in the modem's echo.
 */
import { escapeWire, type Logger } from "../log/logger.js";
import { redactCommand } from "./command.js";
import type { DiscardReason } from "./framer.js";

export function logTx(logger: Logger, data: Buffer | string): void {
  if (logger.isLevelEnabled("debug")) logger.debug({ dir: "tx" }, `AT> ${redactCommand(escapeWire(data))}`);
}

export function logRx(logger: Logger, data: Buffer): void {
  if (logger.isLevelEnabled("debug")) logger.debug({ dir: "rx" }, `AT< ${redactCommand(escapeWire(data))}`);
}

/** `debug` for lines of noise (a spewing module would flood the journal; its owner reports it once). */
export function logUnhandled(logger: Logger, line: string, why: string, level: "info" | "debug" = "info"): void {
  if (logger.isLevelEnabled(level)) logger[level]({ dir: "rx", data: redactCommand(escapeWire(line)), why }, "unhandled line");
}

export function logDiscarded(logger: Logger, bytes: Buffer, reason: DiscardReason): void {
  logger.warn({ dir: "rx", data: escapeWire(bytes.subarray(0, 64)), length: bytes.length, reason }, "discarded bytes");
}

export function logTimeout(logger: Logger, command: string, timeoutMs: number, consecutive: number): void {
  logger.warn({ command: redactCommand(command), timeoutMs, consecutive }, "at command timed out");
}

export function logResync(logger: Logger, ok: boolean, attempts: number): void {
  if (ok) logger.info({ attempts }, "channel resynchronised");
  else logger.error({ attempts }, "channel resync failed");
}
