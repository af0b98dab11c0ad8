/**
 * End to end: a SIM the network refuses (`+CREG: …,3`, registration denied: a barred,
 * unpaid or blocked card) is a settled state the operator must act on, not a wait. The
 * port shows `denied` in /api/status, on the status page, in `simgate status` and in
 * /metrics, and is never sold; once the network takes the SIM again it is ready and sold.
 *
 * The real daemon (`simgate run --simulate 3`) on simulated modems over pseudo-terminals;
 * the network's refusal is the simulator's (`POST /api/simulator/ports/:port/deny-registration`).
 */
import { rmSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimgate } from "../helpers/cli.js";
import { E2E_KEY, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const base = (id: string) => id.slice(id.lastIndexOf("/") + 1);

function telegramCount(services: any): number {
  return (services.countryList as any[]).reduce((sum, c) => sum + (c.operatorMap.any.telegram ?? 0), 0);
}

describe("a SIM whose registration is denied (simgate run --simulate 3)", () => {
  let daemon: DaemonProcess;
  let browser: Browser;
  let page: Page;
  let victim: any;
  let readyBefore: number;
  const stateOf = async (id: string) => (await daemon.status()).ports.find((p: any) => p.id === id)?.state;
  const sold = async () => telegramCount((await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY })).json);

  beforeAll(async () => {
    daemon = await startDaemonProcess({ modems: 3, seed: "5", config: { engine: { services: ["telegram"] } } });
    const ready = await waitSettled(daemon, 2);
    readyBefore = ready.length;
    victim = ready[0];
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless=new"] });
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${daemon.adminUrl}/?token=${encodeURIComponent(daemon.adminToken!)}`);
    await page.locator('#conn[data-mode="live"]').waitFor();
    expect(await sold()).toBe(readyBefore);
    const denied = await daemon.adminPost(`/api/simulator/ports/${encodeURIComponent(base(victim.id))}/deny-registration`, {});
    expect(denied.status).toBe(200);
    await waitFor("the port to show denied", async () => (await stateOf(victim.id)) === "denied" || undefined, 30_000);
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.proc.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("is denied in /api/status (not registering, not degraded) and counted as denied in /metrics", async () => {
    const port = (await daemon.status()).ports.find((p: any) => p.id === victim.id);
    expect(port).toMatchObject({ state: "denied", iccid: victim.iccid });
    const metrics = await (await fetch(`${daemon.adminUrl}/metrics`, { headers: daemon.adminHeaders })).text();
    expect(metrics).toMatch(/^simgate_ports\{state="denied"\} 1$/m);
  });

  it("is not sold: GET_SERVICES counts one SIM less", async () => {
    expect(await sold()).toBe(readyBefore - 1);
  });

  it("simgate status shows the port's row as denied", async () => {
    const r = await runSimgate(["status", "--config", daemon.configFile, "--admin", daemon.adminUrl.replace("http://", "")], 60_000);
    expect(r.code).toBe(0);
    const row = r.stdout.split("\n").find((l) => l.startsWith(`${base(victim.id)} `)) ?? "";
    expect(row).toMatch(/ denied /);
  }, 90_000);

  it("the status page shows the tile as denied, in the bad colour", async () => {
    const tile = page.locator(`.tile[data-port=${JSON.stringify(victim.id)}]`);
    await tile.and(page.locator('[data-state="denied"]')).waitFor();
    expect(await tile.locator('[data-field="state"]').textContent()).toBe("denied");
    expect(await tile.locator('[data-field="state"]').evaluate((e) => getComputedStyle(e).color)).toBe("rgb(229, 72, 77)"); // --bad
  });

  it("once the network takes the SIM again, it is ready and sold again", async () => {
    const back = await daemon.adminPost(`/api/simulator/ports/${encodeURIComponent(base(victim.id))}/register-home`, {});
    expect(back.status).toBe(200);
    await waitFor("the port ready again", async () => (await stateOf(victim.id)) === "ready" || undefined, 30_000);
    await waitFor("GET_SERVICES to count it again", async () => (await sold()) === readyBefore || undefined, 30_000);
  }, 90_000);
});
