/** The channel's own errors (the final-result ones live in final-result.ts). */
import { ErrorCode, SimgateError } from "../errors.js";
import { redactCommand } from "./command.js";

export function timeoutError(command: string, timeoutMs: number, lines: string[], path: string): SimgateError {
  const shown = redactCommand(command);
  return new SimgateError(`${shown} timed out after ${timeoutMs} ms`, ErrorCode.AtTimeout, { command: shown, timeoutMs, lines, path });
}

export function resyncFailedError(command: string, path: string, when: "at open" | "after a timeout"): SimgateError {
  const shown = redactCommand(command);
  return new SimgateError(`${shown} not sent: modem on ${path} does not answer AT ${when}`, ErrorCode.AtResyncFailed, {
    command: shown,
    path,
  });
}

/** `cause` is the TransportDisconnected error when the port vanished, or the failed write. */
export function channelClosedError(command: string, path: string, cause?: unknown): SimgateError {
  const context = { command: redactCommand(command), path };
  return cause === undefined
    ? new SimgateError(`channel on ${path} is closed`, ErrorCode.AtChannelClosed, context)
    : new SimgateError(`channel on ${path} is closed`, ErrorCode.AtChannelClosed, context, { cause });
}

/**
 * Replace the stack of an error raised from a timer or a port event with the stack of
 * the `run()` caller, captured at enqueue time (zwave-js Transaction, herdsman Waitress):
 * a timeout that fires seconds later then names the code that asked.
 */
export function withCallerStack(err: unknown, origin: Error): unknown {
  if (err instanceof Error && origin.stack) {
    const callerFrames = origin.stack.split("\n").slice(1).join("\n");
    err.stack = `${err.name}: ${err.message}\n${callerFrames}`;
  }
  return err;
}
