/**
 * The DNS-rebinding defence of the admin listener: it answers only requests whose Host
 * header is one of its own names. A web page on attacker.example that points its name at
 * 127.0.0.1 gets the browser to talk to the listener, but the browser still sends
 * `Host: attacker.example` (the origin it thinks it talks to), which is not one of ours:
 * 421 Misdirected Request, whatever the credentials.
 *
 * Our names: localhost, 127.0.0.1, [::1], the address the listener is bound to, the
 * local address a connection reached (for a 0.0.0.0 bind, the host's own IP the client
 * dialled — an IP literal is never a rebound name), and `admin.hosts` (a reverse proxy's
 * name, say). A name without a port matches a Host without a port or with the listener's
 * port; a name with a port matches only that port. IP addresses compare in one spelling
 * ([0:0::1] is [::1]); names compare case-insensitively.
 */
import { isIPv6 } from "node:net";
import { normaliseIp } from "../edge/index.js";

/** The names every admin listener answers to, besides its bind address and admin.hosts. */
export const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"] as const;

interface HostName {
  /** Lower-case name, or an IP address in normaliseIp's spelling (IPv6 without brackets). */
  host: string;
  port: number | undefined;
}

/** `name`, `name:port`, `1.2.3.4[:port]`, `[v6][:port]` or a bare IPv6 address; undefined when it is none of those. */
export function parseHostName(raw: string): HostName | undefined {
  const text = raw.trim().toLowerCase();
  if (isIPv6(text)) return { host: normaliseIp(text)!, port: undefined };
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?)(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && port > 65535) return undefined;
  const ip = normaliseIp(m[1]!);
  if (m[1]!.startsWith("[") && ip === undefined) return undefined;
  return { host: ip ?? m[1]!, port };
}

export class AllowedHosts {
  /** Names that match with no port or the listener's port. */
  readonly #anyPort = new Set<string>();
  /** `host:port` pairs that match exactly. */
  readonly #exact = new Set<string>();

  /** `names` are added to LOOPBACK_NAMES; an entry that is not a host name throws (the config schema checks them first). */
  constructor(names: readonly string[]) {
    for (const raw of [...LOOPBACK_NAMES, ...names]) {
      const n = parseHostName(raw);
      if (!n) throw new Error(`admin.hosts: '${raw}' is not a host name, IP address or HOST:PORT`);
      if (n.port === undefined) this.#anyPort.add(n.host);
      else this.#exact.add(`${n.host}:${n.port}`);
    }
  }

  /** Whether a request with this Host header, arriving on this local address and port, is meant for us. */
  allows(hostHeader: string | undefined, local: { address?: string | undefined; port?: number | undefined }): boolean {
    if (hostHeader === undefined) return false;
    const h = parseHostName(hostHeader);
    if (!h) return false;
    if (h.port !== undefined && this.#exact.has(`${h.host}:${h.port}`)) return true;
    if (h.port !== undefined && h.port !== local.port) return false;
    return this.#anyPort.has(h.host) || (local.address !== undefined && normaliseIp(local.address) === h.host);
  }
}
