import type { EventEmitter } from "node:events";

/** Events a simulated device raises on its wire. */
export interface DeviceWireEvents {
  /** Bytes the device sends towards the host program. */
  output: [data: Buffer];
  /** The device vanished from the bus (the "unplug" fault): attached ports must hang up. */
  unplug: [];
  /** The device is back on the bus after an unplug. */
  replug: [];
}

/**
 * The device side of a serial line: what an in-process binding or a pseudo-terminal
 * attaches to. The modem simulator implements it; transport code only sees bytes.
 */
export interface DeviceWire extends EventEmitter<DeviceWireEvents> {
  /** Bytes the host program wrote to the port. */
  receiveFromHost(data: Buffer): void;
  /** True while the device is on the bus (not unplugged). */
  readonly present: boolean;
}
