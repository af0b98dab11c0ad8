/**
 * AtChannel: AT commands over one BytePort. Exactly one command in flight; per-command
 * timers that start at write; URCs matched before the command collector; a resync after
 * any timeout before the next command; unclaimed lines reported, never dropped.
 * The channel is the effect loop around the pure command machine (docs/conventions.md#sketches).
 *
 * It also says how the module is doing, as events its owner can act on at once: whether it
 * answers promptly (answer-watch.ts), whether it spews noise (noise-meter.ts), and when it
 * was last heard (any line proves the module is alive, so its owner probes only ports
 * that have been silent).
 */
import { EventEmitter } from "node:events";
import type { SimgateError } from "../errors.js";
import { silentLogger, type Logger } from "../log/logger.js";
import type { BytePort } from "../transport/byte-port.js";
import { logDiscarded, logResync, logRx, logTimeout, logTx, logUnhandled } from "./at-log.js";
import { resolveChannelOptions, type AtChannelEvents, type AtChannelOptions, type AtChannelStats, type ChannelSettings } from "./channel-options.js";
import { channelClosedError, resyncFailedError, timeoutError, withCallerStack } from "./channel-errors.js";
import { redactCommand, resolveCommand, type AtCommand, type AtResponse, type ResolvedCommand } from "./command.js";
import { CommandQueue } from "./command-queue.js";
import { Exchange, type ExchangeOutcome } from "./exchange.js";
import { classifyFinal, finalResultError } from "./final-result.js";
import { AnswerWatch } from "./answer-watch.js";
import { AtFramer, type FramerEvent } from "./framer.js";
import { isNoiseLine, NoiseMeter, noiseInChunk, textBytes } from "./noise-meter.js";
import { resync } from "./resync.js";
import { UrcRegistry, type UrcHandle, type UrcSpec } from "./urc-registry.js";

export type { AtChannelEvents, AtChannelOptions, AtChannelStats } from "./channel-options.js";

export class AtChannel extends EventEmitter<AtChannelEvents> {
  readonly #port: BytePort;
  readonly #log: Logger;
  readonly #opts: ChannelSettings;
  readonly #framer: AtFramer;
  readonly #urcs: UrcRegistry;
  readonly #queue = new CommandQueue();
  readonly #stats: AtChannelStats = { commands: 0, timeouts: 0, consecutiveTimeouts: 0, resyncs: 0, discardedBytes: 0, unhandledLines: 0, noiseBytes: 0 };
  readonly #answer: AnswerWatch;
  readonly #noise: NoiseMeter;
  /** Re-judges the noise rate while the port is noisy (nothing runs while it is quiet). */
  #noiseTimer: ReturnType<typeof setInterval> | undefined;
  /** performance.now() of the last line or prompt that was text, not noise. */
  #lastHeardAt = performance.now();
  #inflight: Exchange | undefined;
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
    this.#opts = resolveChannelOptions(options);
    this.#framer = new AtFramer((e) => this.#onFrame(e), { idleFlushMs: this.#opts.idleFlushMs });
    this.#urcs = new UrcRegistry({ logger: this.#log, onUrc: (name, lines) => this.emit("urc", name, lines) });
    this.#answer = new AnswerWatch(this.#opts.answerWithinMs, (answering) => this.#emitSafe("answering", answering));
    this.#noise = new NoiseMeter({ bytesPerMinute: this.#opts.noiseBytesPerMinute, windowMs: this.#opts.noiseWindowMs });
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

  /** False from answerWithinMs after an unanswered write until a command is answered within it. */
  get answering(): boolean {
    return this.#answer.answering;
  }

  /** The timeout of a command that names none. */
  get defaultTimeoutMs(): number {
    return this.#opts.defaultTimeoutMs;
  }

  /** How long a command may wait for its final result before the module counts as not answering. */
  get answerWithinMs(): number {
    return this.#opts.answerWithinMs;
  }

  /** The noise rate is above noiseBytesPerMinute (see noise-meter.ts). */
  get noisy(): boolean {
    return this.#noise.noisy;
  }

  /** performance.now() when the module last sent a line or prompt (noise does not count); the channel's creation before that. */
  get lastHeardAt(): number {
    return this.#lastHeardAt;
  }

