/**
 * End to end, a full state disk (issue 12, defect 9): the real daemon with its state
 * directory on a small tmpfs mounted for this test. /readyz used to stay 200 while every
 * database write failed. Now: fill the disk, keep ordering until a write fails, /readyz
 * is 503 with the reason and /metrics says the store is not writable; free the space and
 * /readyz is 200 again without anything else happening (the store probes while failing).
 *
 * Needs root (mount -t tmpfs). Without it the test fails and says so: it must not pass
 * without having filled a disk.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, rmdirSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_KEY, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const SERVICE = "telegram";
const mountPoint = mkdtempSync(join(tmpdir(), "simgate-tmpfs-"));
let mounted = false;
let mountProblem: string | undefined;
let daemon: DaemonProcess | undefined;

beforeAll(() => {
  try {
    // 3 MiB: the store (~200 KiB), its WAL (bounded at 1 MiB) and room to fill.
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", mountPoint], { stdio: "pipe" });
    mounted = true;
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    mountProblem = `cannot mount a tmpfs at ${mountPoint} (needs root or CAP_SYS_ADMIN): ${e.stderr?.toString().trim() || e.message}`;
  }
});

afterAll(async () => {
  await daemon?.proc.stop();
  if (mounted) execFileSync("umount", [mountPoint]);
  rmdirSync(mountPoint);
});

/** Write zeros until the file system says ENOSPC; returns the filler's path. */
function fillDisk(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (let i = 0; i < 100_000; i++) writeSync(fd, chunk);
    throw new Error("the disk never filled");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
    // Smaller pieces into what is left, so not even a page remains.
    for (let i = 0; i < 10_000; i++) {
      try {
        writeSync(fd, Buffer.alloc(512));
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

async function readyz(d: DaemonProcess): Promise<{ status: number; json: any }> {
  const res = await fetch(`${d.adminUrl}/readyz`);
  return { status: res.status, json: await res.json() };
}

/** One order and its release: two writes (create, close). True when the daemon sold a number. */
async function orderAndRelease(d: DaemonProcess): Promise<boolean> {
  const services = await d.partner({ action: "GET_SERVICES", key: E2E_KEY });
  const country = (services.json.countryList as any[]).find((c) => (c.operatorMap.any?.[SERVICE] ?? 0) > 0)?.country;
  if (country === undefined) return false;
  const r = await d.partner({ action: "GET_NUMBER", key: E2E_KEY, country, operator: "any", service: SERVICE, sum: 10 });
  if (r.json.status !== "SUCCESS") return false;
  await d.partner({ action: "FINISH_ACTIVATION", key: E2E_KEY, activationId: r.json.activationId, status: 5 });
  return true;
}

describe("a full state disk", () => {
  it("/readyz answers 503 with the reason while writes fail, and 200 again once space is freed", { timeout: 180_000 }, async () => {
    if (!mounted) throw new Error(mountProblem);
    const stateDir = join(mountPoint, "state");
    mkdirSync(stateDir, { mode: 0o700 });
    daemon = await startDaemonProcess({ modems: 3, stateDir, config: { engine: { services: [SERVICE] }, store: { lowSpaceWarnBytes: 1024 * 1024 } } });
    await waitSettled(daemon, 3);
    expect((await readyz(daemon)).status).toBe(200);
    expect(await orderAndRelease(daemon)).toBe(true);

    const filler = fillDisk(mountPoint);
    // Keep writing (bounded) until the store's disk refuses a write.
    let attempts = 0;
    while (attempts < 400 && (await readyz(daemon)).status !== 503) {
      attempts++;
      await orderAndRelease(daemon).catch(() => false);
    }
    expect((await readyz(daemon)).status, `/readyz after ${attempts} orders on a full disk`).toBe(503);
    const d = daemon;
    const notReady = await readyz(daemon);
    console.info(`disk full: /readyz 503 after ${attempts} orders: ${notReady.json.why}`);
    expect(notReady.json.status).toBe("not-ready");
    expect(notReady.json.why).toMatch(/^state database writes are failing: .*(SQLITE_FULL|ENOSPC|full|no space)/i);
    const metrics = await (await fetch(`${daemon.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/^simgate_store_writable 0$/m);
    const free = Number(/^simgate_state_dir_free_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(free).toBeLessThan(64 * 1024);

    unlinkSync(filler);
    // Nothing else happens: the store's own probe notices the space.
    await waitFor("/readyz to be 200 again", async () => (await readyz(d)).status === 200, 30_000, 200);
    expect(await orderAndRelease(daemon)).toBe(true);
    expect(await (await fetch(`${daemon.adminUrl}/metrics`)).text()).toMatch(/^simgate_store_writable 1$/m);
    expect(await daemon.proc.stop()).toBe(0);
    daemon = undefined;
    rmSync(stateDir, { recursive: true, force: true });
  });
});
