/**
 * A serial port on Linux without node-serialport's stream on top: bytes move with direct
 * non-blocking read(2)/write(2) on the file descriptor the native binding opened, woken
 * by the binding's own epoll poller. The binding still does what it is good at — open,
 * termios (baud rate, raw 8N1), the exclusive flock, tcflush, close.
 *
 * Why: through SerialPortStream every read was a thread-pool fs.read that usually came
 * back EAGAIN (an Error built per chunk) before the poller was even asked, and every
 * write a thread-pool fs.write plus a thread-pool tcdrain. That was about 1 ms of CPU per
 * AT round trip and most of an idle daemon's CPU (docs/benchmarks.md, "Cost as
 * released"). Here a round trip is one epoll wake-up, one read and one write.
 *
 * The fd is non-blocking (the binding opens it O_NONBLOCK), so neither call can stall
 * the event loop. A hung-up tty (USB unplug, pty master gone) reads 0 bytes or fails with
 * EIO: the port reports a disconnect, as SerialBytePort does.
 */
import { EventEmitter } from "node:events";
import { readSync, writeSync } from "node:fs";
import { ErrorCode, SimgateError } from "../errors.js";
import type { BytePort, BytePortEvents } from "./byte-port.js";

type PollListener = (err: (Error & { canceled?: boolean }) | null) => void;

/** The slice of @serialport/bindings-cpp's LinuxPortBinding this port uses. */
export interface NativePortBinding {
  readonly fd: number | null;
  readonly isOpen: boolean;
  readonly poller: {
    on(event: "readable" | "writable" | "disconnect", listener: PollListener): unknown;
    off(event: "readable" | "writable" | "disconnect", listener: PollListener): unknown;
    /** Start watching for these events (bit set below); each one fires once, then is dropped from the watch. */
    poll(events: number): void;
  };
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The poller's event bits (bindings-cpp poller.ts EVENTS, libuv's UV_READABLE/WRITABLE/
 * DISCONNECT). Its poll() hands libuv ONLY the bits of that call, so every call here
 * passes every event still wanted, or an earlier wish is silently dropped.
 */
const READABLE = 0b001;
const WRITABLE = 0b010;
const DISCONNECT = 0b100;

/** True for the native Linux binding's port: it exposes its fd and poller. */
export function isNativePortBinding(port: unknown): port is NativePortBinding {
  const p = port as Partial<NativePortBinding> | null;
  return typeof p?.fd === "number" && typeof p.poller?.poll === "function" && typeof p.poller.on === "function" && typeof p.flush === "function";
}

/** Errors of read(2)/write(2) that mean "not now", not "gone". */
const RETRY = new Set(["EAGAIN", "EWOULDBLOCK", "EINTR"]);
/** One read takes what a module sends in a burst; bigger bursts take a few wake-ups. */
const READ_CHUNK = 4096;

export class FdBytePort extends EventEmitter<BytePortEvents> implements BytePort {
  readonly #binding: NativePortBinding;
  readonly #path: string;
  readonly #buffer = Buffer.allocUnsafe(READ_CHUNK);
  /** Writes in order: a write that met a full output buffer finishes before the next starts. */
  #writing: Promise<void> | undefined;
  /** Set synchronously when closing starts: the binding's close emits events into our listeners before it returns. */
  #stopped = false;
  #closing: Promise<void> | undefined;
  #closeSignalled = false;
  /** Writers waiting for room in the output buffer. */
  readonly #writableWaiters: PollListener[] = [];

