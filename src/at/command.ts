/** What a caller asks the channel to run, and what it gets back. */
import { ErrorCode, SimgateError } from "../errors.js";

export interface AtCommand {
  /** One command line without the trailing CR, e.g. "AT+CSQ". CR/LF inside is rejected (AtInvalidCommand). */
  text: string;
  /** Default from the channel. The timer starts when the bytes are written, not when queued. */
  timeoutMs?: number;
  /**
   * Response lines starting with this belong to the command even if a URC pattern
   * matches them: `+CPIN: READY` is both the reply to `AT+CPIN?` and a URC on SIM800
   * (docs/protocols/at-commands.md#sim-iccid-and-imsi). Derived from the command when omitted (see `deriveExpectPrefix`);
   * `""` means "none".
   */
  expectPrefix?: string;
  /** Two-phase commands (`AT+CMGS`): sent after the `> ` prompt, followed by Ctrl-Z (27.005 §3.5.1). */
  body?: string;
  /**
   * Wavecom answers `AT+CPIN?` with `+CPIN: READY` and no OK (gammu F_CPIN_NO_OK,
   * docs/protocols/at-commands.md#line-protocol): on timeout, if at least one information line arrived, resolve with
   * final `""` instead of failing, and leave the channel clean.
   */
  allowMissingFinal?: boolean;
}

export interface AtResponse {
  command: string;
  /** Information lines, echo and URCs removed, in arrival order. */
  lines: string[];
  /** The final result line as the modem sent it (trimmed); `""` for an accepted missing final. */
  final: string;
  /** From the write of the command bytes to the final result. */
  durationMs: number;
}

/** A command with every default filled in; what the channel actually executes. */
export interface ResolvedCommand {
  text: string;
  timeoutMs: number;
  expectPrefix: string;
  body: string | undefined;
  allowMissingFinal: boolean;
}

/**
 * Set commands whose answer is only OK and whose data arrives as a URC with the same
 * prefix: claiming that prefix for the command would swallow the URC.
 * `AT+CUSD=1,…`: OK first, then `+CUSD: …` unsolicited (27.007 §7.15; MM waits for the URC).
 * `AT+CREG=2` and friends: enabling registration URCs, which may fire before the OK.
 */
const URC_ANSWERED_SET_COMMANDS = /^AT[+](CUSD|CREG|CGREG|CEREG|C5GREG)=/i;

/** Extended command name → the prefix of its information lines: "AT+CPIN?" → "+CPIN:", "AT^ICCID?" → "^ICCID:". */
export function deriveExpectPrefix(text: string): string {
  if (URC_ANSWERED_SET_COMMANDS.test(text)) return "";
  const m = /^AT([+^$%!*#][A-Z0-9_]+)/i.exec(text);
  return m?.[1] ? `${m[1].toUpperCase()}:` : "";
}

const FORBIDDEN_IN_TEXT = /[\r\n\x1a\x1b]/;
const FORBIDDEN_IN_BODY = /[\x1a\x1b]/;

function invalid(message: string, text: string): SimgateError {
  return new SimgateError(message, ErrorCode.AtInvalidCommand, { command: redactCommand(text) });
}

/** Validate and fill defaults. Throws AtInvalidCommand. */
export function resolveCommand(cmd: AtCommand | string, defaultTimeoutMs: number): ResolvedCommand {
  const spec: AtCommand = typeof cmd === "string" ? { text: cmd } : cmd;
  const text = typeof spec.text === "string" ? spec.text : "";
  if (text.length === 0) throw invalid("empty AT command", text);
  if (FORBIDDEN_IN_TEXT.test(text)) throw invalid("AT command contains CR, LF, Ctrl-Z or ESC", text);
  if (!/^AT/i.test(text)) throw invalid(`not an AT command: ${JSON.stringify(redactCommand(text))}`, text);
  if (spec.body !== undefined && FORBIDDEN_IN_BODY.test(spec.body)) throw invalid("command body contains Ctrl-Z or ESC", text);
  const timeoutMs = spec.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw invalid(`bad timeoutMs ${String(timeoutMs)}`, text);
  return {
    text,
    timeoutMs,
    expectPrefix: spec.expectPrefix ?? deriveExpectPrefix(text),
    body: spec.body,
    allowMissingFinal: spec.allowMissingFinal ?? false,
  };
}

/**
 * Hide secrets in a command before it reaches a log line or an error: the PIN/PUK of
 * `AT+CPIN=`, the password of `AT+CLCK=` / `AT+CPWD=` (27.007 §8.3, §7.4, §7.5).
 * Works on escaped wire text too (`AT+CPIN="1234"<CR>`).
 */
export function redactCommand(text: string): string {
  return text
    .replace(/(\+CPIN=)[^<\r\n]*/gi, "$1[redacted]")
    .replace(/(\+CLCK=[^,<\r\n]*,[^,<\r\n]*,)[^<\r\n]*/gi, "$1[redacted]")
    .replace(/(\+CPWD=[^,<\r\n]*,)[^<\r\n]*/gi, "$1[redacted]");
}
