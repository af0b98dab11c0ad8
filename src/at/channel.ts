/**
 * AtChannel: AT commands over one BytePort. Exactly one command in flight; per-command
 * timers that start at write; URCs matched before the command collector; a resync after
 * any timeout before the next command; unclaimed lines reported, never dropped.
 * The channel is the effect loop around the pure command machine (style.md §8.3).
 */
import { EventEmitter } from "node:events";
import { ErrorCode, SimgateError } from "../errors.js";
import { silentLogger, type Logger } from "../log/logger.js";
import type { BytePort } from "../transport/byte-port.js";
import { logDiscarded, logResync, logRx, logTimeout, logTx, logUnhandled } from "./at-log.js";
import { redactCommand, resolveCommand, type AtCommand, type AtResponse, type ResolvedCommand } from "./command.js";
import { initialState, isTerminal, transition, type CommandInput, type CommandState } from "./command-machine.js";
import { CommandQueue } from "./command-queue.js";
import { classifyFinal, finalResultError } from "./final-result.js";
import { AtFramer, type FramerEvent } from "./framer.js";
import { resync } from "./resync.js";
import { UrcRegistry, type UrcHandle, type UrcSpec } from "./urc-registry.js";

export interface AtChannelOptions {
  logger?: Logger;
  /** 5 s: simple commands answer in well under a second; slow ones (+COPS=?, +CMGS) pass their own (modems.md §2.13). */
  defaultTimeoutMs?: number;
  /** 2 s per bare `AT` during resync; MM's probe allows 3 s, but a modem we just talked to answers faster. */
  resyncTimeoutMs?: number;
  /** 3 bare `AT`s before AtResyncFailed: modules can miss the first AT after idle (smstools3 needs_wakeup_at). */
  resyncAttempts?: number;
  /** 100 ms of quiet after the resync `OK`, so a late `OK` is not mistaken for ours (see resync.ts). */
  resyncSettleMs?: number;
  /** Partial-line flush, see framer.ts. */
  idleFlushMs?: number;
}

export interface AtChannelStats {
  commands: number;
  timeouts: number;
  /** Reset by any final result to a real command (not by a resync `OK`, so a modem that answers only `AT` still escalates). */
  consecutiveTimeouts: number;
  resyncs: number;
  discardedBytes: number;
  unhandledLines: number;
}

export interface AtChannelEvents {
  urc: [name: string, lines: string[]];
  unhandled: [line: string];
  timeout: [info: { command: string; consecutive: number }];
  closed: [error?: SimgateError];
}

interface InFlight {
  cmd: ResolvedCommand;
  state: CommandState;
  writtenAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  bodySent: boolean;
  finish: (outcome: Outcome) => void;
}

interface Outcome {
  state: CommandState;
  durationMs: number;
}

export class AtChannel extends EventEmitter<AtChannelEvents> {
  readonly #port: BytePort;
  readonly #log: Logger;
  readonly #opts: Required<Omit<AtChannelOptions, "logger">>;
  readonly #framer: AtFramer;
  readonly #urcs: UrcRegistry;
  readonly #queue = new CommandQueue();
  readonly #stats: AtChannelStats = { commands: 0, timeouts: 0, consecutiveTimeouts: 0, resyncs: 0, discardedBytes: 0, unhandledLines: 0 };
  #inflight: InFlight | undefined;
  /** Set while a resync waits for its OK: receives lines no URC claimed. */
  #resyncListener: ((line: string) => void) | undefined;
  #resyncAbort: AbortController | undefined;
  #dirty = false;
  /** The timed-out command had a body: the modem may still sit at the `> ` prompt. */
  #abortPromptOnResync = false;
  #closed = false;
  #closeCause: SimgateError | undefined;

