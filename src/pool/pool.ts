/**
 * The fleet: one PortSession per port, all feeding one PortMap. The pool decides what
 * happens when ports come and go (discovery tells it); each session decides how to keep
 * its own module alive. Closing the pool stops every session and closes every port.
 */
import type { Logger } from "../log/logger.js";
import { silentLogger } from "../log/logger.js";
import type { BytePort } from "../transport/byte-port.js";
import { PortSession, type PortSessionOptions } from "../modem/session.js";
import type { PortMap, PortView } from "../modem/port-map.js";

export type SharedSessionOptions = Omit<PortSessionOptions, "id" | "openPort" | "map" | "logger">;

export interface ModemPoolOptions {
  map: PortMap;
  openPort: (path: string) => Promise<BytePort>;
  session: SharedSessionOptions;
  logger?: Logger;
}

interface Standby {
  id: string;
  path: string;
}

/**
 * A USB modem with several ttys whose roles are unknown (Huawei sticks: modem, voice
 * and PCUI ports; docs/hardware.md#vendor-notes) is one module with one SIM. Only one of its ttys may
 * carry a session, or the same SIM would be counted and sold twice: the others wait as
 * standbys and the next one is tried only when the active one turns out not to answer AT.
 */
class PortGroup {
  active: string | undefined;
  readonly standby: Standby[] = [];
}

export class ModemPool {
  readonly #sessions = new Map<string, PortSession>();
  readonly #groups = new Map<string, PortGroup>();
  readonly #groupOf = new Map<string, string>();
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

  /**
   * A port appeared: put it on the map and start its session (a running one is kept).
   * With a `group` (the USB device the tty belongs to), a port whose group already has an
   * active session waits as a standby instead; it returns undefined then.
   */
  addPort(id: string, path: string, group?: string): PortSession | undefined {
    const existing = this.#sessions.get(id);
    if (existing) return existing;
    if (group !== undefined) {
      const g = this.#groups.get(group) ?? new PortGroup();
      this.#groups.set(group, g);
      this.#groupOf.set(id, group);
      if (g.active !== undefined && g.active !== id) {
        if (!g.standby.some((s) => s.id === id)) g.standby.push({ id, path });
        return undefined;
      }
      g.active = id;
    }
    return this.#startSession(id, path);
  }

  #startSession(id: string, path: string): PortSession {
    this.options.map.appear(id, path);
    const session = new PortSession({
      ...this.options.session,
      id,
      map: this.options.map,
      openPort: () => this.options.openPort(this.options.map.get(id)?.path ?? path),
      logger: this.#log.child({ port: id }),
    });
    session.on("settled", (port) => {
      // Another tty of the same modem may be its AT port: try it before calling this one settled.
      if (port.state === "unresponsive" && this.#tryNextInGroup(id)) return;
      this.#settled.add(id);
      this.#checkSettled();
    });
    this.#sessions.set(id, session);
    session.start();
    return session;
  }

  /** The port's tty vanished: it leaves the sellable set at once, then its session stops. */
  async removePort(id: string): Promise<void> {
    const group = this.#groupOf.get(id);
    const g = group === undefined ? undefined : this.#groups.get(group);
    if (g) {
      const i = g.standby.findIndex((s) => s.id === id);
      if (i >= 0) g.standby.splice(i, 1);
    }
    this.options.map.vanish(id);
    const session = this.#sessions.get(id);
    this.#sessions.delete(id);
    this.#settled.delete(id);
    this.#groupOf.delete(id);
    if (g && g.active === id) {
      g.active = undefined;
      const next = g.standby.shift();
      if (next) this.addPort(next.id, next.path, group);
      else this.#groups.delete(group!);
    }
    this.#checkSettled();
    await session?.stop();
  }

  /**
   * The active tty of a group did not answer AT: drop it (it is not the modem's AT port)
   * and start the next standby. When none is left the last one stays, unresponsive.
   */
  #tryNextInGroup(id: string): boolean {
    const group = this.#groupOf.get(id);
    const g = group === undefined ? undefined : this.#groups.get(group);
    const next = g?.standby.shift();
    if (!g || !next) return false;
    this.#groupOf.delete(id);
    const session = this.#sessions.get(id);
    this.#sessions.delete(id);
    this.options.map.remove(id);
    void session?.stop();
    g.active = next.id;
    this.#startSession(next.id, next.path);
    return true;
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
