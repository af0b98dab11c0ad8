/**
 * Source addresses of HTTP requests: one spelling per address (what allow-lists, rate
 * limits and log lines compare), the loopback test, and an exact-address allow-list.
 */
import { isIPv4, isIPv6 } from "node:net";
import { ErrorCode, SimgateError } from "../../errors.js";

/**
 * One spelling per address: IPv4 as dotted quad, IPv6 in the WHATWG canonical form
 * (lower case, zeros compressed), IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack
 * socket reports for IPv4 peers) as the plain IPv4 address. Zone ids are dropped.
 * Undefined when `raw` is not an IP address.
 */
export function normaliseIp(raw: string): string | undefined {
  const ip = raw.trim().replace(/^\[(.*)\]$/, "$1").split("%")[0] ?? "";
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return undefined;
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/**
 * A source-IP allow-list (e.g. `onlinesim.auth.allowIps`): exact addresses; empty = everyone.
 * A config entry that is not an IP is refused at build time, naming `setting`.
 */
export class IpAllowList {
  readonly #allowed: ReadonlySet<string> | undefined;

  constructor(entries: readonly string[], setting = "allowIps") {
    if (entries.length === 0) {
      this.#allowed = undefined;
      return;
    }
    const set = new Set<string>();
    for (const entry of entries) {
      const ip = normaliseIp(entry);
      if (ip === undefined) throw new SimgateError(`${setting}: "${entry}" is not an IP address (exact addresses only, no ranges)`, ErrorCode.HttpOptionsInvalid, { entry });
      set.add(ip);
    }
    this.#allowed = set;
  }

  allows(remote: string | undefined): boolean {
    if (this.#allowed === undefined) return true;
    const ip = remote === undefined ? undefined : normaliseIp(remote);
    return ip !== undefined && this.#allowed.has(ip);
  }
}

/** A normalised address on this host's loopback. */
export const isLoopback = (ip: string): boolean => ip === "::1" || ip.startsWith("127.");
