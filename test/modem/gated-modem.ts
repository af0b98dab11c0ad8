/**
 * A simulated modem whose timing a test decides, step by step. The module itself is the
 * product's simulator (slots, lowest free index, +CMTI/+CDSI/+CMT per AT+CNMI, replies
 * framed like firmware); this wire only holds bytes in both directions until told:
 * - `modemReads()`: the module takes what the host typed and executes it (its replies
 *   wait on the wire);
 * - `deliver("all")`: everything waiting goes to the host as ONE read (a +CMTI behind an
 *   OK arrives in the same chunk, as from the real devices), `deliver("line")`: only up to
 *   the end of the first line (a read may end anywhere between lines).
 * The network (injectSms / injectStatusReport on `modem`) may act between any two steps:
 * after `modemReads()` ran an `AT+CMGD`, a new SMS takes the slot it freed.
 */
import { EventEmitter } from "node:events";
import type { DeviceWire, DeviceWireEvents } from "../../src/transport/device-wire.js";
import type { SimulatedModem } from "../../src/sim/simulated-modem.js";

export class GatedWire extends EventEmitter<DeviceWireEvents> implements DeviceWire {
  #toModem: Buffer[] = [];
  #toHost = "";

  constructor(readonly modem: SimulatedModem) {
    super();
    modem.on("output", (data) => (this.#toHost += data.toString("latin1")));
  }

  get present(): boolean {
    return this.modem.present;
  }

  receiveFromHost(data: Buffer): void {
    this.#toModem.push(Buffer.from(data));
  }

  /** Writes of the host the module has not taken yet. */
  get typed(): number {
    return this.#toModem.length;
  }

  /** Bytes of output waiting to reach the host. */
  get waiting(): number {
    return this.#toHost.length;
  }

  modemReads(): void {
    const typed = this.#toModem.splice(0);
    for (const b of typed) this.modem.receiveFromHost(b);
  }

  deliver(how: "all" | "line"): void {
    let end = this.#toHost.length;
    if (how === "line") {
      const text = /^[\r\n]*[^\r\n]+\r\n/.exec(this.#toHost);
      if (text) end = text[0].length;
    }
    const out = this.#toHost.slice(0, end);
    this.#toHost = this.#toHost.slice(end);
    if (out.length > 0) this.emit("output", Buffer.from(out, "latin1"));
  }
}

/**
 * Let the host side run to a standstill: every promise, nextTick and immediate it has
 * queued. No timers are involved on the host path (the binding and the channel work on
 * ticks), so a fixed number of turns is enough whatever the machine's load.
 */
export async function settle(wire: GatedWire): Promise<void> {
  let last = "";
  for (let stable = 0; stable < 3; ) {
    for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
    const now = `${wire.typed}/${wire.waiting}`;
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
}

/** Run module and host until nothing is typed or waiting (bounded). */
export async function pump(wire: GatedWire, maxRounds = 500): Promise<void> {
  await settle(wire);
  for (let round = 0; wire.typed > 0 || wire.waiting > 0; round++) {
    if (round >= maxRounds) throw new Error("pump: the host and the module did not come to rest");
    wire.modemReads();
    wire.deliver("all");
    await settle(wire);
  }
}
