/**
 * The fleet: one PortSession per port, all feeding one PortMap. The pool decides what
 * happens when ports come and go (discovery tells it); each session decides how to keep
 * its own module alive. Closing the pool stops every session and closes every port.
 */
import type { Logger } from "../log/logger.js";
import { silentLogger } from "../log/logger.js";
import type { BytePort } from "../transport/byte-port.js";
import { PortSession, type PortSessionOptions } from "../modem/session.js";
import type { PortMap, PortView } from "./port-map.js";

export type SharedSessionOptions = Omit<PortSessionOptions, "id" | "openPort" | "map" | "logger">;

export interface ModemPoolOptions {
  map: PortMap;
  openPort: (path: string) => Promise<BytePort>;
  session: SharedSessionOptions;
  logger?: Logger;
}

export class ModemPool {
  readonly #sessions = new Map<string, PortSession>();
  readonly #settled = new Set<string>();
  readonly #settleWaiters = new Set<() => void>();
  readonly #log: Logger;

  constructor(private readonly options: ModemPoolOptions) {
    this.#log = options.logger ?? silentLogger();
  }

  get map(): PortMap {
    return this.options.map;
  }

  session(id: string): PortSession | undefined {
    return this.#sessions.get(id);
  }

  /** A port appeared: put it on the map and start its session (a running one is kept). */
  addPort(id: string, path: string): PortSession {
    const existing = this.#sessions.get(id);
    if (existing) return existing;
    this.options.map.appear(id, path);
    const session = new PortSession({
      ...this.options.session,
      id,
      map: this.options.map,
      openPort: () => this.options.openPort(this.options.map.get(id)?.path ?? path),
      logger: this.#log.child({ port: id }),
    });
    session.on("settled", () => {
      this.#settled.add(id);
      this.#checkSettled();
    });
    this.#sessions.set(id, session);
    session.start();
    return session;
  }

  /** The port's tty vanished: it leaves the sellable set at once, then its session stops. */
  async removePort(id: string): Promise<void> {
    this.options.map.vanish(id);
    const session = this.#sessions.get(id);
    this.#sessions.delete(id);
    this.#settled.delete(id);
    this.#checkSettled();
    await session?.stop();
  }

  /** Every current port has finished its first bring-up (ready or not). */
  get isSettled(): boolean {
    return [...this.#sessions.keys()].every((id) => this.#settled.has(id));
  }

  /** Resolves true once settled, false when `timeoutMs` passes first. */
  waitSettled(timeoutMs: number): Promise<boolean> {
    if (this.isSettled) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.#settleWaiters.delete(waiter);
        resolve(value);
      };
      const waiter = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#settleWaiters.add(waiter);
    });
  }

  snapshot(): readonly PortView[] {
    return this.options.map.snapshot();
  }

  async close(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((s) => s.stop()));
  }

  #checkSettled(): void {
    if (!this.isSettled) return;
    for (const w of [...this.#settleWaiters]) w();
  }
}
