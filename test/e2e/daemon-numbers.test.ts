/**
 * End to end, issue 14 §3: a SIM whose number is not valid for its country is never sold,
 * the port says why everywhere the operator looks, and `simgate number set` fixes it at
 * once. The real daemon (`simgate run --simulate 8 --seed 11`, v1 and v2 at once) on
 * simulated modems over pseudo-terminals, with a state database from an older release
 * that stored two wrong numbers:
 *
 *  - an AT&T SIM (310/410) that does not know its number and has no "my number" USSD
 *    code: its stored number +1404000 is refused, nothing else can tell → number-invalid;
 *  - a Jio SIM (405/840) that does not know its number: its stored +917060 is refused,
 *    the operator's USSD answer gives the right one → ready with that one.
 *
 * The status page is watched in headless chromium (as in status-page.test.ts): the tile
 * says why, and turns ready without a reload when the number is set.
 */
import { rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { generatePool } from "../../src/sim/profile.js";
import { openStore } from "../../src/store/index.js";
import { runSimgate } from "../helpers/cli.js";
import { E2E_KEY, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const SEED = "11";
const POOL = generatePool({ count: 8, dialect: "mixed", seed: SEED });
const att = POOL.find((p) => p.sim.mcc === "310" && p.sim.mnc === "410" && p.sim.msisdn === null)!;
const jio = POOL.find((p) => p.sim.mcc === "405" && p.sim.msisdn === null)!;

function anyCount(services: any, service: string): number {
  return (services.countryList as any[]).reduce((sum, c) => sum + (c.operatorMap.any[service] ?? 0), 0);
}

describe("numbers that are not valid are never sold (simgate run --simulate 8, v1 + v2)", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess;
  let browser: Browser;
  let page: Page;
  const stateDir = mkdtempSync(join(tmpdir(), "simgate-numbers-"));
  const portOf = async (iccid: string) => (await daemon.status()).ports.find((p: any) => p.iccid === iccid);
  const listed = () => new Set(fake.stats().v2.lastNumbers.map((n) => n.number));
  const cli = (...args: string[]) => runSimgate([...args, "--config", daemon.configFile, "--admin", daemon.adminUrl.replace("http://", "")]);

  beforeAll(async () => {
    expect(att, "seed 11 has an AT&T SIM without a number").toBeDefined();
    expect(jio, "seed 11 has a Jio SIM without a number").toBeDefined();
    const store = openStore({ stateDir });
    store.sims.set(att.sim.iccid, "+1404000");
    store.sims.set(jio.sim.iccid, "+917060");
    store.close();
    fake = new FakeOnlinesim({ key: E2E_KEY });
    await fake.start();
    daemon = await startDaemonProcess({
      stateDir,
      seed: SEED,
      config: {
        onlinesim: { mode: "both", push: { url: fake.urls.pushSms, rentUrl: fake.urls.pushSmsRent }, v2: { baseUrl: fake.urls.v2, debounceMs: 300 } },
        engine: { services: ["telegram"] },
      },
    });
    await waitSettled(daemon, 3);
    await waitFor("the Jio SIM's number from USSD", async () => (await portOf(jio.sim.iccid))?.state === "ready" || undefined, 60_000);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless=new"] });
    page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${daemon.adminUrl}/?token=${encodeURIComponent(daemon.adminToken!)}`);
    await page.locator('#conn[data-mode="live"]').waitFor();
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.proc.stop();
    await fake?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("the port shows number-invalid with the reason in /api/status, and is not ready", async () => {
    const port = await portOf(att.sim.iccid);
    expect(port).toMatchObject({ state: "number-invalid", number: null });
    expect(port.numberProblem).toMatch(/^stored number: "\+1404000" is not a valid/);
  });

  const tileOf = async (iccid: string): Promise<Locator> => page.locator(`.tile[data-port=${JSON.stringify((await portOf(iccid)).id)}]`);

  it("the status page shows the state in the bad colour, 'number refused' and the reason", async () => {
    const tile = await tileOf(att.sim.iccid);
    await tile.and(page.locator('[data-state="number-invalid"]')).waitFor();
    expect(await tile.locator('[data-field="number"]').textContent()).toBe("number refused");
    expect(await tile.locator('[data-field="number-problem"]').textContent()).toMatch(/^stored number: "\+1404000" is not a valid/);
    const colour = (sel: string) => tile.locator(sel).evaluate((e) => getComputedStyle(e).color);
    expect(await colour('[data-field="state"]')).toBe("rgb(229, 72, 77)"); // --bad
    expect(await (await tileOf(jio.sim.iccid)).locator('[data-field="number-problem"]').isHidden()).toBe(true);
  });

  it("a wrong stored number is asked again: the Jio SIM is ready with the number its operator gives", async () => {
    expect(await portOf(jio.sim.iccid)).toMatchObject({ state: "ready", number: jio.sim.subscriberNumber, numberProblem: null });
  });

  it("is counted in /metrics by state, and not in GET_SERVICES or the v2 list", async () => {
    const metrics = await (await fetch(`${daemon.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^simgate_ports\{state="number-invalid"\} 1$/m);
    const ports: any[] = (await daemon.status()).ports;
    const ready = ports.filter((p) => p.state === "ready");
    const { json } = await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY });
    expect(anyCount(json, "telegram")).toBe(ready.length);
    await waitFor("the v2 list of the ready numbers", () => (listed().size === ready.length && ready.every((p) => listed().has(p.number))) || undefined);
  });

  it("simgate status names the port, the reason and the fix", async () => {
    const r = await cli("status");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/number-invalid/);
    expect(r.stdout).toContain(`number refused, stored number: "+1404000" is not a valid`);
    expect(r.stdout).toContain(`simgate number set ${att.sim.iccid} +<number>`);
  });

  it("simgate number set refuses a bad number, and a number another SIM has", async () => {
    const bad = await cli("number", "set", att.sim.iccid, "4045550123");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/has no calling code/);
    const taken = await cli("number", "set", att.sim.iccid, jio.sim.subscriberNumber);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`is the number of SIM ${jio.sim.iccid}`);
    expect((await portOf(att.sim.iccid)).state).toBe("number-invalid");
  });

  it("simgate number set makes the port sellable at once: ready, in GET_SERVICES and in the v2 list", async () => {
    const before = anyCount((await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY })).json, "telegram");
    const r = await cli("number", "set", att.sim.iccid, "+1 404 555 0123");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${att.sim.iccid}: number \\+14045550123 .*in use on`));
    expect(await portOf(att.sim.iccid)).toMatchObject({ state: "ready", number: "+14045550123", numberProblem: null });
    expect(anyCount((await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY })).json, "telegram")).toBe(before + 1);
    await waitFor("the number in the v2 list", () => listed().has("+14045550123") || undefined);
    // The page follows without a reload.
    const tile = await tileOf(att.sim.iccid);
    await tile.and(page.locator('[data-state="ready"]')).waitFor();
    expect(await tile.locator('[data-field="number"]').textContent()).toBe("+14045550123");
    expect(await tile.locator('[data-field="number-problem"]').isHidden()).toBe(true);
  });

  it("the number set by hand is kept for the ICCID after the daemon stops", async () => {
    expect(await daemon.proc.stop()).toBe(0);
    const store = openStore({ stateDir });
    try {
      expect(store.sims.find(att.sim.iccid)?.number).toBe("14045550123");
      expect(store.sims.find(jio.sim.iccid)?.number).toBe(jio.sim.subscriberNumber.slice(1));
    } finally {
      store.close();
    }
  });
});
