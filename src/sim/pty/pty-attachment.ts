/**
 * Wires one DeviceWire to a pseudo-terminal: device output → pty master, program input →
 * device. Unplug closes the pty (the program sees a hangup, like a USB tty vanishing);
 * replug opens a new pty and re-points the same link path at it.
 */
import type { DeviceWire } from "../../transport/device-wire.js";
import type { PtyChannel, PtyHost } from "./pty-host-client.js";

export class PtyAttachment {
  #channel: PtyChannel | null = null;
  #closed = false;
  /** Serialises unplug/replug so a fast replug waits for the close to finish. */
  #chain: Promise<void> = Promise.resolve();
  readonly #onOutput = (data: Buffer) => this.#channel?.write(data);
  readonly #onUnplug = () => this.#enqueue(() => this.#closeChannel());
  readonly #onReplug = () => this.#enqueue(() => this.#openChannel());

  private constructor(
    private readonly host: PtyHost,
    private readonly wire: DeviceWire,
    /** The stable path programs open (a symlink to the current /dev/pts/N). */
    readonly link: string,
  ) {}

  static async attach(host: PtyHost, wire: DeviceWire, link: string): Promise<PtyAttachment> {
    const a = new PtyAttachment(host, wire, link);
    wire.on("output", a.#onOutput);
    wire.on("unplug", a.#onUnplug);
    wire.on("replug", a.#onReplug);
    if (wire.present) await a.#openChannel();
    return a;
  }

  /** /dev/pts/N while plugged in, null while unplugged. */
  get slavePath(): string | null {
    return this.#channel?.slavePath ?? null;
  }

  /** Wait until pending unplug/replug work is done (the link points at the live pty). */
  settled(): Promise<void> {
    return this.#chain;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.wire.off("output", this.#onOutput);
    this.wire.off("unplug", this.#onUnplug);
    this.wire.off("replug", this.#onReplug);
    await this.#chain;
    await this.#closeChannel();
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch(() => undefined);
  }

  async #openChannel(): Promise<void> {
    if (this.#closed || this.#channel) return;
    const channel = await this.host.open(this.link);
    channel.on("data", (data) => this.wire.receiveFromHost(data));
    channel.on("closed", () => {
      if (this.#channel === channel) this.#channel = null;
    });
    this.#channel = channel;
  }

  async #closeChannel(): Promise<void> {
    const channel = this.#channel;
    this.#channel = null;
    await channel?.close();
  }
}
