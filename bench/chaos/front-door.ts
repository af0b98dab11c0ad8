/**
 * The network between the daemon and the fake Onlinesim: a TCP forwarder on a fixed
 * loopback port that the daemon's PUSH_SMS URL points at. It can
 *   - forward, with a delay on the way back (`latencyMs`): the answer of an SMS Onlinesim
 *     has already accepted is still on the wire for that long, which is where a crash
 *     turns into a duplicate (on loopback that window would be microseconds);
 *   - be down: the port is closed, every connection is refused;
 *   - hang: connections are accepted and read, and nothing ever comes back.
 * Switching modes cuts the connections the previous mode held.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export type DoorMode = "up" | "down" | "hang";

export class FrontDoor {
  #server: Server | undefined;
  #mode: DoorMode = "down";
  readonly #sockets = new Set<Socket>();
  /** Connections accepted while hanging (never answered). */
  hungConnections = 0;
  latencyMs: number;

  constructor(
    readonly port: number,
    private readonly upstreamPort: number,
    latencyMs = 0,
  ) {
    this.latencyMs = latencyMs;
  }

  get mode(): DoorMode {
    return this.#mode;
  }

  async set(mode: DoorMode): Promise<void> {
    if (mode === this.#mode) return;
    this.#cutAll();
    if (mode === "down") await this.#close();
    else if (!this.#server) await this.#listen();
    this.#mode = mode;
  }

  async close(): Promise<void> {
    this.#cutAll();
    await this.#close();
    this.#mode = "down";
  }

  #cutAll(): void {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  #track(s: Socket): void {
    this.#sockets.add(s);
    s.on("close", () => this.#sockets.delete(s));
    s.on("error", () => s.destroy());
  }

  async #listen(): Promise<void> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#server = server;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.#track(client);
    if (this.#mode === "hang") {
      this.hungConnections++;
      client.resume(); // read and drop: the request is taken, no answer ever comes
      return;
    }
    const upstream = createConnection({ host: "127.0.0.1", port: this.upstreamPort });
    this.#track(upstream);
    client.pipe(upstream);
    // Way back: every chunk waits latencyMs (equal delays keep the order).
    upstream.on("data", (chunk: Buffer) => {
      const send = (): void => {
        if (!client.destroyed) client.write(chunk);
      };
      if (this.latencyMs > 0) setTimeout(send, this.latencyMs);
      else send();
    });
    upstream.on("end", () => setTimeout(() => client.end(), this.latencyMs));
    upstream.on("close", () => setTimeout(() => client.destroy(), this.latencyMs));
    client.on("close", () => upstream.destroy());
  }
}