  /** No command in flight, none waiting and no resync running: a probe would not queue behind anything. */
  get idle(): boolean {
    return this.#inflight === undefined && this.#resyncAbort === undefined && this.#queue.waiting === 0;
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
      if (!ok) throw resyncFailedError(cmd.text, this.path);
    }
    const exchange = new Exchange(cmd, (data) => this.#write(data));
    this.#inflight = exchange;
    exchange.start();
    this.#answer.written(cmd.timeoutMs > this.#opts.defaultTimeoutMs);
    const outcome = await exchange.done;
    if (this.#inflight === exchange) this.#inflight = undefined;
    return this.#settle(cmd, outcome);
  }

  #settle(cmd: ResolvedCommand, { state, durationMs }: ExchangeOutcome): AtResponse {
    if (state.name === "done") {
      this.#answer.answered(durationMs);
      this.#stats.consecutiveTimeouts = 0;
      return { command: cmd.text, lines: state.lines, final: state.final, durationMs };
    }
    switch (state.reason) {
      case "port-closed":
        this.#answer.abandoned();
        throw this.#closedError(cmd.text, state.cause);
      case "timeout": {
        this.#answer.timedOut();
        this.#stats.timeouts++;
        const consecutive = ++this.#stats.consecutiveTimeouts;
        this.#dirty = true;
        this.#abortPromptOnResync = cmd.body !== undefined;
        logTimeout(this.#log, cmd.text, cmd.timeoutMs, consecutive);
        this.#emitSafe("timeout", { command: redactCommand(cmd.text), consecutive });
        throw timeoutError(cmd.text, cmd.timeoutMs, state.lines, this.path);
      }
      default:
        // Any final result proves the modem is alive (MM resets n_consecutive_timeouts on any response).
        this.#answer.answered(durationMs);
        this.#stats.consecutiveTimeouts = 0;
        if (!state.result) throw new Error(`unreachable: ${state.reason} without a final result`);
        throw finalResultError(redactCommand(cmd.text), state.result, state.lines);
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
    this.#addNoise(noiseInChunk(chunk));
    this.#framer.push(chunk);
  };

  readonly #onPortClose = (err?: SimgateError): void => this.#shutdown(err);

  #onFrame(e: FramerEvent): void {
    if (e.kind === "discarded") {
      this.#stats.discardedBytes += e.bytes.length;
      // Junk was counted as it arrived (#onData); of an overlong line, the printable part is
      // noise too. Bytes a resync flushed may be a late reply, not noise.
      if (e.reason === "overlong") this.#addNoise(textBytes(e.bytes));
      // A noisy port is reported once (the owner's state change); not one warning per chunk.
      if (!this.#noise.noisy) logDiscarded(this.#log, e.bytes, e.reason);
    } else if (e.kind === "prompt") {
      this.#lastHeardAt = performance.now();
      const f = this.#inflight;
      if (f?.awaitingPrompt) f.feed({ type: "prompt" });
      else this.#unhandled("> ", "prompt with no two-phase command waiting");
    } else {
      this.#onLine(e.text);
    }
  }

  /**
   * Route one line: echo of the command in flight → dropped; the command's own prefix →
   * the command; else the URC registry first (a URC never completes a command); else the
   * command in flight, the resync, or `unhandled`.
   */
  #onLine(text: string): void {
    const noise = isNoiseLine(text);
    if (!noise) this.#lastHeardAt = performance.now();
    const f = this.#inflight?.active ? this.#inflight : undefined;
    if (f?.isEcho(text)) return;
    // The command's own prefix wins over URC patterns: "+CPIN: READY" answers AT+CPIN?.
    const own = f !== undefined && f.cmd.expectPrefix !== "" && text.trimStart().toUpperCase().startsWith(f.cmd.expectPrefix.toUpperCase());
    if (!own && this.#urcs.offer(text)) return;
    if (f) {
      const final = classifyFinal(text);
      // Wavecom answers AT+CPIN? with its line and never an OK: the line is its answer.
      if (!final && f.cmd.allowMissingFinal && !noise) this.#answer.answered(f.elapsedMs);
      f.feed(final ? { type: "final", result: final } : { type: "line", text });
    } else if (this.#resyncListener) {
      this.#resyncListener(text);
    } else {
      this.#unhandled(text, "no command in flight", noise);
    }
  }

  #unhandled(line: string, why: string, noise = false): void {
    this.#stats.unhandledLines++;
    logUnhandled(this.#log, line, why, noise ? "debug" : "info");
    this.#emitSafe("unhandled", line);
  }

  #addNoise(bytes: number): void {
    if (bytes <= 0) return;
    this.#stats.noiseBytes += bytes;
    if (!this.#noise.add(bytes, performance.now())) return;
    this.#log.warn({ noiseBytesPerMinute: this.#opts.noiseBytesPerMinute }, "port is spewing noise");
    this.#emitSafe("noisy", true);
    this.#noiseTimer = setInterval(() => {
      if (!this.#noise.settle(performance.now())) return;
      this.#stopNoiseTimer();
      this.#log.info("noise stopped");
      this.#emitSafe("noisy", false);
    }, Math.max(100, this.#opts.noiseWindowMs / 5));
    this.#noiseTimer.unref?.();
  }

  #stopNoiseTimer(): void {
    if (this.#noiseTimer !== undefined) clearInterval(this.#noiseTimer);
    this.#noiseTimer = undefined;
  }

  /**
   * Emit without letting a listener's exception escape: these events fire from the port's
   * data/close callbacks and from command settlement, where a throw would crash the
   * daemon or replace the command's real error.
   */
  #emitSafe<K extends keyof AtChannelEvents>(event: K, ...args: AtChannelEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: AtChannelEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#log.error({ err, event }, "AtChannel listener threw");
    }
  }

  #closedError(command: string, cause: unknown = this.#closeCause): SimgateError {
    return channelClosedError(command, this.path, cause);
  }

  #shutdown(cause?: SimgateError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeCause = cause;
    this.#framer.dispose();
    this.#answer.dispose();
    this.#stopNoiseTimer();
    this.#urcs.abandonPending("port closed");
    this.#resyncAbort?.abort();
    this.#inflight?.feed(cause === undefined ? { type: "closed" } : { type: "closed", cause });
    this.#queue.rejectWaiting((command) => this.#closedError(command));
    this.#port.off("data", this.#onData);
    this.#port.off("close", this.#onPortClose);
    if (cause) this.#log.warn({ err: cause }, "port vanished; channel closed");
    else this.#log.debug("channel closed");
    this.#emitSafe("closed", cause);
  }
}
