/**
 * Connects discovery to the fleet: a port the watcher reports is put on the map and
 * brought up; a port that vanishes leaves the sellable set at once (the watcher reports
 * removals straight from the file-system event, without waiting for a rescan).
 */
import type { Logger } from "../log/logger.js";
import { silentLogger } from "../log/logger.js";
import type { PortWatcher } from "./hotplug.js";
import type { ModemPool } from "./pool.js";

export class PoolSupervisor {
  readonly #log: Logger;

  constructor(
    private readonly watcher: PortWatcher,
    private readonly pool: ModemPool,
    logger?: Logger,
  ) {
    this.#log = logger ?? silentLogger();
  }

  async start(): Promise<void> {
    this.watcher.on("added", (port) => {
      this.#log.debug({ port: port.id, path: port.path }, "port discovered");
      this.pool.addPort(port.id, port.path, port.usbDevice);
    });
    this.watcher.on("removed", (port) => {
      this.#log.debug({ port: port.id, path: port.path }, "port vanished from discovery");
      void this.pool.removePort(port.id);
    });
    this.watcher.on("error", (err) => this.#log.error({ err }, "port discovery failed"));
    await this.watcher.start();
  }

  async stop(): Promise<void> {
    await this.watcher.stop();
    await this.pool.close();
  }
}
