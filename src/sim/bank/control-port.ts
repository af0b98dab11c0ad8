/**
 * The bank board's control serial port, device side (docs/sim-banks.md#sim-bank-boards):
 * `AT` → OK; `AT+SWIT<pp>-<ssss>` → OK and the switch starts, or ERROR for a port or
 * slot the board does not have; anything else → ERROR. No echo.
 */
import { EventEmitter } from "node:events";
import type { DeviceWire, DeviceWireEvents } from "../../transport/device-wire.js";

export interface SwitchRequestSink {
  readonly moduleCount: number;
  readonly slotCount: number;
  /** Whether the board answers switch commands at all (a fault). */
  readonly answersSwitch: boolean;
  requestSwitch(module: number, slot: number): void;
}

const SWIT = /^AT\+SWIT(\d{2})-(\d{4})$/i;

export class BankControlPort extends EventEmitter<DeviceWireEvents> implements DeviceWire {
  readonly present = true;
  /** Command lines received, oldest first (for tests and traces). */
  readonly received: string[] = [];
  #partial = "";
  #closed = false;

  constructor(private readonly sink: SwitchRequestSink) {
    super();
  }

  receiveFromHost(data: Buffer): void {
    if (this.#closed) return;
    for (const ch of data.toString("latin1")) {
      if (ch === "\r") {
        const line = this.#partial.trim();
        this.#partial = "";
        if (line.length > 0) this.#execute(line);
      } else if (ch >= " " && ch <= "~") {
        this.#partial += ch;
      }
      // ESC, LF and other controls are dropped: a host's resync ESC must not end up inside a command.
    }
  }

  close(): void {
    this.#closed = true;
  }

  #execute(line: string): void {
    this.received.push(line);
    if (/^AT$/i.test(line)) return this.#answer("OK");
    const swit = SWIT.exec(line);
    if (!swit) return this.#answer("ERROR");
    const module = Number(swit[1]);
    const slot = Number(swit[2]);
    if (module < 1 || module > this.sink.moduleCount || slot < 1 || slot > this.sink.slotCount) return this.#answer("ERROR");
    this.sink.requestSwitch(module, slot);
    if (this.sink.answersSwitch) this.#answer("OK");
  }

  #answer(final: string): void {
    if (!this.#closed) this.emit("output", Buffer.from(`\r\n${final}\r\n`, "latin1"));
  }
}