  constructor(path: string, binding: NativePortBinding) {
    super();
    this.#path = path;
    this.#binding = binding;
    binding.poller.on("readable", this.#onReadable);
    binding.poller.on("writable", this.#onWritable);
    binding.poller.on("disconnect", this.#onDisconnect);
    this.#watch();
  }

  get path(): string {
    return this.#path;
  }

  get isOpen(): boolean {
    return !this.#stopped && this.#binding.isOpen;
  }

  write(data: Buffer | string): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new SimgateError(`port ${this.#path} is not open`, ErrorCode.TransportNotOpen, { path: this.#path }));
    }
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    // The common case: nothing queued, the kernel takes the whole command at once.
    if (this.#writing === undefined) {
      const written = this.#tryWrite(bytes, 0);
      if (typeof written !== "number") return Promise.reject(written);
      if (written === bytes.length) return Promise.resolve();
      return this.#queueWrite(bytes, written);
    }
    return this.#queueWrite(bytes, 0);
  }

  flushInput(): Promise<void> {
    if (!this.isOpen) return Promise.resolve();
    return this.#binding.flush().catch(() => undefined);
  }

  close(): Promise<void> {
    return this.#shutdown();
  }

  /** (Re-)arm the poller for everything wanted now: input, hang-up, and room to write when a writer waits. */
  #watch(): void {
    if (!this.isOpen) return;
    this.#binding.poller.poll(READABLE | DISCONNECT | (this.#writableWaiters.length > 0 ? WRITABLE : 0));
  }

  readonly #onReadable = (err: (Error & { canceled?: boolean }) | null): void => {
    if (err) {
      // A canceled event means we closed the port ourselves.
      if (!err.canceled) this.#hangUp(err);
      return;
    }
    const fd = this.#binding.fd;
    if (fd === null || this.#stopped) return;
    let n: number;
    try {
      n = readSync(fd, this.#buffer, 0, READ_CHUNK, null);
    } catch (e) {
      if (RETRY.has((e as NodeJS.ErrnoException).code ?? "")) this.#watch();
      else this.#hangUp(e);
      return;
    }
    // A hung-up tty reads end-of-file.
    if (n === 0) {
      this.#hangUp();
      return;
    }
    // The buffer is reused: hand out a copy.
    this.emit("data", Buffer.from(this.#buffer.subarray(0, n)));
    this.#watch();
  };

  readonly #onWritable = (err: (Error & { canceled?: boolean }) | null): void => {
    for (const waiter of this.#writableWaiters.splice(0)) waiter(err);
    if (!err) this.#watch();
  };

  readonly #onDisconnect = (err: (Error & { canceled?: boolean }) | null): void => {
    if (!err?.canceled) this.#hangUp(err ?? undefined);
  };

  /** Bytes written, or the error to reject with. */
  #tryWrite(bytes: Buffer, offset: number): number | SimgateError {
    const fd = this.#binding.fd;
    if (fd === null || this.#stopped) {
      return new SimgateError(`port ${this.#path} is not open`, ErrorCode.TransportNotOpen, { path: this.#path });
    }
    try {
      return offset + writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (e) {
      if (RETRY.has((e as NodeJS.ErrnoException).code ?? "")) return offset;
      const err = e as Error;
      return new SimgateError(`write to ${this.#path} failed: ${err.message}`, ErrorCode.TransportWriteFailed, { path: this.#path }, { cause: err });
    }
  }

  #queueWrite(bytes: Buffer, offset: number): Promise<void> {
    const run = (this.#writing ?? Promise.resolve()).then(() => this.#writeRest(bytes, offset));
    const tail = run.catch(() => undefined);
    this.#writing = tail;
    void tail.then(() => {
      if (this.#writing === tail) this.#writing = undefined;
    });
    return run;
  }

  /** Write what is left, waiting for the poller's "writable" whenever the output buffer is full. */
  async #writeRest(bytes: Buffer, offset: number): Promise<void> {
    let done = offset;
    for (;;) {
      const written = this.#tryWrite(bytes, done);
      if (typeof written !== "number") throw written;
      done = written;
      if (done === bytes.length) return;
      await new Promise<void>((resolve, reject) => {
        this.#writableWaiters.push((err) =>
          err ? reject(new SimgateError(`write to ${this.#path} failed: ${err.message}`, ErrorCode.TransportWriteFailed, { path: this.#path }, { cause: err })) : resolve(),
        );
        this.#watch();
      });
    }
  }

  /** The device went away under us: close our side and report a disconnect. */
  #hangUp(cause?: unknown): void {
    if (this.#stopped) return;
    void this.#shutdown(new SimgateError(`port ${this.#path} disconnected`, ErrorCode.TransportDisconnected, { path: this.#path }, cause === undefined ? undefined : { cause }));
  }

  #shutdown(err?: SimgateError): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#stopped = true;
    // Settled before the binding's close runs: it re-enters here through the poller's events.
    let closed!: () => void;
    this.#closing = new Promise((resolve) => (closed = resolve));
    void this.#binding
      .close()
      .catch(() => undefined)
      .then(() => {
        this.#signalClose(err);
        closed();
      });
    return this.#closing;
  }

  #signalClose(err?: SimgateError): void {
    if (this.#closeSignalled) return;
    this.#closeSignalled = true;
    this.#binding.poller.off("readable", this.#onReadable);
    this.#binding.poller.off("writable", this.#onWritable);
    this.#binding.poller.off("disconnect", this.#onDisconnect);
    if (err) this.emit("close", err);
    else this.emit("close");
  }
}
