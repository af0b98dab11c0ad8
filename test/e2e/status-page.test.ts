/**
 * The status page in a real browser: Debian's chromium (headless) driven by playwright-core,
 * against the real daemon process (`simgate run --simulate 8`) with the fake Onlinesim
 * buying from it. One tile per port as /api/status says; an order, an SMS injected at the
 * simulated modem and a FINISH (in the earnings per marketplace and currency) appear on the
 * page without a reload; the page loads nothing
 * from another host and never shows the Onlinesim key or the admin token. The browser logs
 * in through the form (and, in a second browser context, through a `?token=` URL) and then
 * rides on an HttpOnly, SameSite=Strict session cookie. A screenshot is left in
 * test-artifacts/status-page.png.
 *
 * No sleeps: every wait is for a DOM change (playwright's waitFor / waitForFunction).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import type { Operation } from "../../src/onlinesim/fake/operations.js";
import { REPO } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(REPO, "test-artifacts");
const UI_TIMEOUT = 10_000;

/** A CSS attribute selector value: port ids are paths (slashes, dots). */
const attr = (v: string): string => JSON.stringify(v);

describe("status page in headless chromium (simgate run --simulate 8)", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess;
  let browser: Browser;
  let page: Page;
  let order: Operation;
  const problems: string[] = [];
  const requested: string[] = [];

  const tile = (id: string): Locator => page.locator(`.tile[data-port=${attr(id)}]`);
  const tileOfNumber = async (digits: string): Promise<Locator> => {
    const port = (await daemon.status()).ports.find((p: any) => p.number === `+${digits}`);
    expect(port, `a port with +${digits}`).toBeDefined();
    return tile(port.id);
  };

  beforeAll(async () => {
    // Fail, never skip: CI must have the browser (.ci/run installs Debian's chromium).
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (the status page test needs a real browser)`);
    const partnerPort = await freePort();
    fake = new FakeOnlinesim({ key: E2E_KEY, marketplace: { partnerUrl: `http://127.0.0.1:${partnerPort}`, pollMs: 0, orderEveryMs: 0, autoFinish: false, exceptionRate: 0, moduleCount: 8 } });
    await fake.start();
    const config = {
      onlinesim: { mode: "v1", push: { url: fake.urls.pushSms, rentUrl: fake.urls.pushSmsRent, retryMs: 1000 } },
      engine: { services: ["telegram", "whatsapp"] },
    };
    // The browser starts while the modems come up.
    [daemon, browser] = await Promise.all([
      startDaemonProcess({ modems: 8, partnerPort, config }),
      chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] }),
    ]);
    await waitSettled(daemon, 6);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    // A Content-Security-Policy violation shows up here too.
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
    });
    page.on("request", (req) => requested.push(req.url()));
    // Log in through the form, as an operator who opens http://127.0.0.1:8081/ does.
    await page.goto(`${daemon.adminUrl}/`);
    await page.locator('input[name="token"][type="password"]').fill(daemon.adminToken!);
    await page.locator('button[type="submit"]').click();
    await page.locator('#conn[data-mode="live"]').waitFor();
    // The form came with 401 (the page itself needs the token), which Chromium reports on the
    // console; anything else (a CSP violation in the form, a script error) is a problem.
    expect(problems).toEqual(["console: Failed to load resource: the server responded with a status of 401 (Unauthorized)"]);
    problems.length = 0;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.proc.stop();
    await fake?.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  /** The session cookie the login set, as the browser keeps it. */
  const sessionCookie = async (context: BrowserContext) => {
    const cookies = (await context.cookies()).filter((c) => c.name.startsWith("simgate_session_"));
    expect(cookies).toHaveLength(1);
    return cookies[0]!;
  };

  it("logged in through the form: an HttpOnly, SameSite=Strict session cookie for /, not the token, out of the page's reach", async () => {
    expect(new URL(page.url()).pathname).toBe("/");
    const c = await sessionCookie(page.context());
    expect(c).toMatchObject({ name: `simgate_session_${new URL(daemon.adminUrl).port}`, path: "/", httpOnly: true, sameSite: "Strict", secure: false, domain: "127.0.0.1" });
    expect(c.value).not.toContain(daemon.adminToken!);
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(await page.content()).not.toContain(daemon.adminToken!);
  });

  /** A browser session of its own (no cookie yet), closed afterwards. */
  const inNewBrowserSession = async (run: (other: Page, context: BrowserContext) => Promise<void>): Promise<void> => {
    const context = await browser.newContext();
    try {
      const other = await context.newPage();
      other.setDefaultTimeout(UI_TIMEOUT);
      await run(other, context);
    } finally {
      await context.close();
    }
  };
  const tokenUrl = (): string => `${daemon.adminUrl}/?token=${encodeURIComponent(daemon.adminToken!)}`;

  it("a ?token= URL logs in with one click and leaves no token in the address bar", () =>
    inNewBrowserSession(async (other, context) => {
      await other.goto(tokenUrl());
      await other.locator('#conn[data-mode="live"]').waitFor();
      expect(other.url()).toBe(`${daemon.adminUrl}/`);
      const c = await sessionCookie(context);
      expect(c).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
      expect(await other.content()).not.toContain(daemon.adminToken!);
      // The redirect replaced the token URL: one step back is where the tab came from.
      await other.goBack();
      expect(other.url()).toBe("about:blank");
    }));

  it("goes back to the login form when the session ends", () =>
    inNewBrowserSession(async (other, context) => {
      await other.route("**/api/events", (route) => route.abort()); // polling: one request every few seconds
      await other.goto(tokenUrl());
      await other.locator('#conn[data-mode="polling"]').waitFor();
      await context.clearCookies();
      await other.locator('input[name="token"][type="password"]').waitFor();
      expect(other.url()).toBe(`${daemon.adminUrl}/`);
    }));

  it("a wrong token in the form shows the form again with a message, and no session", () =>
    inNewBrowserSession(async (other, context) => {
      await other.goto(`${daemon.adminUrl}/`);
      await other.locator('input[name="token"]').fill("not-the-admin-token-0123");
      await other.locator('button[type="submit"]').click();
      await other.locator("#problem", { hasText: "not the admin token" }).waitFor();
      expect(await other.locator("#ports").count()).toBe(0);
      expect((await context.cookies()).filter((c) => c.name.startsWith("simgate_session_"))).toEqual([]);
      expect(await other.content()).not.toContain("not-the-admin-token-0123");
    }));

  it("shows one tile per port with the daemon's state, number and network", async () => {
    const status = await daemon.status();
    await page.waitForFunction((n) => document.querySelectorAll(".tile").length === n, status.ports.length);
    for (const p of status.ports) {
      const t = tile(p.id);
      expect(await t.getAttribute("data-state")).toBe(p.state);
      expect(await t.locator('[data-field="number"]').textContent()).toBe(p.number ?? "no number");
      if (p.network) expect(await t.locator('[data-field="network"]').textContent()).toBe(`${p.network.operator} · ${p.network.country}`);
      expect(await t.locator('[data-field="activation"]').isHidden()).toBe(true);
    }
    const ready = status.ports.filter((p: any) => p.state === "ready").length;
    expect(await page.locator("#ports-ready").textContent()).toBe(`${ready}/${status.ports.length}`);
    const chips = await page.locator("#sellable li").evaluateAll((lis) => lis.map((li) => `${(li as HTMLElement).dataset["country"]}/${(li as HTMLElement).dataset["operator"]}=${li.querySelector("b")?.textContent}`));
    expect(chips.sort()).toEqual(status.totals.sellable.filter((s: any) => s.sims > 0).map((s: any) => `${s.country}/${s.operator}=${s.sims}`).sort());
  });

  it("shows an order on its tile with the service and the time left", async () => {
    expect(await fake.marketplace!.pollOnce()).toBe(true);
    order = (await fake.marketplace!.orderOnce())!;
    expect(order).toBeDefined();
    const t = await tileOfNumber(order.number);
    await t.locator('[data-field="service"]', { hasText: order.service }).waitFor();
    expect(await t.locator('[data-field="time-left"]').textContent()).toMatch(/^1[45]:\d\d left$/);
    await page.locator("#open-activations", { hasText: /^1$/ }).waitFor();
  });

  it("shows an SMS injected at the modem without a reload, the code hidden until clicked", async () => {
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const text = "Telegram code 48213. Не сообщайте код";
    const injected = await daemon.adminPost("/api/simulator/sms", { number: `+${order.number}`, sender: "Telegram", text });
    expect(injected.status).toBe(200);
    const t = await tileOfNumber(order.number);
    await t.locator('[data-field="sms-sender"]', { hasText: "Telegram" }).waitFor();
    const shown = t.locator('[data-field="sms-text"]');
    expect(await shown.textContent()).toBe("Telegram code •••••. Не сообщайте код");
    await t.locator(".sms").click();
    await t.locator('[data-field="sms-text"][data-revealed="true"]').waitFor();
    expect(await shown.textContent()).toBe(text);
    await page.locator("#sms-today", { hasText: /^1$/ }).waitFor();
    // Same document all along: the page updated itself.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });

  it("adds a FINISH with status 3 to the earnings per marketplace and currency, today and all time, and frees the tile", async () => {
    await page.locator("#earnings-markets tbody tr", { hasText: "nothing sold yet" }).waitFor();
    expect(await fake.marketplace!.finish(order.activationId, 3)).toBe(true);
    await page.locator("#earnings", { hasText: `${order.sum.toFixed(2)} RUB` }).waitFor();
    expect(await page.locator("#earnings-today").textContent()).toBe(`today ${order.sum.toFixed(2)} RUB`);
    const row = page.locator('#earnings-markets tr[data-market="onlinesim"][data-currency="RUB"]');
    await row.waitFor();
    expect(await row.locator("td").allTextContents()).toEqual(["onlinesim", "RUB", "1", order.sum.toFixed(2), "1", order.sum.toFixed(2)]);
    expect(await page.locator("#earnings-markets tbody tr").count()).toBe(1);
    await page.locator("#open-activations", { hasText: /^0$/ }).waitFor();
    const t = await tileOfNumber(order.number);
    await t.locator('[data-field="activation"]').waitFor({ state: "hidden" });
    const status = await daemon.status();
    expect(status.totals).toMatchObject({ earnings: order.sum, smsToday: 1, openActivations: 0 });
    expect(status.totals.earningsByMarket).toEqual([{ market: "onlinesim", currency: "RUB", sold: 1, amount: order.sum, today: { sold: 1, amount: order.sum } }]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "status-page.png"), fullPage: true });
  });

  it("loads nothing from another host, logs no errors and never shows the key", async () => {
    const origin = new URL(daemon.adminUrl).origin;
    expect(requested.length).toBeGreaterThan(0);
    for (const url of requested) expect(new URL(url).origin, url).toBe(origin);
    expect(problems, JSON.stringify(problems)).toEqual([]);
    expect(await page.content()).not.toContain(E2E_KEY);
    expect(await page.content()).not.toContain(daemon.adminToken!);
    // What the page received over the event stream, read the way the page reads it.
    const events = await page.evaluate(async () => {
      const ctrl = new AbortController();
      const res = await fetch("/api/events", { signal: ctrl.signal });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n\n")) text += (await reader.read()).value ?? "";
      ctrl.abort();
      return text;
    });
    expect(events).toMatch(/^retry: \d+\nevent: status\ndata: \{/);
    expect(events).not.toContain(E2E_KEY);
    expect(events).not.toContain(daemon.adminToken!);
  });

  it("falls back to polling when the event stream is blocked, and still shows every port", async () => {
    const second = await page.context().newPage(); // the same browser session: logged in
    try {
      second.setDefaultTimeout(UI_TIMEOUT);
      await second.route("**/api/events", (route) => route.abort());
      await second.goto(`${daemon.adminUrl}/`);
      await second.locator('#conn[data-mode="polling"]').waitFor();
      const ports = (await daemon.status()).ports.length;
      await second.waitForFunction((n) => document.querySelectorAll(".tile").length === n, ports);
    } finally {
      await second.close();
    }
  });
});
