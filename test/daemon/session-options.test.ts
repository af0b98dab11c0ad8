/**
 * The liveness timings an operator sets under `modem:` reach every port session and its AT
 * channel (issue 12, defect 5), and the defaults are the ones docs/benchmarks.md measured.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import { daemonSessionOptions } from "../../src/daemon/session-options.js";
import { MessageAssembler } from "../../src/sms/index.js";
import { silentLogger } from "../../src/log/logger.js";
import { openStore, type Store } from "../../src/store/index.js";

let dir: string | undefined;
let store: Store | undefined;
afterEach(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  store = dir = undefined;
});

function optionsFor(modem: Record<string, unknown>) {
  dir = mkdtempSync(join(tmpdir(), "simgate-session-options-"));
  store = openStore({ stateDir: dir });
  const config = validateConfig({ modem }, "test config");
  return daemonSessionOptions(config.modem, store, (port) => new MessageAssembler(port, 60_000, silentLogger()));
}

describe("daemonSessionOptions", () => {
  it("defaults: a bare AT after 3 s of silence, 1.5 s to answer, 600 noise bytes a minute, a status poll a minute", () => {
    const o = optionsFor({});
    expect(o).toMatchObject({ livenessProbeMs: 3_000, pollIntervalMs: 60_000 });
    expect(o.channel).toMatchObject({ answerWithinMs: 1_500, noiseBytesPerMinute: 600, defaultTimeoutMs: 10_000 });
  });

  it("passes the configured timings through", () => {
    const o = optionsFor({ livenessProbeMs: 2_000, answerWithinMs: 800, noiseBytesPerMinute: 1_200, pollIntervalMs: 30_000 });
    expect(o).toMatchObject({ livenessProbeMs: 2_000, pollIntervalMs: 30_000 });
    expect(o.channel).toMatchObject({ answerWithinMs: 800, noiseBytesPerMinute: 1_200 });
  });

  it("modem.trustVendorRegistration reaches the sessions: on by default, off when configured", () => {
    expect(optionsFor({}).trustVendorRegistration).toBe(true);
    expect(optionsFor({ trustVendorRegistration: false }).trustVendorRegistration).toBe(false);
    expect(() => optionsFor({ trustVendorRegistration: "no" })).toThrow(/modem\.trustVendorRegistration/);
  });

  it("refuses nonsense with the key's name", () => {
    expect(() => optionsFor({ answerWithinMs: 0 })).toThrow(/modem\.answerWithinMs/);
    expect(() => optionsFor({ noiseBytesPerMinute: -5 })).toThrow(/modem\.noiseBytesPerMinute/);
  });
});
