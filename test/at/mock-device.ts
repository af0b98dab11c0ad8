/**
 * The device side of a serialport MockBinding port, opened through the real
 * SerialPortStream (openBytePort with an injected binding). No module mocks: the channel
 * under test talks to exactly the stack it uses in production, minus the kernel.
 */
import { EventEmitter, once } from "node:events";
import { createRequire } from "node:module";
import type * as BindingMockModule from "../../node_modules/@serialport/binding-mock/dist/index.js";
import { AtChannel, type AtChannelOptions } from "../../src/at/index.js";
import type { BytePort } from "../../src/transport/byte-port.js";
import { openBytePort, type BindingInterface } from "../../src/transport/serial-port.js";
import type { ScriptedDevice } from "../helpers/transcript.js";

type MockPortBinding = BindingMockModule.MockPortBinding;

/**
 * serialport's MockBinding. Loaded through require because the package's exports map
 * has no "types" condition, so NodeNext cannot see its typings on a plain import. Tests
 * import it from here so that every test and the channel share ONE instance (its port
 * table is module state).
 */
export const MockBinding: BindingMockModule.MockBindingInterface = (
  createRequire(import.meta.url)("@serialport/binding-mock") as typeof BindingMockModule
).MockBinding;

export class MockDevice implements ScriptedDevice {
  readonly #writes = new EventEmitter<{ write: [Buffer] }>();
  readonly #readRejecters = new Set<(err: Error) => void>();
  #unplugged: Error | undefined;
  /** How far `waitForWrite` has consumed the recording. */
  #cursor = 0;

  constructor(readonly binding: MockPortBinding) {
    const write = binding.write.bind(binding);
    binding.write = async (buf: Buffer) => {
      await write(buf);
      this.#writes.emit("write", buf);
    };
    const read = binding.read.bind(binding);
    binding.read = (buffer: Buffer, offset: number, length: number) =>
      new Promise((resolve, reject) => {
        if (this.#unplugged) {
          reject(this.#unplugged);
          return;
        }
        this.#readRejecters.add(reject);
        read(buffer, offset, length)
          .then(resolve, reject)
          .finally(() => this.#readRejecters.delete(reject));
      });
  }

  /** The device speaks. */
  say(data: string | Buffer): void {
    this.binding.emitData(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Everything the host wrote, as latin1. */
  get written(): string {
    return this.binding.recording.toString("latin1");
  }

  /** Resolve once the host has written `expected` (after what earlier calls consumed). */
  async waitForWrite(expected: string | Buffer): Promise<void> {
    const want = typeof expected === "string" ? expected : expected.toString("latin1");
    for (;;) {
      const at = this.written.indexOf(want, this.#cursor);
      if (at >= 0) {
        this.#cursor = at + want.length;
        return;
      }
      await once(this.#writes, "write");
    }
  }

  /** Answer each CR-terminated command the host writes (a tiny fake modem). `undefined` = stay silent. */
  autoReply(reply: (command: string) => string | undefined): void {
    let pending = "";
    this.#writes.on("write", (buf) => {
      pending += buf.toString("latin1");
      for (let cr = pending.indexOf("\r"); cr >= 0; cr = pending.indexOf("\r")) {
        const command = pending.slice(0, cr);
        pending = pending.slice(cr + 1);
        const answer = reply(command);
        if (answer !== undefined && this.binding.isOpen) this.say(answer);
      }
    });
  }

  /**
   * USB unplug: the pending read (and any later one) fails with a non-canceled error,
   * which node-serialport treats as a disconnect.
   */
  unplug(): void {
    const err = Object.assign(new Error("EIO: device unplugged"), { code: "EIO" });
    this.#unplugged = err;
    for (const reject of this.#readRejecters) reject(err);
  }
}

/** A MockBinding that hands every opened binding port to `onOpen` (the port object is otherwise private to the stream). */
function capturingBinding(onOpen: (port: MockPortBinding) => void): BindingInterface {
  return {
    ...MockBinding,
    async open(options: Parameters<typeof MockBinding.open>[0]) {
      const port = await MockBinding.open(options);
      onOpen(port);
      return port;
    },
  } as unknown as BindingInterface;
}

export interface MockChannel {
  channel: AtChannel;
  device: MockDevice;
  port: BytePort;
}

/**
 * A channel on a scripted device. The scripts (test/fixtures/*.at) list the exact bytes of
 * one exchange, so the channel's resync at open is off unless a test asks for it
 * (test/at/channel-open-pty.test.ts covers it against a simulated module).
 */
export async function openMockChannel(path: string, options: AtChannelOptions = {}): Promise<MockChannel> {
  MockBinding.createPort(path, { echo: false, record: true });
  let device: MockDevice | undefined;
  const port = await openBytePort({ path, binding: capturingBinding((p) => (device = new MockDevice(p))) });
  if (!device) throw new Error("mock binding did not open");
  return { channel: new AtChannel(port, { resyncAtOpen: false, ...options }), device, port };
}