  constructor(port: BytePort, options: AtChannelOptions = {}) {
    super();
    this.#port = port;
    this.#log = options.logger ?? silentLogger();
    this.#opts = {
      defaultTimeoutMs: options.defaultTimeoutMs ?? 5000,
      resyncTimeoutMs: options.resyncTimeoutMs ?? 2000,
      resyncAttempts: options.resyncAttempts ?? 3,
      resyncSettleMs: options.resyncSettleMs ?? 100,
      idleFlushMs: options.idleFlushMs ?? 500,
    };
    this.#framer = new AtFramer((e) => this.#onFrame(e), { idleFlushMs: this.#opts.idleFlushMs });
    this.#urcs = new UrcRegistry({ logger: this.#log, onUrc: (name, lines) => this.emit("urc", name, lines) });
    port.on("data", this.#onData);
    port.on("close", this.#onPortClose);
    if (!port.isOpen) this.#shutdown();
  }

  get path(): string {
    return this.#port.path;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** A timeout happened and no resync has succeeded since. */
  get isDirty(): boolean {
    return this.#dirty;
  }

  get stats(): Readonly<AtChannelStats> {
    return { ...this.#stats };
  }

  registerUrc(spec: UrcSpec): UrcHandle {
    return this.#urcs.register(spec);
  }

  /** Queue a command. Rejects with a SimgateError (AT range, or AtChannelClosed); never throws synchronously. */
  run(cmd: AtCommand | string): Promise<AtResponse> {
    // Captured now, so an error raised later from a timer points at the caller (zwave-js Transaction).
    const origin = new Error("enqueued here");
    let resolved: ResolvedCommand;
    try {
      resolved = resolveCommand(cmd, this.#opts.defaultTimeoutMs);
    } catch (err) {
      return Promise.reject(withCallerStack(err, origin));
    }
    if (this.#closed) return Promise.reject(withCallerStack(this.#closedError(resolved.text), origin));
    return this.#queue
      .enqueue(() => this.#execute(resolved), resolved.text)
      .catch((err: unknown) => Promise.reject(withCallerStack(err, origin)));
  }

  /** Close the port; the command in flight and everything queued reject with AtChannelClosed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#port.close();
    } catch (err) {
      this.#log.warn({ err }, "port close failed");
    } finally {
      this.#shutdown();
    }
  }

  async #execute(cmd: ResolvedCommand): Promise<AtResponse> {
    if (this.#closed) throw this.#closedError(cmd.text);
    this.#stats.commands++;
    if (this.#dirty) {
      const ok = await this.#resync();
      if (this.#closed) throw this.#closedError(cmd.text);
      if (!ok) {
        throw new SimgateError(`${redactCommand(cmd.text)} not sent: modem on ${this.path} does not answer AT after a timeout`, ErrorCode.AtResyncFailed, {
          command: redactCommand(cmd.text),
          path: this.path,
        });
      }
    }
    return this.#settle(cmd, await this.#exchange(cmd));
  }

  #exchange(cmd: ResolvedCommand): Promise<Outcome> {
    return new Promise((finish) => {
      const f: InFlight = { cmd, state: initialState, writtenAt: performance.now(), timer: undefined, bodySent: false, finish };
      this.#inflight = f;
      this.#feed(f, { type: "write" });
      // The timer covers the write itself: a modem holding CTS low must not hang us forever.
      f.timer = setTimeout(() => this.#feed(f, { type: "timeout" }), cmd.timeoutMs);
      this.#write(`${cmd.text}\r`).catch((err: unknown) => this.#feed(f, { type: "closed", cause: err }));
    });
  }

  #feed(f: InFlight, input: CommandInput): void {
    if (this.#inflight !== f) return;
    f.state = transition(f.state, input, { expectsPrompt: f.cmd.body !== undefined, allowMissingFinal: f.cmd.allowMissingFinal });
    if (f.state.name === "prompted" && !f.bodySent && f.cmd.body !== undefined) {
      f.bodySent = true;
      // 27.005 §3.5.1: the PDU/text ends with Ctrl-Z (0x1A).
      this.#write(`${f.cmd.body}\x1a`).catch((err: unknown) => this.#feed(f, { type: "closed", cause: err }));
    }
    if (!isTerminal(f.state)) return;
    clearTimeout(f.timer);
    this.#inflight = undefined;
    f.finish({ state: f.state, durationMs: Math.round(performance.now() - f.writtenAt) });
  }

  #settle(cmd: ResolvedCommand, { state, durationMs }: Outcome): AtResponse {
    const command = redactCommand(cmd.text);
    if (state.name === "done") {
      this.#stats.consecutiveTimeouts = 0;
      return { command: cmd.text, lines: state.lines, final: state.final, durationMs };
    }
    if (state.name !== "failed") throw new Error(`unreachable: settled in ${state.name}`);
    switch (state.reason) {
      case "port-closed":
        throw this.#closedError(cmd.text, state.cause);
      case "timeout": {
        this.#stats.timeouts++;
        const consecutive = ++this.#stats.consecutiveTimeouts;
        this.#dirty = true;
        this.#abortPromptOnResync = cmd.body !== undefined;
        logTimeout(this.#log, cmd.text, cmd.timeoutMs, consecutive);
        this.emit("timeout", { command, consecutive });
        return throwTimeout(command, cmd.timeoutMs, state.lines, this.path);
      }
      default:
        this.#stats.consecutiveTimeouts = 0;
        if (!state.result) throw new Error(`unreachable: ${state.reason} without a final result`);
        throw finalResultError(command, state.result, state.lines);
    }
  }

  async #resync(): Promise<boolean> {
    this.#stats.resyncs++;
    this.#resyncAbort = new AbortController();
    const result = await resync(
      {
        flushInput: async () => {
          await this.#port.flushInput();
          this.#framer.reset();
        },
        write: (data) => this.#write(data),
        listen: (listener) => {
          this.#resyncListener = listener;
          return () => {
            if (this.#resyncListener === listener) this.#resyncListener = undefined;
          };
        },
      },
      {
        attempts: this.#opts.resyncAttempts,
        timeoutMs: this.#opts.resyncTimeoutMs,
        settleMs: this.#opts.resyncSettleMs,
        abortPrompt: this.#abortPromptOnResync,
        signal: this.#resyncAbort.signal,
        onIgnored: (line) => this.#unhandled(line, "ignored during resync (late reply?)"),
      },
    );
    this.#resyncAbort = undefined;
    logResync(this.#log, result.ok, result.attempts);
    if (result.ok) {
      this.#dirty = false;
      this.#abortPromptOnResync = false;
    }
    return result.ok;
  }

  #write(data: string): Promise<void> {
    logTx(this.#log, data);
    return this.#port.write(Buffer.from(data, "latin1"));
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#closed) return;
    logRx(this.#log, chunk);
    this.#framer.push(chunk);
  };

  readonly #onPortClose = (err?: SimgateError): void => this.#shutdown(err);

  #onFrame(e: FramerEvent): void {
    if (e.kind === "discarded") {
      this.#stats.discardedBytes += e.bytes.length;
      logDiscarded(this.#log, e.bytes, e.reason);
    } else if (e.kind === "prompt") {
      const f = this.#inflight;
      if (f && f.cmd.body !== undefined && !f.bodySent) this.#feed(f, { type: "prompt" });
      else this.#unhandled("> ", "prompt with no two-phase command waiting");
    } else {
      this.#onLine(e.text);
    }
  }

  #onLine(text: string): void {
    const f = this.#inflight;
    if (f && isEcho(text, f)) return;
    // The command's own prefix wins over URC patterns: "+CPIN: READY" answers AT+CPIN?.
    const own = f !== undefined && f.cmd.expectPrefix !== "" && text.trimStart().toUpperCase().startsWith(f.cmd.expectPrefix);
    if (!own && this.#urcs.offer(text)) return;
    if (f) {
      const final = classifyFinal(text);
      this.#feed(f, final ? { type: "final", result: final } : { type: "line", text });
    } else if (this.#resyncListener) {
      this.#resyncListener(text);
    } else {
      this.#unhandled(text, "no command in flight");
    }
  }

  #unhandled(line: string, why: string): void {
    this.#stats.unhandledLines++;
    logUnhandled(this.#log, line, why);
    this.emit("unhandled", line);
  }

  #closedError(command: string, cause: unknown = this.#closeCause): SimgateError {
    const context = { command: redactCommand(command), path: this.path };
    return cause === undefined
      ? new SimgateError(`channel on ${this.path} is closed`, ErrorCode.AtChannelClosed, context)
      : new SimgateError(`channel on ${this.path} is closed`, ErrorCode.AtChannelClosed, context, { cause });
  }

  #shutdown(cause?: SimgateError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeCause = cause;
    this.#framer.dispose();
    this.#urcs.abandonPending("port closed");
    this.#resyncAbort?.abort();
    const f = this.#inflight;
    if (f) this.#feed(f, cause === undefined ? { type: "closed" } : { type: "closed", cause });
    this.#queue.rejectWaiting((command) => this.#closedError(command));
    this.#port.off("data", this.#onData);
    this.#port.off("close", this.#onPortClose);
    if (cause) this.#log.warn({ err: cause }, "port vanished; channel closed");
    else this.#log.debug("channel closed");
    this.emit("closed", cause);
  }
}

/** The echo of the command (27.007 §4.1 with E1) or of a two-phase body; also after ATE0 and after a reset re-enables echo. */
function isEcho(text: string, f: InFlight): boolean {
  const t = text.trim();
  if (t.toUpperCase() === f.cmd.text.toUpperCase()) return true;
  return f.bodySent && f.cmd.body !== undefined && t === f.cmd.body.trim();
}

function throwTimeout(command: string, timeoutMs: number, lines: string[], path: string): never {
  throw new SimgateError(`${command} timed out after ${timeoutMs} ms`, ErrorCode.AtTimeout, { command, timeoutMs, lines, path });
}

/** Replace the stack of an error raised from a timer or port event with the stack of the `run()` caller. */
function withCallerStack(err: unknown, origin: Error): unknown {
  if (err instanceof Error && origin.stack) {
    const callerFrames = origin.stack.split("\n").slice(1).join("\n");
    err.stack = `${err.name}: ${err.message}\n${callerFrames}`;
  }
  return err;
}
