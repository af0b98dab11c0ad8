/**
 * The store on a small, real disk (issue 12, defect 9): a tmpfs mounted for these tests.
 *
 * - The WAL is bounded: a burst of the daemon's writes fits a 2 MiB disk (with SQLite's
 *   defaults the WAL alone grew to ~4 MB before its first checkpoint and filled it).
 * - When the disk is full the store knows its writes fail (one error line, not one per
 *   write), warns once about low space, and recovers by itself once space is freed,
 *   losing nothing it had acknowledged.
 *
 * Needs root (mount -t tmpfs). Without it the tests fail and say so.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmdirSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { refusalExitCode, refusalLine } from "../../src/cli/refusal.js";
import { ErrorCode } from "../../src/errors.js";
import { measureWalPeak } from "../../bench/store-wal.js";
import { createLogger } from "../../src/log/logger.js";
import { WAL_LIMIT_BYTES } from "../../src/store/database.js";
import { openStore } from "../../src/store/index.js";
import { newActivation, reserve } from "./helpers.js";
import { perTestCleanup } from "./per-test.js";

const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) {
    execFileSync("umount", [m]);
    rmdirSync(m);
  }
});

/** A fresh tmpfs of `size` (mount -o size=…); throws saying why when it cannot be mounted. */
function smallDisk(size: string): string {
  const dir = mkdtempSync(join(tmpdir(), "simgate-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir], { stdio: "pipe" });
  } catch (err) {
    rmdirSync(dir);
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`cannot mount a tmpfs (needs root or CAP_SYS_ADMIN), so the disk cannot be filled: ${e.stderr?.toString().trim() || e.message}`);
  }
  mounts.push(dir);
  return dir;
}

function fill(dir: string): string {
  const file = join(dir, "filler");
  const fd = openSync(file, "w");
  try {
    for (const size of [64 * 1024, 4096, 512]) {
      for (let i = 0; i < 100_000; i++) {
        try {
          writeSync(fd, Buffer.alloc(size));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const { defer } = perTestCleanup();

describe("the store on a small disk", () => {
  it("a burst of writes fits a 2 MiB disk: the WAL stays bounded", { timeout: 120_000 }, async () => {
    const disk = smallDisk("2m");
    // ~2 KiB of rows per round: 450 rounds leave simgate.db near 1 MiB, so the WAL has well under 1 MiB.
    const r = await measureWalPeak(450, 60_000, disk);
    console.info(`WAL on a 2 MiB disk: ${r.rounds} rounds in ${r.ms} ms, WAL peak ${Math.round(r.peakWalBytes / 1024)} KiB, simgate.db + WAL peak ${Math.round(r.peakTotalBytes / 1024)} KiB`);
    expect(r.rounds).toBe(450);
    expect(r.peakWalBytes).toBeLessThanOrEqual(WAL_LIMIT_BYTES);
  });

  it("full: writes fail and the store says so once; freed: it recovers by itself and nothing acknowledged is lost", { timeout: 120_000 }, async () => {
    const disk = smallDisk("3m");
    const stateDir = join(disk, "state");
    mkdirSync(stateDir);
    const lines: Array<{ event?: string; msg: string; level: number }> = [];
    const logger = createLogger({ level: "info", destination: { write: (s: string) => s.split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))) } });
    const events = (name: string) => lines.filter((l) => l.event === name);
    const store = openStore({ stateDir, logger, lowSpaceWarnBytes: 1024 * 1024, diskCheckEveryMs: 50, writeProbeEveryMs: 100 });
    defer(() => store.close());
    expect(store.writeHealth()).toEqual({ writable: true });
    expect(events("store-low-space")).toEqual([]);

    const acknowledged: number[] = [];
    for (let i = 1; i <= 5; i++) acknowledged.push((await reserve(store.sales, newActivation(i))).id);

    const filler = fill(disk);
    await until("the low-space warning", () => events("store-low-space").length > 0);
    let failure: unknown;
    for (let i = 6; i < 3000 && failure === undefined; i++) {
      try {
        acknowledged.push((await reserve(store.sales, newActivation(i))).id);
      } catch (err) {
        failure = err;
      }
    }
    expect(failure, "writes kept succeeding on a full disk").toBeDefined();
    const state = store.writeHealth();
    expect(state.writable).toBe(false);
    expect(!state.writable && state.reason).toMatch(/SQLITE_FULL|ENOSPC|full|no space/i);
    // More failing writes: still one error line, and one low-space warning however often it was sampled.
    for (let i = 0; i < 20; i++) await expect(reserve(store.sales, newActivation(10_000 + i))).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(events("store-write-failing")).toHaveLength(1);
    expect(events("store-low-space")).toHaveLength(1);
    expect(store.diskSpace()!.freeBytes).toBeLessThan(64 * 1024);

    unlinkSync(filler);
    await until("writes to work again", () => store.writeHealth().writable);
    await until("the space-ok note", () => events("store-space-ok").length === 1);
    expect(events("store-writable")).toHaveLength(1);
    const after = (await reserve(store.sales, newActivation(20_000))).id;
    expect(after).toBeGreaterThan(Math.max(...acknowledged));

    store.close();
    const reopened = openStore({ stateDir });
    try {
      for (const id of acknowledged) expect(await reopened.sales.find(id), `activation ${id}`).toBeDefined();
      expect(await reopened.sales.find(after)).toBeDefined();
    } finally {
      reopened.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("a store that cannot start on a full disk says the disk is full, and what to do, in one line", { timeout: 60_000 }, () => {
    const disk = smallDisk("1m");
    const stateDir = join(disk, "state");
    mkdirSync(stateDir);
    fill(disk);
    let refusal: unknown;
    try {
      openStore({ stateDir }).close();
    } catch (err) {
      refusal = err;
    }
    expect(refusal, "a store opened on a full disk").toBeDefined();
    expect((refusal as { code?: unknown }).code).toBe(ErrorCode.StoreNoSpace);
    const line = refusalLine(refusal);
    expect(line).toMatch(/no space left/);
    expect(line).toMatch(/free space/);
    // Not the remedy for a permission problem: chown would not help.
    expect(line).not.toMatch(/chown|not writable by user/);
    expect(refusalExitCode(refusal)).toBe(1);
  });
});
