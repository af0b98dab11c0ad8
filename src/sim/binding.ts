/**
 * node-serialport binding that connects port paths to in-process DeviceWires, so the
 * real SerialPortStream (through openBytePort) talks to simulated modems without any
 * OS tty. Contract as in @serialport/bindings-interface and binding-mock: reads pending
 * at close reject with `canceled: true`; a device unplug rejects them with a plain error,
 * which SerialPortStream reports as a disconnect.
 */
import type { DeviceWire } from "../transport/device-wire.js";
import type { BindingInterface } from "../transport/serial-port.js";

type BindingPort = Awaited<ReturnType<BindingInterface["open"]>>;
type OpenOptions = Parameters<BindingInterface["open"]>[0];
export type SimulatedPortInfo = Awaited<ReturnType<BindingInterface["list"]>>[number];

class CanceledError extends Error {
  readonly canceled = true;
}

/** Errors a real tty gives, with their errno code, so callers see the same shape. */
function ttyError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

const tick = () => new Promise<void>((resolve) => process.nextTick(resolve));

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve: (r: { buffer: Buffer; bytesRead: number }) => void;
  reject: (err: Error) => void;
}

class SimulatedPort implements BindingPort {
  isOpen = true;
  readonly openOptions: Required<OpenOptions>;
  #rx: Buffer[] = [];
  #pending: PendingRead | null = null;
  #gone: Error | null = null;
  readonly #onOutput = (data: Buffer) => this.#receive(data);
  readonly #onUnplug = () => this.#disconnect();

  constructor(
    private readonly wire: DeviceWire,
    options: OpenOptions,
    private readonly onClosed: (port: SimulatedPort) => void,
  ) {
    this.openOptions = {
      dataBits: 8, lock: true, stopBits: 1, parity: "none", rtscts: false, xon: false, xoff: false, xany: false, hupcl: true,
      ...options,
    } as Required<OpenOptions>;
    wire.on("output", this.#onOutput);
    wire.on("unplug", this.#onUnplug);
  }

  #receive(data: Buffer): void {
    if (!this.isOpen || this.#gone) return;
    this.#rx.push(Buffer.from(data));
    this.#serve();
  }

  #serve(): void {
    const p = this.#pending;
    if (!p || this.#rx.length === 0) return;
    this.#pending = null;
    let copied = 0;
    while (copied < p.length && this.#rx.length > 0) {
      const head = this.#rx[0] as Buffer;
      const n = head.copy(p.buffer, p.offset + copied, 0, Math.min(head.length, p.length - copied));
      copied += n;
      if (n === head.length) this.#rx.shift();
      else this.#rx[0] = head.subarray(n);
    }
    p.resolve({ buffer: p.buffer, bytesRead: copied });
  }

  #disconnect(): void {
    if (this.#gone) return;
    // Not canceled: SerialPortStream turns this into a disconnect (close event with disconnected: true).
    this.#gone = ttyError("device disconnected (simulated unplug)", "EIO");
    this.#detach();
    const p = this.#pending;
    this.#pending = null;
    p?.reject(this.#gone);
  }

  #detach(): void {
    this.wire.off("output", this.#onOutput);
    this.wire.off("unplug", this.#onUnplug);
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new CanceledError("port is not open");
    await tick();
    if (!this.isOpen) throw new CanceledError("read canceled");
    if (this.#gone) throw this.#gone;
    if (this.#pending) throw new Error("overlapping reads are not supported");
    return new Promise((resolve, reject) => {
      this.#pending = { buffer, offset, length, resolve, reject };
      this.#serve();
    });
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new Error("port is not open");
    await tick();
    if (!this.isOpen) throw new CanceledError("write canceled");
    if (this.#gone) throw this.#gone;
    this.wire.receiveFromHost(Buffer.from(buffer));
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error("port is not open");
    this.isOpen = false;
    this.#detach();
    this.#rx = [];
    const p = this.#pending;
    this.#pending = null;
    p?.reject(new CanceledError("port is closed"));
    this.onClosed(this);
  }

  async update(options: { baudRate: number }): Promise<void> {
    if (!this.isOpen) throw new Error("port is not open");
    this.openOptions.baudRate = options.baudRate;
  }

  async set(): Promise<void> {
    if (!this.isOpen) throw new Error("port is not open");
  }

  async get(): Promise<{ cts: boolean; dsr: boolean; dcd: boolean }> {
    if (!this.isOpen) throw new Error("port is not open");
    return { cts: true, dsr: !this.#gone, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    if (!this.isOpen) throw new Error("port is not open");
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    if (!this.isOpen) throw new Error("port is not open");
    this.#rx = [];
  }

  async drain(): Promise<void> {
    if (!this.isOpen) throw new Error("port is not open");
    await tick();
  }
}

interface Attached {
  wire: DeviceWire;
  info: Omit<SimulatedPortInfo, "path">;
  open: Set<SimulatedPort>;
  lockedBy: SimulatedPort | null;
}

export class SimulatedBinding implements BindingInterface {
  readonly #ports = new Map<string, Attached>();

  /** Make `path` lead to `wire`. `info` is what list() reports (USB ids, serial number…). */
  attach(path: string, wire: DeviceWire, info: Partial<Omit<SimulatedPortInfo, "path">> = {}): void {
    if (this.#ports.has(path)) throw new Error(`${path} is already attached`);
    this.#ports.set(path, {
      wire,
      info: {
        manufacturer: info.manufacturer, serialNumber: info.serialNumber, pnpId: info.pnpId,
        locationId: info.locationId, productId: info.productId, vendorId: info.vendorId,
      },
      open: new Set(),
      lockedBy: null,
    });
  }

  /** Forget a path; open ports on it see a disconnect. */
  detach(path: string): void {
    const entry = this.#ports.get(path);
    if (!entry) return;
    this.#ports.delete(path);
    for (const port of entry.open) port.close().catch(() => undefined);
  }

  async list(): Promise<SimulatedPortInfo[]> {
    return [...this.#ports.entries()].filter(([, e]) => e.wire.present).map(([path, e]) => ({ path, ...e.info }));
  }

  async open(options: OpenOptions): Promise<BindingPort> {
    if (!options?.path) throw new TypeError('"path" is not a valid port');
    if (!options.baudRate) throw new TypeError('"baudRate" is not a valid baudRate');
    await tick();
    const entry = this.#ports.get(options.path);
    if (!entry || !entry.wire.present) throw ttyError(`Error: No such file or directory, cannot open ${options.path}`, "ENOENT");
    const lock = options.lock ?? true;
    // flock(LOCK_EX | LOCK_NB) semantics: a locked port refuses every other locking opener.
    if (lock && entry.lockedBy) throw ttyError("Error Resource temporarily unavailable Cannot lock port", "EAGAIN");
    const port = new SimulatedPort(entry.wire, options, (p) => {
      entry.open.delete(p);
      if (entry.lockedBy === p) entry.lockedBy = null;
    });
    entry.open.add(port);
    if (lock) entry.lockedBy = port;
    return port;
  }
}
