/** Start a fastify app on HOST:PORT with a one-line error a user can act on. */
import { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import { ErrorCode, SimgateError } from "../errors.js";

export interface Listening {
  host: string;
  port: number;
  /** http://HOST:PORT, https:// when the app serves TLS (IPv6 in brackets). */
  url: string;
}

export function splitHostPort(hostPort: string): { host: string; port: number } {
  const i = hostPort.lastIndexOf(":");
  return { host: hostPort.slice(0, i).replace(/^\[(.*)\]$/, "$1"), port: Number(hostPort.slice(i + 1)) };
}

export async function listen(app: FastifyInstance, hostPort: string, what: string): Promise<Listening> {
  const { host, port } = splitHostPort(hostPort);
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
