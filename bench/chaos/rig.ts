/**
 * One chaos rig: the simulated modems (sim-host.ts), optionally Onlinesim (market-host.ts),
 * and the daemon under test — `bin/simgate.js run`, the compiled build a user installs —
 * each in its own process, talking over real ptys and loopback HTTP. The daemon's ports
 * are fixed for the rig's life, so Onlinesim keeps calling the same URL across restarts,
 * as it does across a real daemon's crashes.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitFor } from "../../test/helpers/daemon.js";
import { spawnChild, jsonLine, type Child } from "./children.js";
import { callJson } from "./json-http.js";
import type { Ledger } from "./ledger.js";
import type { MarketHostOptions } from "./market-host.js";
import type { SimHostModem } from "./sim-host.js";

export const REPO = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const SIMGATE = join(REPO, "bin", "simgate.js");
const HERE = join(REPO, "bench", "chaos");

export const CHAOS_KEY = "chaos-partner-key-0123456789";
export const CHAOS_ADMIN_TOKEN = "chaos-admin-token-0123456789";

/** `count` service names the daemon sells: each (number, service) sells once (status 3), so many keep the pool busy. */
export const serviceNames = (count: number): string[] => Array.from({ length: count }, (_, i) => `svc${String(i).padStart(3, "0")}`);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `check` until it returns something other than undefined/false (bounded); the e2e tests' waitFor. */
export const until = waitFor;
export { freePort };

export interface RigOptions {
  /** Directory for this rig's state, links and logs (created). */
  dir: string;
  modems: number;
  seed: string;
  services: number;
  /** Where simgate.db lives (default dir/state): a small tmpfs for the full-disk scenario. */
  stateDir?: string;
  /** Start Onlinesim too (the fake's buyer, services, front door) with these settings. */
  market?: Partial<Omit<MarketHostOptions, "key" | "partnerUrl" | "simulatorUrl" | "frontDoorPort">>;
  /** Merged into the daemon's config file. */
  config?: Record<string, unknown>;
}

export interface DaemonRun {
  child: Child;
  generation: number;
  spawnedAt: number;
  /** When /readyz first answered 200. */
  readyAt: number;
  /** The daemon's JSON log lines from now on (ends with the process). */
  onLog(listener: (line: Record<string, unknown>) => void): () => void;
}

const MARKET_DEFAULTS: Omit<MarketHostOptions, "key" | "partnerUrl" | "simulatorUrl" | "frontDoorPort"> = {
  latencyMs: 0,
  seed: 1,
  pollMs: 1_000,
  orderEveryMs: 200,
  smsPerOrder: 1,
  smsDelayMs: { min: 300, max: 2_000 },
  closeAfterSmsMs: 200,
  smsWindowMs: 600_000,
  ordering: true,
};

export class Rig {
  sim!: { child: Child; control: string; modems: SimHostModem[] };
  market?: { child: Child; control: string };
  daemon?: DaemonRun;
  generation = 0;
  readonly ports = { partner: 0, admin: 0, frontDoor: 0 };
  readonly stateDir: string;
  readonly configFile: string;
  private readonly tsx = ["--import", "tsx"];

  private constructor(readonly o: RigOptions) {
    this.stateDir = o.stateDir ?? join(o.dir, "state");
    this.configFile = join(o.dir, "simgate.json");
  }

  get partnerUrl(): string {
    return `http://127.0.0.1:${this.ports.partner}`;
  }

  get adminUrl(): string {
    return `http://127.0.0.1:${this.ports.admin}`;
  }

  /** Modems up, config written, Onlinesim listening (its buyer starts once a daemon answers). */
  static async start(o: RigOptions): Promise<Rig> {
    const rig = new Rig(o);
    try {
      await rig.boot();
    } catch (err) {
      await rig.close();
      throw err;
    }
    return rig;
  }

