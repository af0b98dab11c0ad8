/**
 * "Never two owners on one tty" inside this process. The same modem can be reached as
 * /dev/serial/by-path/…, /dev/serial/by-id/… and /dev/ttyUSB3, so leases are keyed by the
 * device node the name resolves to. Other processes are kept out by the flock that
 * openBytePort takes; this registry also covers the window before the open, and paths
 * that are not files (the in-process simulator binding).
 */
import { realpath as fsRealpath } from "node:fs/promises";
import { resolve } from "node:path";
import { ErrorCode, SimgateError } from "../errors.js";

export interface PortLease {
  /** The device node (realpath) the lease is for. */
  readonly key: string;
  readonly path: string;
  readonly owner: string;
  /** Give the tty back. Idempotent; a stale lease never releases a newer owner's. */
  release(): void;
}

export class PortOwnerRegistry {
  readonly #held = new Map<string, PortLease>();

  constructor(private readonly realpath: (path: string) => Promise<string> = fsRealpath) {}

  /** The node a path leads to; a path that does not resolve keys on itself (simulator, vanished tty). */
  async keyFor(path: string): Promise<string> {
    try {
      return await this.realpath(path);
    } catch {
      return resolve(path);
    }
  }

  /**
   * Take the tty for `owner` (a probe, a modem session…). Throws DiscoveryPortOwned when
   * someone else holds it, naming the holder so the log says who.
   */
  async acquire(path: string, owner: string): Promise<PortLease> {
    const key = await this.keyFor(path);
    // No await between the check and the set: two concurrent acquires cannot both win.
    const current = this.#held.get(key);
    if (current) {
      throw new SimgateError(`${path} is already owned by ${current.owner}`, ErrorCode.DiscoveryPortOwned, {
        path,
        device: key,
        owner: current.owner,
        requestedBy: owner,
      });
    }
    const held = this.#held;
    const lease: PortLease = {
      key,
      path,
      owner,
      release() {
        if (held.get(key) === lease) held.delete(key);
      },
    };
    held.set(key, lease);
    return lease;
  }

  /** Like acquire, but undefined instead of an error when the tty is taken. */
  async tryAcquire(path: string, owner: string): Promise<PortLease | undefined> {
    try {
      return await this.acquire(path, owner);
    } catch (err) {
      if (err instanceof SimgateError && err.code === ErrorCode.DiscoveryPortOwned) return undefined;
      throw err;
    }
  }

  /** Who holds the tty behind `path`, if anyone. */
  async ownerOf(path: string): Promise<string | undefined> {
    return this.#held.get(await this.keyFor(path))?.owner;
  }

  get size(): number {
    return this.#held.size;
  }
}
