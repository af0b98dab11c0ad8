/**
 * `simgate selftest --market ID --config FILE`: the endpoint, protocol and key of a
 * marketplace the daemon is configured to sell on, read from its config file (and the
 * environment, as the daemon reads it), so the operator tests exactly what the daemon
 * serves. ID is "onlinesim" or the id of a `markets:` entry (docs/markets.md).
 */
import type { Config } from "../config/schema.js";
import { parseHostPort } from "../config/host-port.js";
import { marketKeyEnvName } from "../config/markets-schema.js";

export interface SelftestTarget {
  /** "onlinesim", or the SMSHUB-family dialect the market speaks. */
  protocol: "onlinesim" | Config["markets"][number]["dialect"];
  url: string;
  key: string | undefined;
  /** Where the key should have come from, for the message when it is missing. */
  keySource: string;
}

/** A listener's base URL as a local client reaches it: a wildcard address becomes loopback. */
function baseOf(hostPort: string, tls: boolean): string {
  const { host, port } = parseHostPort(hostPort) ?? { host: "0.0.0.0", port: 0 };
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `${tls ? "https" : "http"}://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/** The target for `market`, or a one-line reason it is not configured. */
export function selftestTargetOf(config: Readonly<Config>, market: string): SelftestTarget | string {
  const partnerTls = config.http.tls.cert !== undefined;
  if (market === "onlinesim") {
    return { protocol: "onlinesim", url: baseOf(config.http.listen, partnerTls), key: config.onlinesim.key, keySource: "SIMGATE_ONLINESIM_KEY (or onlinesim.key)" };
  }
  const m = config.markets.find((x) => x.id === market);
  if (m === undefined) {
    const known = ["onlinesim", ...config.markets.map((x) => x.id)].join(", ");
    return `no market '${market}' in the config (configured: ${known})`;
  }
  // A market on the partner listener shares its TLS; one on its own listener is plain HTTP.
  const base = m.listen === undefined ? baseOf(config.http.listen, partnerTls) : baseOf(m.listen, false);
  return { protocol: m.dialect, url: `${base}${m.path}`, key: m.key, keySource: `${marketKeyEnvName(m.id)} (or markets[].key)` };
}