  private async boot(): Promise<void> {
    const o = this.o;
    const simDir = join(o.dir, "sim");
    mkdirSync(simDir, { recursive: true });
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    this.ports.partner = await freePort();
    this.ports.admin = await freePort();
    this.ports.frontDoor = await freePort();

    const simChild = spawnChild("sim-host", process.execPath, [...this.tsx, join(HERE, "sim-host.ts"), JSON.stringify({ modems: o.modems, seed: o.seed, dir: simDir })], {
      cwd: REPO,
      stdinPipe: true,
      logFile: join(o.dir, "sim-host.log"),
    });
    const simReady = await simChild.waitLine("ready line", (l) => (jsonLine(l)?.["event"] === "ready" ? (jsonLine(l) as { control: string; modems: SimHostModem[] }) : undefined), 60_000);
    this.sim = { child: simChild, control: simReady.control, modems: simReady.modems };

    // udevadm answers nothing: the ptys are unknown to udev anyway, and on hosts where udev
    // lists never-initialised ttys the hot-plug watcher would rescan for them all the time
    // (see bench/daemon-harness.ts hideUdevadm), which is load the scenarios do not measure.
    const noUdev = join(o.dir, "no-udev-bin");
    mkdirSync(noUdev, { recursive: true });
    writeFileSync(join(noUdev, "udevadm"), "#!/bin/sh\nexit 1\n");
    chmodSync(join(noUdev, "udevadm"), 0o755);

    const config = {
      stateDir: this.stateDir,
      logLevel: "info",
      admin: { token: CHAOS_ADMIN_TOKEN },
      onlinesim: { mode: "v1", push: { url: `http://127.0.0.1:${this.ports.frontDoor}/v1/PUSH_SMS`, rentUrl: `http://127.0.0.1:${this.ports.frontDoor}/v1/PUSH_SMS_RENT` } },
      modem: { paths: [join(simDir, "modem*")] },
      engine: { services: serviceNames(o.services) },
      ...o.config,
    };
    writeFileSync(this.configFile, JSON.stringify(config, null, 2));

    if (o.market) {
      const m: MarketHostOptions = {
        ...MARKET_DEFAULTS,
        ...o.market,
        key: CHAOS_KEY,
        partnerUrl: this.partnerUrl,
        simulatorUrl: this.sim.control,
        frontDoorPort: this.ports.frontDoor,
      };
      const marketChild = spawnChild("market-host", process.execPath, [...this.tsx, join(HERE, "market-host.ts"), JSON.stringify(m)], {
        cwd: REPO,
        stdinPipe: true,
        logFile: join(o.dir, "market-host.log"),
      });
      const ready = await marketChild.waitLine("ready line", (l) => (jsonLine(l)?.["event"] === "ready" ? (jsonLine(l) as { control: string }) : undefined), 60_000);
      this.market = { child: marketChild, control: ready.control };
    }
  }

