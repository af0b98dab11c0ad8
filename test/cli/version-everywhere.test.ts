/**
 * One version, everywhere an operator or Onlinesim looks: the first log line of `simgate
 * run`, the `simgate_build_info` gauge on /metrics, /api/status and `simgate status --json`,
 * the status page, and the `User-Agent: simgate/<version>` of every request the daemon
 * sends to Onlinesim (v2 number lists and PUSH_SMS alike). The real daemon process and an
 * in-process fake Onlinesim on loopback; the page in headless chromium.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { REPO, runSimgate } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

describe("the version, everywhere (simgate run --simulate 4, a fake Onlinesim)", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const partnerPort = await freePort();
    fake = new FakeOnlinesim({ key: E2E_KEY, marketplace: { partnerUrl: `http://127.0.0.1:${partnerPort}`, pollMs: 0, orderEveryMs: 0, autoFinish: false, exceptionRate: 0, moduleCount: 4 } });
    await fake.start();
    daemon = await startDaemonProcess({
      modems: 4,
      partnerPort,
      env: { SIMGATE_LOG_FORMAT: "json" },
      config: {
        onlinesim: { mode: "both", push: { url: fake.urls.pushSms, rentUrl: fake.urls.pushSmsRent, retryMs: 1000 }, v2: { baseUrl: fake.urls.base, debounceMs: 100 } },
        engine: { services: ["telegram"] },
      },
    });
    await waitSettled(daemon, 3);
  }, 120_000);

  afterAll(async () => {
    await daemon?.proc.stop();
    await fake?.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("is the first line `simgate run` logs", async () => {
    const [first] = await daemon.proc.lines(1);
    const record = JSON.parse(first!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 30, event: "starting", version: VERSION, node: process.version, msg: `simgate ${VERSION} starting` });
  });

  it("is a simgate_build_info gauge on /metrics", async () => {
    const text = await (await fetch(`${daemon.adminUrl}/metrics`)).text();
    expect(text).toContain("# TYPE simgate_build_info gauge\n");
    expect(text).toContain(`simgate_build_info{version="${VERSION}",node="${process.version}"} 1\n`);
  });

  it("is in /api/status and `simgate status --json`", async () => {
    expect((await daemon.status()).version).toBe(VERSION);
    const r = await runSimgate(["status", "--json", "--admin", daemon.adminUrl.replace("http://", "")], undefined, { SIMGATE_ADMIN_TOKEN: daemon.adminToken });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { version: string }).version).toBe(VERSION);
  });

  it("is on the status page", async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless=new"] });
    try {
      const page = await browser.newPage();
      // ?token= logs the page in (a session cookie), as the demo's printed URL does.
      await page.goto(`${daemon.adminUrl}/?token=${daemon.adminToken}`);
      await page.locator("#version", { hasText: VERSION }).waitFor({ timeout: 10_000 });
      expect(await page.locator("h1").textContent()).toBe(`simgate ${VERSION}`);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it("is the User-Agent of every request to Onlinesim: the v2 number list and PUSH_SMS", async () => {
    expect(await fake.marketplace!.pollOnce()).toBe(true);
    const op = await fake.marketplace!.orderOnce();
    expect(op).toBeDefined();
    expect((await daemon.adminPost("/api/simulator/sms", { number: `+${op!.number}`, sender: "Telegram", text: "code 12345" })).status).toBe(200);
    await waitFor("a PUSH_SMS and a v2 list", () => {
      const paths = fake.log().map((r) => r.path);
      return paths.includes("/v1/PUSH_SMS") && paths.some((p) => p.startsWith("/api/resellers/")) ? true : undefined;
    }, 30_000);
    const agents = new Set(fake.log().map((r) => r.headers["user-agent"]));
    expect([...agents]).toEqual([`simgate/${VERSION}`]);
  }, 60_000);
});
