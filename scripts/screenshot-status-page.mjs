#!/usr/bin/env node
// Regenerate docs/img/status-page.png: a simulated pool (`simgate run --simulate 8`) with the
// fake Onlinesim buying from it and its "services" sending verification SMS (`simgate
// fake-onlinesim --partner … --sms-via …`) for a while, so the page shows orders, SMS and
// earnings; then Debian's chromium (headless, via playwright-core) takes the picture.
//
//   node scripts/screenshot-status-page.mjs [--seconds 20] [--out docs/img/status-page.png]
//
// Everything runs on loopback with throw-away state; both processes are stopped at the end.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const SIMGATE = join(ROOT, "bin", "simgate.js");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const KEY = "screenshot-demo-key";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "20" }, out: { type: "string", default: join(ROOT, "docs", "img", "status-page.png") } } });
const seconds = Number(values.seconds);

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer().once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(args, env = {}) {
  const child = spawn(process.execPath, [SIMGATE, ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...env } });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return { child, exited, stderr: () => stderr, stop: () => (child.exitCode === null && child.signalCode === null && child.kill("SIGTERM"), exited) };
}

async function waitReady(url, proc, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`simgate run exited: ${proc.stderr()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${proc.stderr()}`);
}

const stateDir = mkdtempSync(join(tmpdir(), "simgate-screenshot-"));
const [partnerPort, adminPort, fakePort] = await Promise.all([freePort(), freePort(), freePort()]);
const fakeUrl = `http://127.0.0.1:${fakePort}`;
const adminUrl = `http://127.0.0.1:${adminPort}`;
const configFile = join(stateDir, "simgate.json");
writeFileSync(configFile, JSON.stringify({ onlinesim: { mode: "v1", push: { url: `${fakeUrl}/v1/PUSH_SMS`, rentUrl: `${fakeUrl}/v1/PUSH_SMS_RENT`, retryMs: 1000 } } }));

const procs = [];
let browser;
try {
  const daemon = start(["run", "--simulate", "8", "--seed", "1", "--config", configFile, "--state-dir", stateDir, "--listen", `127.0.0.1:${partnerPort}`, "--admin", `127.0.0.1:${adminPort}`], { SIMGATE_ONLINESIM_KEY: KEY });
  procs.push(daemon);
  await waitReady(`${adminUrl}/readyz`, daemon);
  // The admin token the daemon generated at its first start (no admin.token in the config).
  const adminToken = readFileSync(join(stateDir, "admin-token"), "utf8").trim();
  const fake = start(["fake-onlinesim", "--listen", `127.0.0.1:${fakePort}`, "--partner", `http://127.0.0.1:${partnerPort}`, "--key", KEY, "--sms-via", adminUrl, "--poll-ms", "1000", "--order-every-ms", "900", "--modules", "8"], { SIMGATE_ADMIN_TOKEN: adminToken });
  procs.push(fake);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--headless=new"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  await page.goto(`${adminUrl}/?token=${encodeURIComponent(adminToken)}`); // logs in, then shows / without the token
  await page.locator('#conn[data-mode="live"]').waitFor({ timeout: 15_000 });
  process.stdout.write(`buying for ${seconds} s …\n`);
  await sleep(seconds * 1000);
  // Show one code revealed, as an operator debugging a delivery would.
  const sms = page.locator(".tile:not(.busy) .sms:not([hidden])").first();
  if (await sms.count()) await sms.click();
  await page.waitForTimeout(300);
  mkdirSync(dirname(values.out), { recursive: true });
  await page.screenshot({ path: values.out, fullPage: true });
  process.stdout.write(`wrote ${values.out}\n`);
} finally {
  await browser?.close();
  for (const p of procs.reverse()) await p.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
