/**
 * The daemon as released: `node bin/simgate.js run` (the compiled dist/, as installed) in
 * its own process, on simulated modems that live in THIS process (their pty host is a
 * third process). So the daemon's figures — CPU from /proc/<pid>/stat, RSS and PSS from
 * /proc/<pid>/smaps_rollup — are the daemon's alone, as on a host whose modems are
 * hardware, and the bench can still inject SMS and faults into the modems.
 *
 * The daemon is configured as an operator would: modem.paths/include name the simulated
 * links (a glob), mode v1 with PUSH_SMS going to the fake Onlinesim in this process, JSON
 * logs on stdout, and node gets the NODE_OPTIONS the systemd unit gives the service (V8's
 * heap sizing; serviceNodeOptions). The bench follows the daemon through those log lines (port states as
 * they change, no polling), and reaches the partner endpoint over loopback HTTP.
 * Everything is bounded in time and removed on close.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { FakeOnlinesim } from "../src/onlinesim/fake/index.js";
import { startSimulatedPool, type SimulatedPool, type SimulatedPoolModem } from "../src/sim/pool.js";
import { sleep } from "./daemon-harness.js";

export const RELEASE_KEY = "bench-release-key-0123";
const REPO = fileURLToPath(new URL("..", import.meta.url));
/** The binary to measure: the checkout's compiled build unless SIMGATE_BENCH_BIN names another (an older build, for a before/after). */
export const SIMGATE_BIN = process.env["SIMGATE_BENCH_BIN"] ?? join(REPO, "bin", "simgate.js");

/**
 * NODE_OPTIONS as the service runs the daemon: the `Environment=NODE_OPTIONS=` line of the
 * measured build's own systemd/simgate.service (V8 heap sizing), or none when its unit sets
 * none. SIMGATE_BENCH_NODE_OPTIONS replaces it, to try a setting before it goes in the unit.
 */
export function serviceNodeOptions(bin: string = SIMGATE_BIN): string | undefined {
  if (process.env["SIMGATE_BENCH_NODE_OPTIONS"] !== undefined) return process.env["SIMGATE_BENCH_NODE_OPTIONS"] || undefined;
  const unit = join(dirname(bin), "..", "systemd", "simgate.service");
  if (!existsSync(unit)) return undefined;
  return /^Environment=NODE_OPTIONS=(.+)$/m.exec(readFileSync(unit, "utf8"))?.[1]?.trim();
}

export interface ReleasedDaemonOptions {
  modems: number;
  seed: string;
  /** Delay of every simulated reply, ms (0 = at once). */
  latencyMs?: number;
  /** Extra `modem` config keys (timings). */
  modem?: Record<string, unknown>;
  /** Extra node flags for the daemon (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Bound on start-up until every port has settled. */
  startTimeoutMs?: number;
}

export interface LogLine {
  /** When the daemon logged it (the line's own `time`, epoch ms: the same clock as Date.now() here). */
  at: number;
  line: Record<string, unknown>;
}

export interface ReleasedDaemon {
  readonly pid: number;
  /** performance.now() here when the daemon process was spawned (≈ the start of a --cpu-prof profile). */
  readonly spawnedAt: number;
  readonly sim: SimulatedPool;
  readonly fake: FakeOnlinesim;
  readonly partnerUrl: string;
  /** Port id (the simulated link) → its state as the daemon last logged it. */
  readonly states: ReadonlyMap<string, string>;
  /** Modems whose port is ready (sellable) now. */
  ready(): SimulatedPoolModem[];
  /** Resolves with the first log line from now on that `match` accepts; rejects after `timeoutMs`. */
  nextLog(match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<LogLine>;
  /** CPU time (user + system) the daemon process has used, ms. */
  cpuMs(): number;
  /** Resident, proportional and private (USS) set size of the daemon process, bytes. */
  memory(): ProcessMemory;
  /** SIGTERM, wait for the exit (a profile is written then), remove everything. */
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** utime + stime of a process, ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface ProcessMemory {
  rss: number;
  /** Shared pages split among the processes that map them: what this process adds to the machine. */
  pss: number;
  /** Private pages only: unlike PSS it does not move when other node processes come and go. */
  uss: number;
}

/** RSS, PSS and USS from /proc/<pid>/smaps_rollup, bytes. */
export function processMemory(pid: number): ProcessMemory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb("Rss"), pss: kb("Pss"), uss: kb("Private_Clean") + kb("Private_Dirty") };
}

