/**
 * The module's input side of the serial line: echo (ATE1), line editing (S3 end of line,
 * S5 backspace, ESC discards), and the `> ` data-entry mode of AT+CMGS/AT+CMGW that ends
 * with Ctrl-Z (send) or ESC (cancel) (27.005 §3.5.1). Emits whole lines; knows no commands.
 */
import type { ModemSettings } from "./settings.js";

const MAX_LINE = 4096;
const CTRL_Z = 0x1a;
const ESC = 0x1b;
const LF = 0x0a;

export interface LineInputSink {
  echo(bytes: Buffer): void;
  line(text: string): void;
  /** The data-entry body (without Ctrl-Z), or null when cancelled with ESC. */
  body(text: string | null): void;
}

export class LineInput {
  /** True while a `> ` prompt waits for its body. */
  dataEntry = false;
  #line = "";
  #body = "";

  constructor(
    private readonly settings: ModemSettings,
    private readonly sink: LineInputSink,
  ) {}

  feed(data: Buffer): void {
    for (const byte of data) {
      if (this.dataEntry) this.#bodyByte(byte);
      else this.#lineByte(byte);
    }
  }

  reset(): void {
    this.dataEntry = false;
    this.#line = "";
    this.#body = "";
  }

  #lineByte(byte: number): void {
    // Echo is the module typing back what it got, before any processing.
    if (this.settings.echo && byte !== ESC) this.sink.echo(Buffer.of(byte));
    if (byte === this.settings.sRegisters[3]) {
      const line = this.#line;
      this.#line = "";
      this.sink.line(line);
    } else if (byte === this.settings.sRegisters[5]) {
      this.#line = this.#line.slice(0, -1);
    } else if (byte === ESC) {
      this.#line = "";
    } else if (byte !== LF && this.#line.length < MAX_LINE) {
      this.#line += String.fromCharCode(byte);
    }
  }

  #bodyByte(byte: number): void {
    if (byte === CTRL_Z || byte === ESC) {
      const body = this.#body;
      this.dataEntry = false;
      this.#body = "";
      this.sink.body(byte === ESC ? null : body);
      return;
    }
    if (this.settings.echo) this.sink.echo(Buffer.of(byte));
    if (this.#body.length < MAX_LINE) this.#body += String.fromCharCode(byte);
  }
}
