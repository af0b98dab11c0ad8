/**
 * Bytes → AT lines. The framer knows nothing about commands: it cuts the byte stream
 * into lines, spots the SMS prompt, and reports bytes it threw away. It never throws.
 *
 * Rules (3GPP TS 27.007 §5.7.1 response format, plus what real modules do):
 * - `\r\n`, a lone `\r` and a lone `\n` all end a line. Each of `\r` and `\n` ends the
 *   current line and empty lines are skipped, so `\r\n` split across two chunks needs no
 *   special state, and Huawei's stray `\r` in `AT+CLAC` output (docs/protocols/at-commands.md#identity) is harmless.
 * - `> ` at the start of a line is the text-entry prompt of `AT+CMGS`/`AT+CMGW`
 *   (27.005 §3.5.1). It is not CRLF-terminated, so a line splitter would never emit it.
 * - NUL, 0xFF and other C0 controls (except CR/LF/TAB) are line noise from cheap
 *   USB-UART bridges and modem boot: they are dropped, reported as `discarded`, and the
 *   rest of the line is kept (zwave-js SerialAPIParser reports skipped bytes the same way).
 * - A line longer than `maxLineBytes` is discarded up to its terminator, so a modem
 *   spewing garbage without line ends cannot grow our buffer forever.
 * - Idle flush: a partial line with no terminator for `idleFlushMs` is emitted with
 *   `partial: true`. Wavecom answers some commands without the final CRLF
 *   (docs/protocols/at-commands.md#line-protocol); zwave-js CLIParser uses the same 500 ms flush.
 *
 * Line text is decoded as latin1 so every byte maps to exactly one char (lossless); callers
 * that need the raw bytes can use `Buffer.from(text, "latin1")`.
 */

/** junk: noise bytes; overlong: line over the cap; flushed: partial line dropped by `reset()` (resync). */
export type DiscardReason = "junk" | "overlong" | "flushed";

export type FramerEvent =
  | { kind: "line"; text: string; partial?: true }
  | { kind: "prompt" }
  | { kind: "discarded"; bytes: Buffer; reason: DiscardReason };

export interface FramerOptions {
  /** Longest line kept, in bytes. 4 KiB is far above any 27.007/27.005 line (a PDU line is ≤ 2 × 176 hex chars). */
  maxLineBytes?: number;
  /** Quiet gap after which a partial line is emitted; 0 disables. 500 ms as in zwave-js CLIParser. */
  idleFlushMs?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const PROMPT = 0x3e; // ">"
const SPACE = 0x20;

function isJunk(b: number): boolean {
  if (b === TAB) return false;
  return b < 0x20 || b === 0x7f || b === 0xff;
}

export class AtFramer {
  readonly #emit: (event: FramerEvent) => void;
  readonly #maxLineBytes: number;
  readonly #idleFlushMs: number;
  /** Bytes of the current, unterminated line (junk already removed). */
  #line: number[] = [];
  /** True while the rest of an overlong line is being thrown away. */
  #skipping = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(emit: (event: FramerEvent) => void, options: FramerOptions = {}) {
    this.#emit = emit;
    this.#maxLineBytes = options.maxLineBytes ?? 4096;
    this.#idleFlushMs = options.idleFlushMs ?? 500;
  }

  /** Feed bytes from the port. */
  push(chunk: Buffer): void {
    this.#cancelIdle();
    let junk: number[] = [];
    let skipped: number[] = [];
    const flushJunk = () => {
      if (junk.length > 0) this.#emit({ kind: "discarded", bytes: Buffer.from(junk), reason: "junk" });
      junk = [];
    };
    const flushSkipped = () => {
      if (skipped.length > 0) this.#emit({ kind: "discarded", bytes: Buffer.from(skipped), reason: "overlong" });
      skipped = [];
    };
    for (const b of chunk) {
      if (b === CR || b === LF) {
        flushJunk();
        flushSkipped();
        this.#skipping = false;
        this.#endLine(false);
        continue;
      }
      if (this.#skipping) {
        skipped.push(b);
        continue;
      }
      if (isJunk(b)) {
        junk.push(b);
        continue;
      }
      flushJunk();
      this.#line.push(b);
      if (this.#line.length === 2 && this.#line[0] === PROMPT && b === SPACE) {
        this.#line = [];
        this.#emit({ kind: "prompt" });
        continue;
      }
      if (this.#line.length > this.#maxLineBytes) {
        skipped = this.#line;
        this.#line = [];
        this.#skipping = true;
      }
    }
    flushJunk();
    flushSkipped();
    if (this.#line.length > 0) this.#armIdle();
  }

  /** Emit the partial line now (what the idle timer does). */
  flush(): void {
    this.#cancelIdle();
    this.#endLine(true);
  }

  /** Forget the partial line without emitting it (after the port's input was flushed). */
  reset(): void {
    this.#cancelIdle();
    if (this.#line.length > 0) {
      this.#emit({ kind: "discarded", bytes: Buffer.from(this.#line), reason: "flushed" });
    }
    this.#line = [];
    this.#skipping = false;
  }

  /** Stop the idle timer for good. */
  dispose(): void {
    this.#cancelIdle();
    this.#line = [];
  }

  #endLine(partial: boolean): void {
    if (this.#line.length === 0) return;
    const text = Buffer.from(this.#line).toString("latin1");
    this.#line = [];
    // A lone ">" left at idle is a prompt from a module that omits the space.
    if (partial && text === ">") {
      this.#emit({ kind: "prompt" });
      return;
    }
    if (text.trim() === "") return;
    this.#emit(partial ? { kind: "line", text, partial: true } : { kind: "line", text });
  }

  #armIdle(): void {
    if (this.#idleFlushMs <= 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#endLine(true);
    }, this.#idleFlushMs);
    this.#timer.unref?.();
  }

  #cancelIdle(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** Frame a sequence of chunks in one go (no idle timer); for tests and offline tools. */
export function frameChunks(chunks: readonly (Buffer | string)[], options: Omit<FramerOptions, "idleFlushMs"> = {}): FramerEvent[] {
  const events: FramerEvent[] = [];
  const framer = new AtFramer((e) => events.push(e), { ...options, idleFlushMs: 0 });
  for (const c of chunks) framer.push(typeof c === "string" ? Buffer.from(c, "latin1") : c);
  return events;
}
