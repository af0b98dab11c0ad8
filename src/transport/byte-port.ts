import type { EventEmitter } from "node:events";
import type { SimgateError } from "../errors.js";

/** Events of an open byte port. */
export interface BytePortEvents {
  /** Bytes the device sent. */
  data: [chunk: Buffer];
  /**
   * The port is closed for good. `error` is set (code TransportDisconnected) when the
   * device went away rather than being closed by us.
   */
  close: [error?: SimgateError];
}

/**
 * An open serial port, bytes only. It knows nothing about AT commands.
 * Implemented over node-serialport's SerialPortStream with either the native binding
 * (real ttys and pseudo-terminals) or an injected binding (in-process simulated modems).
 */
export interface BytePort extends EventEmitter<BytePortEvents> {
  readonly path: string;
  readonly isOpen: boolean;
  /** Resolves once the bytes are handed to the OS (or the injected device). */
  write(data: Buffer | string): Promise<void>;
  /** Discard bytes received but not yet read (tcflush on a real port). */
  flushInput(): Promise<void>;
  /** Idempotent. Resolves when the port is closed. */
  close(): Promise<void>;
}
