import { EventEmitter } from "node:events";
import { SerialPortStream } from "@serialport/stream";
import { autoDetect } from "@serialport/bindings-cpp";
import { ErrorCode, SimgateError } from "../errors.js";
import type { BytePort, BytePortEvents } from "./byte-port.js";
import { FdBytePort, isNativePortBinding } from "./fd-port.js";

/** node-serialport's binding contract (its own package's typings do not resolve under NodeNext). */
export type BindingInterface = ConstructorParameters<typeof SerialPortStream>[0]["binding"];

export interface OpenBytePortOptions {
  path: string;
  /** 115200 is what most pools ship with; USB-native modules ignore it. */
  baudRate?: number;
  /**
   * The binding to use. Omit for the native one (real ttys, pseudo-terminals); inject
   * `SimulatedBinding` or serialport's MockBinding to run the same code in-process.
   */
  binding?: BindingInterface;
  /**
   * Take an exclusive lock on the tty (flock). On by default so two owners can never
   * drive one modem; the lock is per open file, so a second open by us fails too.
   */
  lock?: boolean;
}

let native: BindingInterface | undefined;
/** node-serialport's native binding for this OS (real ttys and pseudo-terminals). */
export function nativeBinding(): BindingInterface {
  native ??= autoDetect() as BindingInterface;
  return native;
}

/** The only place that turns node-serialport's callback/stream API into a BytePort. */
class SerialBytePort extends EventEmitter<BytePortEvents> implements BytePort {
  #closedByUs = false;
  #closeSignalled = false;
  #hungUp = false;

  constructor(private readonly stream: SerialPortStream) {
    super();
    stream.on("data", (chunk: Buffer) => this.emit("data", chunk));
    stream.on("close", (err?: Error & { disconnected?: boolean }) => this.#signalClose(err));
    // Errors after open are reported through `close` (disconnect) or the failing call;
    // a listener is needed so an 'error' event never becomes an uncaught exception.
    stream.on("error", () => undefined);
  }

  get path(): string {
    return this.stream.path;
  }

  get isOpen(): boolean {
    return this.stream.isOpen;
  }

  #signalClose(err?: Error & { disconnected?: boolean }): void {
    if (this.#closeSignalled) return;
    this.#closeSignalled = true;
    if (this.#closedByUs && !err?.disconnected && !this.#hungUp) {
      this.emit("close");
      return;
    }
    this.emit(
      "close",
      new SimgateError(`port ${this.path} disconnected`, ErrorCode.TransportDisconnected, { path: this.path }, {
        cause: err,
      }),
    );
  }

  /**
   * The device hung up (USB unplug, pty master closed). node-serialport's Linux binding
   * does not watch for this itself: a hung-up tty reads 0 bytes forever, which its read
   * loop retries at once. We close the port so the loop ends, and report a disconnect.
   */
  hangUp(): void {
    if (this.#hungUp || this.#closeSignalled) return;
    this.#hungUp = true;
    this.#closedByUs = true;
    this.stream.close(() => this.#signalClose());
  }

  write(data: Buffer | string): Promise<void> {
    if (!this.stream.isOpen) {
      return Promise.reject(new SimgateError(`port ${this.path} is not open`, ErrorCode.TransportNotOpen, { path: this.path }));
    }
    return new Promise((resolve, reject) => {
      this.stream.write(data, (err) => {
        if (err) {
          reject(
            new SimgateError(`write to ${this.path} failed: ${err.message}`, ErrorCode.TransportWriteFailed, { path: this.path }, { cause: err }),
          );
          return;
        }
        // The write callback fires when the stream accepted the bytes; drain resolves
        // when the binding has written them.
        this.stream.drain(() => resolve());
      });
    });
  }

  flushInput(): Promise<void> {
    if (!this.stream.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.stream.flush(() => resolve()));
  }

  close(): Promise<void> {
    this.#closedByUs = true;
    if (!this.stream.isOpen) {
      this.#signalClose();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.stream.close(() => {
        this.#signalClose();
        resolve();
      });
    });
  }
}

/** The native Linux/Darwin port binding exposes its fd poller; injected bindings may not. */
interface HangupPoller {
  once(event: "disconnect", callback: (err: (Error & { canceled?: boolean }) | null) => void): unknown;
}

function watchForHangup(stream: SerialPortStream, onHangup: () => void): void {
  const poller = (stream.port as { poller?: HangupPoller } | undefined)?.poller;
  if (!poller || typeof poller.once !== "function") return;
  poller.once("disconnect", (err) => {
    // A canceled event means we closed the port ourselves.
    if (err?.canceled) return;
    onHangup();
  });
}

/** Open a serial port (real or injected binding). Rejects with TransportOpenFailed. */
export function openBytePort(options: OpenBytePortOptions): Promise<BytePort> {
  // Real ttys and pseudo-terminals on Linux: the binding opens, direct syscalls move the bytes (fd-port.ts).
  if (options.binding === undefined && process.platform === "linux") return openFdPort(options);
  const binding = options.binding ?? nativeBinding();
  return new Promise((resolve, reject) => {
    const stream = new SerialPortStream(
      { binding, path: options.path, baudRate: options.baudRate ?? 115200, autoOpen: false, lock: options.lock ?? true },
    );
    stream.open((err) => {
      if (err) {
        reject(
          new SimgateError(`cannot open ${options.path}: ${err.message}`, ErrorCode.TransportOpenFailed, { path: options.path }, { cause: err }),
        );
        return;
      }
      const port = new SerialBytePort(stream);
      watchForHangup(stream, () => port.hangUp());
      resolve(port);
    });
  });
}

/**
 * The native binding opens the port (termios raw 8N1 at the baud rate, flock, non-blocking
 * fd, as SerialPortStream would have) and FdBytePort moves the bytes.
 */
async function openFdPort(options: OpenBytePortOptions): Promise<BytePort> {
  let port: unknown;
  try {
    port = await nativeBinding().open({ path: options.path, baudRate: options.baudRate ?? 115200, lock: options.lock ?? true });
  } catch (err) {
    throw new SimgateError(`cannot open ${options.path}: ${(err as Error).message}`, ErrorCode.TransportOpenFailed, { path: options.path }, { cause: err });
  }
  if (!isNativePortBinding(port)) {
    await (port as { close?: () => Promise<void> }).close?.().catch(() => undefined);
    throw new SimgateError(`cannot open ${options.path}: the serial binding gave no file descriptor`, ErrorCode.TransportOpenFailed, { path: options.path });
  }
  return new FdBytePort(options.path, port);
}
