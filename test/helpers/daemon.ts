/**
 * The real daemon as a child process (`simgate run --simulate N`) for end-to-end tests:
 * a config file, free loopback ports, readiness, and small HTTP helpers for the partner
 * endpoint and the admin API. The admin helpers send the admin token: `admin.token` of
 * the test's config, else the one the daemon generated in its state directory
 * (`admin-token`), which is what `sudo simgate status` reads on a real host.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startSimgate, type LongRunning } from "./cli.js";

export const E2E_KEY = "e2e-partner-key-0123";

/**
 * A loopback port free now (bound and released), for where two processes must know each
 * other's URL up front or a restart must find the same port.
 *
 * Chosen below the kernel's ephemeral range (net.ipv4.ip_local_port_range): every other
 * test's listen(0) and every outgoing connection take their ports from that range, so
 * nobody else is handed this port between our release and the daemon's bind. A port
 * taken from listen(0) and released was once re-issued to a parallel test within that
 * window, and the daemon refused to start (address in use).
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  if (low < 12_000) return ephemeralPort(); // an unusual host: no room below the range
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await canBind(port)) return port;
  }
  return ephemeralPort();
}

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 0;
  } catch {
    return 0;
  }
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Poll `check` until it returns a value other than undefined/false (bounded). */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface DaemonProcess {
  proc: LongRunning;
  partnerUrl: string;
  adminUrl: string;
  stateDir: string;
  configFile: string;
  /** The admin token the daemon expects (config admin.token, else its generated state-dir file). */
  adminToken: string | undefined;
  /** `Authorization: Bearer <admin token>` for a fetch of the admin API. */
  adminHeaders: Record<string, string>;
  /** POST a v1 body to the partner endpoint; returns the HTTP status and JSON. */
  partner(body: unknown, path?: string): Promise<{ status: number; json: any }>;
  adminGet(path: string): Promise<any>;
  adminPost(path: string, body: unknown): Promise<{ status: number; json: any }>;
  /** The status document (GET /api/status). */
  status(): Promise<any>;
}

export interface StartDaemonOptions {
  modems?: number;
  seed?: string;
  config?: Record<string, unknown>;
  stateDir?: string;
  partnerPort?: number;
  adminPort?: number;
  extraArgs?: string[];
  /** Extra environment for the daemon process (SIMGATE_LOG_FORMAT, …); the Onlinesim key is always set. */
  env?: NodeJS.ProcessEnv;
}

export async function startDaemonProcess(o: StartDaemonOptions = {}): Promise<DaemonProcess> {
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), "simgate-e2e-"));
  const configFile = join(stateDir, "simgate.yaml");
  // stateDir in the file too (--state-dir below says the same): the admin CLI, given
  // --config, finds the daemon's generated admin token through it, as on a real host.
  writeFileSync(configFile, stringify({ stateDir, ...o.config }));
  const partnerPort = o.partnerPort ?? (await freePort());
  const adminPort = o.adminPort ?? (await freePort());
  const args = ["run", "--simulate", String(o.modems ?? 8), "--seed", o.seed ?? "1", "--config", configFile, "--state-dir", stateDir];
  args.push("--listen", `127.0.0.1:${partnerPort}`, "--admin", `127.0.0.1:${adminPort}`, ...(o.extraArgs ?? []));
  const proc = startSimgate(args, { env: { ...o.env, SIMGATE_ONLINESIM_KEY: E2E_KEY } });
  await proc.waitStderr(/partner endpoint (http:\S+), admin (http:[^,\s]+)/, 60_000);
  const partnerUrl = `http://127.0.0.1:${partnerPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const adminToken = adminTokenOf(stateDir, o.config);
  const adminHeaders: Record<string, string> = adminToken !== undefined ? { authorization: `Bearer ${adminToken}` } : {};
  const d: DaemonProcess = {
    proc,
    partnerUrl,
    adminUrl,
    stateDir,
    configFile,
    adminToken,
    adminHeaders,
    async partner(body, path = "/") {
      const res = await fetch(partnerUrl + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    },
    async adminGet(path) {
      const res = await fetch(adminUrl + path, { headers: adminHeaders });
      if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
      return res.json();
    },
    async adminPost(path, body) {
      const res = await fetch(adminUrl + path, { method: "POST", headers: { ...adminHeaders, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, json: await res.json() };
    },
    status: () => d.adminGet("/api/status"),
  };
  await waitFor("readyz", async () => (await fetch(`${adminUrl}/readyz`)).ok, 60_000);
  return d;
}

/** The token a daemon with this config and state directory expects, as the admin CLI finds it. */
export function adminTokenOf(stateDir: string, config?: Record<string, unknown>): string | undefined {
  const configured = (config?.["admin"] as { token?: string } | undefined)?.token;
  if (configured !== undefined) return configured;
  const file = join(stateDir, "admin-token");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

/** Ports the daemon can sell now (state ready with a number). */
export async function readyPorts(d: DaemonProcess): Promise<any[]> {
  return (await d.status()).ports.filter((p: any) => p.state === "ready" && p.number);
}

/**
 * Wait until the port map stops moving: nothing is probing or registering, and the set of
 * (port, state) pairs has not changed for `quietMs`. A SIM whose number is learned by USSD
 * becomes sellable a little after the others; counts compared before that would race it.
 */
export async function waitSettled(d: DaemonProcess, minReady: number, quietMs = 1_500, timeoutMs = 60_000): Promise<any[]> {
  let last = "";
  let since = Date.now();
  return waitFor(
    `a settled port map with ${minReady}+ sellable SIMs`,
    async () => {
      const ports: any[] = (await d.status()).ports;
      const key = ports.map((p) => `${p.id}=${p.state}:${p.number}`).join(",");
      if (key !== last) {
        last = key;
        since = Date.now();
        return undefined;
      }
      const moving = ports.some((p) => p.state === "probing" || p.state === "registering" || p.state === "absent");
      const ready = ports.filter((p) => p.state === "ready" && p.number);
      return !moving && ready.length >= minReady && Date.now() - since >= quietMs ? ready : undefined;
    },
    timeoutMs,
    100,
  );
}
