/**
 * Node side of pty-host.py: one helper process serves every simulated modem's
 * pseudo-terminal over framed stdin/stdout (see the .py docstring for the frames).
 * When this process dies the helper reads EOF on stdin and removes its ptys and links;
 * close() also kills it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ErrorCode, SimgateError } from "../../errors.js";

const HEADER = 7; // type (1) | channel (uint16 BE) | length (uint32 BE)

/** The .py sits next to this file in src/ (tsx) and is copied next to the .js in dist/ by the build. */
export function ptyHostScriptPath(): string {
  return fileURLToPath(new URL("./pty-host.py", import.meta.url));
}

export interface PtyChannelEvents {
  /** Bytes the program on the slave side wrote. */
  data: [chunk: Buffer];
  /** The pty is gone (closed by us, or the helper died). */
  closed: [];
}

export class PtyChannel extends EventEmitter<PtyChannelEvents> {
  #open = true;

  constructor(
    private readonly host: PtyHost,
    readonly id: number,
    /** /dev/pts/N */
    readonly slavePath: string,
    /** The symlink the helper made (may be empty). */
    readonly link: string,
  ) {
    super();
  }

  get isOpen(): boolean {
    return this.#open;
  }

  write(data: Buffer): void {
    if (this.#open) this.host.send("D", this.id, data);
  }

  /** Close the pty: the program on the slave side sees a hangup. */
  close(): Promise<void> {
    if (!this.#open) return Promise.resolve();
    return this.host.closeChannel(this.id);
  }

  /** @internal */
  markClosed(): void {
    if (!this.#open) return;
    this.#open = false;
    this.emit("closed");
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface PtyHostOptions {
  python?: string;
  script?: string;
}

export class PtyHost {
  readonly #child: ChildProcess;
  readonly #channels = new Map<number, PtyChannel>();
  readonly #opening = new Map<number, { link: string; resolve: (c: PtyChannel) => void; reject: (e: Error) => void }>();
  readonly #closing = new Map<number, Waiter[]>();
  #inbuf: Buffer = Buffer.alloc(0);
  #nextId = 1;
  #dead: Error | null = null;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.stdout?.on("data", (chunk: Buffer) => this.#onData(chunk));
    child.stderr?.on("data", () => undefined);
    child.stdin?.on("error", () => undefined);
    child.once("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "ENOENT" ? "python3 is not installed (the simulator's pseudo-terminals need it: apt-get install python3)" : err.message;
      this.#fail(new SimgateError(`pty helper failed: ${why}`, ErrorCode.SimulatorPtyFailed, {}, { cause: err }));
    });
    child.once("exit", (code, signal) =>
      this.#fail(new SimgateError(`pty helper exited (code ${code}, signal ${signal})`, ErrorCode.SimulatorPtyFailed)),
    );
  }

  static start(options: PtyHostOptions = {}): PtyHost {
    const script = options.script ?? ptyHostScriptPath();
    if (!existsSync(script)) throw new SimgateError(`pty helper not found at ${script}`, ErrorCode.SimulatorPtyFailed, { script });
    const child = spawn(options.python ?? "python3", ["-u", script], { stdio: ["pipe", "pipe", "pipe"] });
    return new PtyHost(child);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Open a pty and (re)point `link` at its slave. */
  open(link: string): Promise<PtyChannel> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#allocateId();
    return new Promise((resolve, reject) => {
      this.#opening.set(id, { link, resolve, reject });
      this.send("O", id, Buffer.from(link, "utf8"));
    });
  }

  /** Close every pty and stop the helper. */
  async close(): Promise<void> {
    if (!this.#dead) {
      this.#child.stdin?.end(); // EOF: the helper closes its ptys and removes its links
      const killer = setTimeout(() => this.#child.kill("SIGKILL"), 2000);
      await this.#exited;
      clearTimeout(killer);
    }
  }

  /** @internal */
  send(kind: string, id: number, payload: Buffer = Buffer.alloc(0)): void {
    if (this.#dead || !this.#child.stdin?.writable) return;
    const header = Buffer.alloc(HEADER);
    header.write(kind, 0, "latin1");
    header.writeUInt16BE(id, 1);
    header.writeUInt32BE(payload.length, 3);
    this.#child.stdin.write(Buffer.concat([header, payload]));
  }

  /** @internal */
  closeChannel(id: number): Promise<void> {
    if (this.#dead) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiters = this.#closing.get(id) ?? [];
      waiters.push({ resolve, reject });
      this.#closing.set(id, waiters);
      if (waiters.length === 1) this.send("C", id);
    });
  }

  #allocateId(): number {
    for (let n = 0; n < 0xffff; n++) {
      const id = this.#nextId;
      this.#nextId = this.#nextId >= 0xffff ? 1 : this.#nextId + 1;
      if (!this.#channels.has(id) && !this.#opening.has(id) && !this.#closing.has(id)) return id;
    }
    throw new SimgateError("no free pty channel ids", ErrorCode.SimulatorPtyFailed);
  }

  #onData(chunk: Buffer): void {
    this.#inbuf = this.#inbuf.length === 0 ? chunk : Buffer.concat([this.#inbuf, chunk]);
    while (this.#inbuf.length >= HEADER) {
      const length = this.#inbuf.readUInt32BE(3);
      if (this.#inbuf.length < HEADER + length) break;
      const kind = String.fromCharCode(this.#inbuf[0] ?? 0);
      const id = this.#inbuf.readUInt16BE(1);
      const payload = this.#inbuf.subarray(HEADER, HEADER + length);
      this.#inbuf = this.#inbuf.subarray(HEADER + length);
      this.#frame(kind, id, payload);
    }
  }

  #frame(kind: string, id: number, payload: Buffer): void {
    switch (kind) {
      case "o": {
        const pending = this.#opening.get(id);
        if (!pending) return;
        this.#opening.delete(id);
        const channel = new PtyChannel(this, id, payload.toString("utf8"), pending.link);
        this.#channels.set(id, channel);
        pending.resolve(channel);
        return;
      }
      case "d":
        // Copy: the frame buffer is reused for the next frames.
        this.#channels.get(id)?.emit("data", Buffer.from(payload));
        return;
      case "c": {
        const channel = this.#channels.get(id);
        this.#channels.delete(id);
        channel?.markClosed();
        for (const w of this.#closing.get(id) ?? []) w.resolve();
        this.#closing.delete(id);
        return;
      }
      case "e": {
        const err = new SimgateError(`pty helper: ${payload.toString("utf8")}`, ErrorCode.SimulatorPtyFailed, { channel: id });
        const pending = this.#opening.get(id);
        this.#opening.delete(id);
        pending?.reject(err);
        return;
      }
    }
  }

  #fail(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    for (const p of this.#opening.values()) p.reject(err);
    this.#opening.clear();
    for (const waiters of this.#closing.values()) for (const w of waiters) w.resolve();
    this.#closing.clear();
    for (const c of this.#channels.values()) c.markClosed();
    this.#channels.clear();
  }
}
