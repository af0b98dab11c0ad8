/** Start a fastify app on HOST:PORT with a one-line error a user can act on. */
import { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import { ErrorCode, SimgateError } from "../errors.js";
import { parseHostPort } from "../config/host-port.js";

export interface Listening {
  host: string;
  port: number;
  /** http://HOST:PORT, https:// when the app serves TLS (IPv6 in brackets). */
  url: string;
}

export async function listen(app: FastifyInstance, hostPort: string, what: string): Promise<Listening> {
  // Validated by the config schema already; a miss here is a bug, reported like a bad address.
  const { host, port } = parseHostPort(hostPort) ?? { host: hostPort, port: NaN };
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EADDRINUSE" ? "the address is in use (another simgate running?)" : code === "EACCES" ? "permission denied (ports below 1024 need privileges)" : code === "EADDRNOTAVAIL" ? "no such local address" : (err as Error).message;
    await app.close().catch(() => undefined);
    throw new SimgateError(`${what}: cannot listen on ${hostPort}: ${why}`, ErrorCode.ListenFailed, { hostPort });
  }
  const addr = app.server.address();
  const bound = addr && typeof addr !== "string" ? addr : { address: host, port, family: "IPv4" };
  const h = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const scheme = app.server instanceof TlsServer ? "https" : "http";
  return { host: bound.address, port: bound.port, url: `${scheme}://${h}:${bound.port}` };
}
