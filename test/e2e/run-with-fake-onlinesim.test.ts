/**
 * Issue 6's "done when", literally: `simgate run --simulate 8` with a config pointing at
 * `simgate fake-onlinesim` (two separate processes talking HTTP on loopback) completes both
 * cycles on its own — the fake polls and orders (v1), its "services" send verification SMS
 * to the ordered numbers through the daemon's simulator, the daemon pushes them (PUSH_SMS)
 * with the exact text, the fake closes the operations; and the daemon lists its live
 * numbers (sendNumbersOnline).
 */
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { startSimgate, type LongRunning } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitFor, type DaemonProcess } from "../helpers/daemon.js";

describe("simgate run --simulate 8 + simgate fake-onlinesim, as two processes", () => {
  let fake: LongRunning | undefined;
  let daemon: DaemonProcess | undefined;
  const summaries: any[] = [];

  afterAll(async () => {
    await daemon?.proc.stop();
    await fake?.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("completes the v1 cycle (orders → SMS → PUSH_SMS exact → FINISH) and the v2 list, with no violations", async () => {
    const [fakePort, partnerPort, adminPort] = [await freePort(), await freePort(), await freePort()];
    // The daemon first: the fake's first poll must find it (an unreachable partner is a violation).
    const base = `http://127.0.0.1:${fakePort}`;
    daemon = await startDaemonProcess({
      partnerPort,
      adminPort,
      config: {
        onlinesim: { mode: "both", push: { url: `${base}/v1/PUSH_SMS`, rentUrl: `${base}/v1/PUSH_SMS_RENT` }, v2: { baseUrl: base, debounceMs: 500 } },
        engine: { services: ["telegram", "whatsapp", "google"] },
      },
    });
    fake = startSimgate(
      [
        "fake-onlinesim",
        "--listen", `127.0.0.1:${fakePort}`,
        "--partner", `http://127.0.0.1:${partnerPort}`,
        "--sms-via", `http://127.0.0.1:${adminPort}`,
        "--key", E2E_KEY,
        "--poll-ms", "1000",
        "--order-every-ms", "400",
        "--modules", "8",
        "--summary-ms", "500",
        "--json",
      ],
      { env: { SIMGATE_ADMIN_TOKEN: daemon.adminToken } }, // --sms-via posts to the admin API
    );
    createInterface({ input: fake.child.stdout! }).on("line", (line) => {
      const parsed = JSON.parse(line);
      if (parsed.event === "summary") summaries.push(parsed);
    });
    const last = () => summaries.at(-1);
    const done = await waitFor(
      "three SMS delivered with the exact text and one sale closed",
      () => {
        const s = last();
        return s && s.servicesSms?.exact >= 3 && s.finishes["3"] >= 1 && s.v2.sendNumbersOnline >= 1 ? s : undefined;
      },
      90_000,
      200,
    );
    expect(done.issued).toBeGreaterThanOrEqual(3);
    expect(done.pushSms).toBeGreaterThanOrEqual(3);
    expect(done.servicesSms.mismatched).toBe(0);
    expect(done.pushSmsDuplicates).toBe(0);
    expect(done.earnings).toBeGreaterThan(0);
    expect(done.v2.lastNumbers).toBeGreaterThan(0);
    expect(done.violations, done.lastViolation).toBe(0);
    expect(done.rejected, JSON.stringify(done.lastRejected)).toBe(0);
  }, 150_000);
});
