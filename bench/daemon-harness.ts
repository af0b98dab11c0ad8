/**
 * The real daemon in this process (startDaemon: store, engine, partner endpoint, PUSH_SMS and
 * v2 senders, admin listener) on N simulated modems over real pseudo-terminals, with the
 * fake Onlinesim in the same process receiving what it sends. Shared by bench/sms-latency.ts
 * and bench/withdrawal.ts. Everything listens on 127.0.0.1 on ports the OS picks, logs go
 * to /dev/null at the daemon's default level (info) through pino's own destination, the
 * state lives in a temp directory removed on close.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { destination } from "pino";
import { validateConfig } from "../src/config/load.js";
import { startDaemon, type Daemon } from "../src/daemon/daemon.js";
import { createLogger } from "../src/log/logger.js";
import { FakeOnlinesim } from "../src/onlinesim/fake/index.js";
import type { PortView } from "../src/modem/port-map.js";

export const BENCH_KEY = "bench-onlinesim-key-0123";

export interface BenchDaemon {
  daemon: Daemon;
  fake: FakeOnlinesim;
  /** The temp directory (state, simulated links); removed by close(). */
  dir: string;
  partnerUrl: string;
  /** Ports ready to sell once the pool settled. */
  ready: PortView[];
  /** From startDaemon to a settled pool. */
  startMs: number;
  close(): Promise<void>;
}

export interface BenchDaemonOptions {
  modems: number;
  seed: string;
  /** Delay of every simulated reply (SimulateOptions.latencyMs); 0 = the simulator's default. */
  latencyMs: number;
  /** The `onlinesim` section besides key and the fake's URLs. */
  onlinesim: Record<string, unknown>;
  /** Filled with the fake's URLs: v1 → push.url, v2 → v2.baseUrl. */
  mode: "v1" | "v2";
  /** "absent": hideUdevadm() for the daemon's life; "host": this machine's udevadm. */
  udev: "absent" | "host";
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` every `everyMs` until it returns a value (not undefined), or throw after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs: number, everyMs = 20): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Make `udevadm` (spawned by the daemon's port discovery through PATH) answer nothing, as on
 * a host without udev (containers, CI); returns the undo. Why a benchmark wants this: on
 * this VM udevadm is installed but udevd is not running, /dev/ttyS0 is listed as never
 * initialised, and the hot-plug watcher rescans for it every few hundred ms for as long
 * as the daemon runs (two synchronous udevadm spawns each): see the idle rows of
 * bench/sms-latency.ts and docs/benchmarks.md. The simulated modems are ptys; udev knows
 * nothing about them either way.
 */
export function hideUdevadm(dir: string): () => void {
  const bin = join(dir, "no-udev-bin");
  mkdirSync(bin, { recursive: true });
  const shim = join(bin, "udevadm");
  writeFileSync(shim, "#!/bin/sh\n# simgate bench: no udev on this host\nexit 1\n");
  chmodSync(shim, 0o755);
  const before = process.env["PATH"];
  process.env["PATH"] = `${bin}:${before ?? "/usr/bin:/bin"}`;
  return () => {
    if (before === undefined) delete process.env["PATH"];
    else process.env["PATH"] = before;
  };
}

export async function startBenchDaemon(o: BenchDaemonOptions): Promise<BenchDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "simgate-bench-daemon-"));
  const fake = new FakeOnlinesim({ key: BENCH_KEY });
  let daemon: Daemon | undefined;
  const restorePath = o.udev === "absent" ? hideUdevadm(dir) : () => undefined;
  const close = async (): Promise<void> => {
    try {
      await daemon?.close();
    } finally {
      restorePath();
      await fake.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const urls = await fake.start();
    const onlinesim =
      o.mode === "v1"
        ? { ...o.onlinesim, mode: "v1", key: BENCH_KEY, push: { ...((o.onlinesim["push"] as object) ?? {}), url: urls.pushSms } }
        : { ...o.onlinesim, mode: "v2", key: BENCH_KEY, v2: { ...((o.onlinesim["v2"] as object) ?? {}), baseUrl: urls.v2 } };
    const config = validateConfig({ stateDir: dir, http: { listen: "127.0.0.1:0" }, onlinesim }, "bench config");
    const logger = createLogger({ level: config.logLevel, destination: destination({ dest: "/dev/null", sync: true }) as unknown as NodeJS.WritableStream });
    const started = performance.now();
    daemon = await startDaemon({
      config,
      logger,
      simulate: { count: o.modems, seed: o.seed, dialect: "mixed", ...(o.latencyMs > 0 ? { latencyMs: o.latencyMs } : {}) },
      adminListen: "127.0.0.1:0",
    });
    const d = daemon;
    await d.pool.waitSettled(120_000);
    // A number learned by USSD makes its SIM sellable a little after the bring-up: wait
    // until the ready set has not changed for a second (bounded).
    let last = "";
    let since = performance.now();
    const ready = await waitFor(
      "a quiet port map",
      () => {
        const now = d.map.sellable().filter((p) => p.number !== null);
        const key = now.map((p) => `${p.id}:${p.number}`).join(",");
        if (key !== last) {
          last = key;
          since = performance.now();
          return undefined;
        }
        return performance.now() - since >= 1_000 ? now : undefined;
      },
      30_000,
      100,
    );
    return { daemon: d, fake, dir, partnerUrl: d.partner.url, ready, startMs: performance.now() - started, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
