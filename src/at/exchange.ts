/**
 * One command on the wire: the effect loop around the pure command machine (zwave-js
 * Driver.executeSerialAPICommand, docs/conventions.md#sketches). It writes the command, starts the
 * timer at that write, writes the body after the `> ` prompt, and settles once the
 * machine reaches done/failed. Line routing (echo, URCs) is the channel's job.
 */
import { initialState, isTerminal, transition, type CommandInput, type CommandState } from "./command-machine.js";
import type { ResolvedCommand } from "./command.js";

export type TerminalState = Extract<CommandState, { name: "done" | "failed" }>;

/**
 * allowMissingFinal (Wavecom `AT+CPIN?`, which never sends OK): once an information line has
 * arrived, the final result is waited for only this long, not for the rest of the command's
 * timeout. A module that does send a final sends it with the line, so a second is ample, and
 * a Wavecom's SIM read no longer holds its port for a full timeout on every health poll.
 */
export const MISSING_FINAL_GRACE_MS = 1000;

export interface ExchangeOutcome {
  state: TerminalState;
  /** From the write of the command to the terminal state. */
  durationMs: number;
}

export class Exchange {
  readonly cmd: ResolvedCommand;
  readonly done: Promise<ExchangeOutcome>;
  readonly #write: (data: string) => Promise<void>;
  #state: CommandState = initialState;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writtenAt = 0;
  #bodySent = false;
  #graceArmed = false;
  #settle!: (outcome: ExchangeOutcome) => void;

  constructor(cmd: ResolvedCommand, write: (data: string) => Promise<void>) {
    this.cmd = cmd;
    this.#write = write;
    this.done = new Promise((resolve) => (this.#settle = resolve));
  }

  /** Still waiting for its final result (lines should be routed here). */
  get active(): boolean {
    return this.#state.name !== "idle" && !isTerminal(this.#state);
  }

  /** Milliseconds since the command was written. */
  get elapsedMs(): number {
    return performance.now() - this.#writtenAt;
  }

  /** A two-phase command that has not had its prompt yet. */
  get awaitingPrompt(): boolean {
    return this.active && this.cmd.body !== undefined && !this.#bodySent;
  }

  start(): void {
    this.#writtenAt = performance.now();
    this.feed({ type: "write" });
    // The timer covers the write itself: a modem holding CTS low must not hang us forever.
    this.#timer = setTimeout(() => this.feed({ type: "timeout" }), this.cmd.timeoutMs);
    this.#send(`${this.cmd.text}\r`);
  }

  feed(input: CommandInput): void {
    if (isTerminal(this.#state)) return;
    this.#state = transition(this.#state, input, { expectsPrompt: this.cmd.body !== undefined, allowMissingFinal: this.cmd.allowMissingFinal });
    if (this.#state.name === "prompted" && !this.#bodySent && this.cmd.body !== undefined) {
      this.#bodySent = true;
      // 27.005 §3.5.1: the PDU (or text) ends with Ctrl-Z (0x1A).
      this.#send(`${this.cmd.body}\x1a`);
    }
    if (!isTerminal(this.#state)) {
      this.#armMissingFinalGrace();
      return;
    }
    clearTimeout(this.#timer);
    this.#settle({ state: this.#state, durationMs: Math.round(performance.now() - this.#writtenAt) });
  }

  /** First information line of an allowMissingFinal command: shorten the wait for a final that may never come. */
  #armMissingFinalGrace(): void {
    if (this.#graceArmed || !this.cmd.allowMissingFinal || this.#state.name !== "collecting") return;
    this.#graceArmed = true;
    const left = this.#writtenAt + this.cmd.timeoutMs - performance.now();
    if (left <= MISSING_FINAL_GRACE_MS) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.feed({ type: "timeout" }), MISSING_FINAL_GRACE_MS);
  }

  /**
   * The echo of the command (V.250 E1), also after ATE0 and after a reset turned echo back
   * on (docs/protocols/at-commands.md#line-protocol), compared case-insensitively; or the echo of a two-phase body.
   * Only exact echoes: a text-mode body with line breaks echoes as several lines, which
   * end up as information lines (we send PDU mode).
   */
  isEcho(line: string): boolean {
    const t = line.trim();
    if (t.toUpperCase() === this.cmd.text.toUpperCase()) return true;
    return this.#bodySent && this.cmd.body !== undefined && t === this.cmd.body.trim();
  }

  #send(data: string): void {
    // A failed write means the port is going away: settle as closed, never reject unobserved.
    this.#write(data).catch((cause: unknown) => this.feed({ type: "closed", cause }));
  }
}
