/**
 * `simgate selftest --market onlinesim` against the real daemon (`simgate run --simulate 8`:
 * simulated modems over pseudo-terminals, SQLite, the Onlinesim v1 partner endpoint over
 * loopback): every claimed number comes within Onlinesim's 10 s, all are cancelled, and the
 * daemon offers the same counts afterwards.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { runSimgate } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

describe("simgate selftest --market onlinesim against a running daemon", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess;
  let url: string;

  beforeAll(async () => {
    fake = new FakeOnlinesim({ key: E2E_KEY });
    await fake.start();
    const partnerPort = await freePort();
    url = `http://127.0.0.1:${partnerPort}`;
    daemon = await startDaemonProcess({ config: { onlinesim: { mode: "v1", push: { url: fake.urls.pushSms, rentUrl: fake.urls.pushSmsRent } }, engine: { services: ["telegram", "whatsapp"] } }, partnerPort });
    await waitSettled(daemon, 3);
  }, 120_000);

  afterAll(async () => {
    await daemon?.proc.stop();
    await fake?.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("claims only what it can give: every number within 10 s, then all cancelled, counts as before", async () => {
    const before = await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY });
    const claimed = (before.json.countryList as Array<{ operatorMap: { any: Record<string, number> } }>).reduce((n, c) => n + Math.max(0, ...Object.values(c.operatorMap.any)), 0);
    expect(claimed).toBeGreaterThanOrEqual(3);
    const r = await runSimgate(["selftest", "--market", "onlinesim", "--url", url], 60_000, { SIMGATE_MARKET_KEY: E2E_KEY });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const m = /^claimed (\d+), got (\d+), slowest (\d+) ms\n$/.exec(r.stdout);
    expect(m?.slice(1, 3)).toEqual([String(claimed), String(claimed)]);
    expect(Number(m![3])).toBeLessThan(10_000);
    expect((await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY })).json).toEqual(before.json);
    const activations = await daemon.adminGet("/api/activations");
    expect(activations.open).toBe(0);
    expect(activations.activations).toHaveLength(claimed);
    expect(activations.activations.every((a: { status: number }) => a.status === 5)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(E2E_KEY);
  });

  it("a wrong key exits 1 with the daemon's refusal in one line", async () => {
    const r = await runSimgate(["selftest", "--market", "onlinesim", "--url", url], 30_000, { SIMGATE_MARKET_KEY: "wrong-key-123" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^simgate selftest: GET_SERVICES failed: HTTP 401/);
  });
});