  /** Spawn `simgate run` and wait for /readyz 200 (bounded); throws with its stderr if it exits first. */
  async startDaemon(readyTimeoutMs = 90_000): Promise<DaemonRun> {
    const generation = ++this.generation;
    const spawnedAt = Date.now();
    const child = spawnChild(
      `simgate run #${generation}`,
      process.execPath,
      [SIMGATE, "run", "--config", this.configFile, "--state-dir", this.stateDir, "--listen", `127.0.0.1:${this.ports.partner}`, "--admin", `127.0.0.1:${this.ports.admin}`],
      {
        cwd: REPO,
        env: { SIMGATE_ONLINESIM_KEY: CHAOS_KEY, SIMGATE_LOG_FORMAT: "json", PATH: `${join(this.o.dir, "no-udev-bin")}:${process.env["PATH"] ?? "/usr/bin:/bin"}` },
        logFile: join(this.o.dir, "daemon.log"),
      },
    );
    const run: DaemonRun = {
      child,
      generation,
      spawnedAt,
      readyAt: 0,
      onLog: (listener) =>
        child.onLine((line) => {
          const j = jsonLine(line);
          if (j) listener(j);
        }),
    };
    this.daemon = run;
    const outcome = await until(
      `simgate run #${generation} to answer /readyz 200`,
      async () => (child.hasExited() ? "exited" : (await fetch(`${this.adminUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })).ok && "ready"),
      readyTimeoutMs,
      50,
    ).catch((err: unknown) => {
      if (child.hasExited()) return "exited";
      throw err;
    });
    if (outcome === "exited") throw new DaemonExited(child.stderr());
    run.readyAt = Date.now();
    return run;
  }

  async killDaemon(): Promise<number> {
    const at = Date.now();
    await this.daemon?.child.kill();
    return at;
  }

  /** SIGTERM (a clean stop); the exit code. */
  async stopDaemon(): Promise<number | string | undefined> {
    const code = await this.daemon?.child.stop(15_000);
    return code;
  }

  /** POST a v1 body to the partner endpoint (the key added). */
  async partner(body: Record<string, unknown>, timeoutMs = 15_000): Promise<{ status: number; json: any }> {
    const res = await fetch(this.partnerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: CHAOS_KEY, ...body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) };
  }

  /** GET an admin API path with the admin token. */
  async admin(path: string): Promise<any> {
    const res = await fetch(`${this.adminUrl}${path}`, { headers: { authorization: `Bearer ${CHAOS_ADMIN_TOKEN}` }, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return res.json();
  }

  /** One Prometheus sample (first match of `name{labels}`), or undefined. */
  async metric(name: string, labels = ""): Promise<number | undefined> {
    const text = await (await fetch(`${this.adminUrl}/metrics`, { signal: AbortSignal.timeout(15_000) })).text();
    const escaped = `${name}${labels}`.replace(/[{}"\\]/g, (c) => `\\${c}`);
    const m = new RegExp(`^${escaped} (\\S+)$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  }

  /** Numbers offered now for the first service (what GET_SERVICES says, summed over countries). */
  async offered(service = serviceNames(1)[0]!): Promise<number> {
    const r = await this.partner({ action: "GET_SERVICES" });
    return ((r.json.countryList ?? []) as Array<{ operatorMap: Record<string, Record<string, number>> }>).reduce((n, c) => n + (c.operatorMap["any"]?.[service] ?? 0), 0);
  }

  async marketCall<T = any>(path: string, body?: unknown): Promise<T> {
    if (!this.market) throw new Error("this rig has no Onlinesim");
    return callJson<T>(`${this.market.control}${path}`, body);
  }

  ledger(): Promise<{ ledger: Ledger; stats: Record<string, unknown>; violations: Array<{ what: string; detail: string }> }> {
    return this.marketCall("/ledger");
  }

  /**
   * Stop buying, then wait (bounded) until every SMS the services sent is accounted for:
   * pushed, or refused by Onlinesim. Resolves with whether it got there and how long it took.
   */
  async drain(timeoutMs: number): Promise<{ drained: boolean; ms: number; pending: { textsInFlight: number; unaccounted: number; unfinished: number } }> {
    const t0 = Date.now();
    await this.marketCall("/orders", { on: false });
    let pending = await this.marketCall("/pending");
    const drained = await until("every SMS pushed", async () => {
      pending = await this.marketCall("/pending");
      return pending.textsInFlight === 0 && pending.unaccounted === 0;
    }, timeoutMs, 200).then(
      () => true,
      () => false,
    );
    return { drained, ms: Date.now() - t0, pending };
  }

  simCall<T = any>(path: string, body?: unknown): Promise<T> {
    return callJson<T>(`${this.sim.control}${path}`, body);
  }

  /** End everything this rig started (SIGKILL for the daemon if a clean stop hangs). */
  async close(): Promise<void> {
    await this.daemon?.child.stop(10_000).catch(() => undefined);
    await this.market?.child.stop(10_000).catch(() => undefined);
    await this.sim?.child.stop(10_000).catch(() => undefined);
  }
}

/** The daemon exited instead of becoming ready; the message is its last stderr line. */
export class DaemonExited extends Error {
  constructor(readonly stderr: string) {
    super(`simgate run exited before it was ready: ${stderr.trim().split("\n").at(-1) ?? "(no stderr)"}`);
  }
}