/** The bench's environment with the service's NODE_OPTIONS (not the bench's own), the key and JSON logs. */
function daemonEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _bench, ...env } = process.env;
  const nodeOptions = serviceNodeOptions();
  return { ...env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), SIMGATE_ONLINESIM_KEY: RELEASE_KEY, SIMGATE_LOG_FORMAT: "json" };
}

export async function startReleasedDaemon(o: ReleasedDaemonOptions): Promise<ReleasedDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "simgate-bench-release-"));
  const simDir = join(dir, "modems");
  mkdirSync(simDir);
  let sim: SimulatedPool | undefined;
  let child: ChildProcess | undefined;
  const fake = new FakeOnlinesim({ key: RELEASE_KEY });
  const cleanup = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child?.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await sim?.close();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    sim = await startSimulatedPool({ count: o.modems, dialect: "mixed", seed: o.seed, attach: "pty", dir: simDir });
    if (o.latencyMs) for (const m of sim.modems) m.modem.faults.latencyMs = o.latencyMs;
    const urls = await fake.start();
    const glob = join(simDir, "modem*");
    const [partnerPort, adminPort] = [await freePort(), await freePort()];
    const config = {
      stateDir: join(dir, "state"),
      logLevel: "info",
      http: { listen: `127.0.0.1:${partnerPort}` },
      admin: { listen: `127.0.0.1:${adminPort}`, token: "bench-admin-token-0123456789" },
      onlinesim: { mode: "v1", push: { url: urls.pushSms } },
      modem: { paths: [glob], include: [glob], ...o.modem },
      engine: { services: ["telegram", "whatsapp", "google"] },
    };
    const configFile = join(dir, "simgate.json");
    writeFileSync(configFile, JSON.stringify(config));
    const spawnedAt = performance.now();
    child = spawn(process.execPath, [...(o.nodeArgs ?? []), SIMGATE_BIN, "run", "--config", configFile], {
      stdio: ["ignore", "pipe", "pipe"],
      env: daemonEnv(),
    });
    const proc = child;
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const states = new Map<string, string>();
    const waiters = new Set<(l: LogLine) => void>();
    createInterface({ input: proc.stdout! }).on("line", (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      const at = typeof line["time"] === "number" ? line["time"] : Date.now();
      if (line["event"] === "port-state" && typeof line["port"] === "string") states.set(line["port"], String(line["to"]));
      for (const w of [...waiters]) w({ at, line });
    });
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const nextLog = (match: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<LogLine> =>
      new Promise((resolve, reject) => {
        const done = (err: Error | null, l?: LogLine) => {
          clearTimeout(timer);
          waiters.delete(onLine);
          if (err) reject(err);
          else resolve(l!);
        };
        const onLine = (l: LogLine) => match(l.line) && done(null, l);
        const timer = setTimeout(() => done(new Error(`bench: no matching daemon log line within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.add(onLine);
        void exited.then(() => done(new Error(`bench: the daemon exited; stderr: ${stderr}`)));
      });
    const ready = () => sim!.modems.filter((m) => states.get(m.path) === "ready");

    // Up when the first discovery pass is done; settled when the ready set has been quiet for 2 s.
    const deadline = performance.now() + (o.startTimeoutMs ?? 120_000);
    await nextLog((l) => l["event"] === "daemon-ready", o.startTimeoutMs ?? 120_000);
    let last = "";
    let since = performance.now();
    for (;;) {
      const key = ready().map((m) => m.path).join(",");
      if (key !== last) {
        last = key;
        since = performance.now();
      } else if (ready().length > 0 && performance.now() - since >= 2_000) {
        break;
      }
      if (performance.now() > deadline) throw new Error(`bench: ${ready().length}/${o.modems} ports ready after ${o.startTimeoutMs ?? 120_000} ms; stderr: ${stderr}`);
      await sleep(100);
    }
    const pid = proc.pid!;
    return {
      pid,
      spawnedAt,
      sim,
      fake,
      partnerUrl: `http://127.0.0.1:${partnerPort}`,
      states,
      ready,
      nextLog,
      cpuMs: () => processCpuMs(pid),
      memory: () => processMemory(pid),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
