/**
 * Where `simgate selftest --market ID --config FILE` points: the address the daemon
 * listens on as a local client reaches it, the market's path, TLS when the partner
 * listener has it, and the key from the same place the daemon takes it.
 */
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import { selftestTargetOf } from "../../src/cli/selftest-target.js";

describe("selftestTargetOf", () => {
  const config = validateConfig({
    http: { listen: "0.0.0.0:8443", tls: { cert: "/etc/simgate/tls.crt", key: "/etc/simgate/tls.key" } },
    onlinesim: { key: "onlinesim-key-1" },
    markets: [
      { dialect: "smshub", path: "/hub", key: "hub-key" },
      { id: "grizzly", dialect: "grizzly", path: "/g", listen: "[::]:9000" },
      { id: "local", dialect: "smsbower", path: "/b", listen: "192.0.2.5:9001" },
    ],
  });

  it("reaches a wildcard listener over loopback, with TLS when the partner listener serves it", () => {
    expect(selftestTargetOf(config, "onlinesim")).toEqual({ protocol: "onlinesim", url: "https://127.0.0.1:8443", key: "onlinesim-key-1", keySource: "SIMGATE_ONLINESIM_KEY (or onlinesim.key)" });
    expect(selftestTargetOf(config, "smshub")).toEqual({ protocol: "smshub", url: "https://127.0.0.1:8443/hub", key: "hub-key", keySource: "SIMGATE_MARKET_SMSHUB_KEY (or markets[].key)" });
  });

  it("uses a market's own plain-HTTP listener, IPv6 in brackets", () => {
    expect(selftestTargetOf(config, "grizzly")).toMatchObject({ protocol: "grizzly", url: "http://[::1]:9000/g", key: undefined });
    expect(selftestTargetOf(config, "local")).toMatchObject({ protocol: "smsbower", url: "http://192.0.2.5:9001/b" });
  });

  it("names the configured markets when the id is not one of them", () => {
    expect(selftestTargetOf(config, "smsbower")).toBe("no market 'smsbower' in the config (configured: onlinesim, smshub, grizzly, local)");
  });
});
