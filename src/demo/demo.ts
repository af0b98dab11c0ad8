/**
 * `simgate demo`: the embedded default a newcomer starts with. Starts `simgate run` on a
 * simulated rack with variety (src/sim/scenarios.ts) and `simgate fake-onlinesim` playing
 * a lively marketplace whose "services" text the ordered numbers, prints where to look and
 * a one-line summary every few seconds, and shuts both down cleanly on Ctrl-C. The daemon
 * logs JSON lines to simgate.log in the state directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { demoDaemonConfig } from "./config.js";
import { ensureStateDir } from "../host/state-dir.js";
import { portOrFree, spawnSimgate, waitForStderr, type Child } from "./processes.js";
import { RackEventPlayer } from "./rack-events.js";
import { formatSummary, SUMMARY_LEGEND, type DemoCounts } from "./summary.js";
import { daemonAdminToken } from "../http/admin/admin-token.js";

export interface DemoOptions {
  modems: number;
  seed: string;
  /** Keep state here (and keep it afterwards); default: a fresh temp dir, removed at the end. */
  stateDir?: string;
  adminPort: number;
  partnerPort: number;
  summaryMs: number;
  orderEveryMs: number;
  /** Stop by itself after this long (tests, CI); default: until stop() / Ctrl-C. */
  durationMs?: number;
  out: (line: string) => void;
}

export interface RunningDemo {
  adminUrl: string;
  /** The admin token of the demo's daemon (its generated <stateDir>/admin-token). */
  adminToken: string;
  partnerUrl: string;
  stateDir: string;
  /** Latest counts (for tests). */
  counts(): DemoCounts;
  /** Resolves when the demo ended (duration reached, a child died, or stop()). */
  done: Promise<number>;
  stop(): Promise<number>;
}

/** The key both sides use: a demo value, never a real Onlinesim key. */
const DEMO_KEY = "demo-partner-key";

/**
 * The fake Onlinesim's buyer closes its operations with these outcomes in turn (src/onlinesim/
 * fake/marketplace-options.ts): most get their SMS and are finished 3, and one in ten each is
 * finished 1, 4 and 5, so every status shows up within the first minute — and the demo's
 * test can rely on it instead of on luck.
 */
export const DEMO_OUTCOMES = ["sms", "sms", "1", "sms", "4", "sms", "sms", "5", "sms", "sms"] as const;

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const ownDir = o.stateDir === undefined;
  if (o.stateDir !== undefined) ensureStateDir(o.stateDir);
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), "simgate-demo-"));
  const [adminPort, partnerPort, fakePort] = [await portOrFree(o.adminPort), await portOrFree(o.partnerPort), await portOrFree(0)];
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const partnerUrl = `http://127.0.0.1:${partnerPort}`;
  const fakeBase = `http://127.0.0.1:${fakePort}`;
  const configFile = join(stateDir, "simgate-demo.yaml");
  writeFileSync(configFile, stringify(demoDaemonConfig({ fakeBase, modems: o.modems, seed: o.seed })));
  const logFile = join(stateDir, "simgate.log");

  const counts: DemoCounts = { startedAt: Date.now(), ports: 0, sellable: 0, orders: 0, delivered: 0, exact: 0, mismatched: 0, finishes: { 1: 0, 3: 0, 4: 0, 5: 0 }, earnings: 0, listed: 0, v2Messages: 0, violations: 0 };
  let daemon: Child | undefined;
  let fake: Child | undefined;
  let rack: RackEventPlayer | undefined;
  let summaryTimer: NodeJS.Timeout | undefined;
  let durationTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<number> | undefined;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));

  // The daemon stops first: on its way out it withdraws its numbers from the (still running) fake Onlinesim.
  const stop = (code = 0): Promise<number> =>
    (stopping ??= (async () => {
      clearInterval(summaryTimer);
      clearTimeout(durationTimer);
      rack?.stop();
      const codes = [await daemon?.stop(), await fake?.stop()].filter((c) => c !== undefined);
      if (ownDir) rmSync(stateDir, { recursive: true, force: true });
      const result = code !== 0 ? code : codes.every((c) => c === 0) ? 0 : 1;
      resolveDone(result);
      return result;
    })());

  // The admin token the daemon will use: made now, exactly as the daemon makes it at its first
  // start (<stateDir>/admin-token, 0600), because the fake's services need it before the
  // daemon runs. The daemon then finds the file and uses it.
  const adminToken = daemonAdminToken(undefined, stateDir).token;

  // Onlinesim is up before its partner, as in real life: the daemon's first pushes (the v2
  // number list) find it listening, and it starts buying once the partner endpoint answers.
  let fakeListening!: () => void;
  const fakeUp = new Promise<void>((r) => (fakeListening = r));
  let fakeErr = "";
  fake = spawnSimgate(
    [
      "fake-onlinesim", "--listen", `127.0.0.1:${fakePort}`, "--partner", partnerUrl, "--sms-via", adminUrl, "--key", DEMO_KEY,
      "--poll-ms", "2000", "--order-every-ms", String(o.orderEveryMs), "--sms-window-ms", "15000", "--outcomes", DEMO_OUTCOMES.join(","),
      "--await-partner-ms", "90000", "--modules", String(o.modems), "--summary-ms", "1000", "--json",
    ],
    {
      env: { SIMGATE_ADMIN_TOKEN: adminToken },
      onStderr: (t) => (fakeErr += t),
      onLine: (line) => {
        try {
          const s = JSON.parse(line);
          if (s.event === "listening") fakeListening();
          if (s.event !== "summary") return;
          Object.assign(counts, {
            orders: s.orders,
            delivered: s.pushSms,
            exact: s.servicesSms?.exact ?? 0,
            mismatched: s.servicesSms?.mismatched ?? 0,
            finishes: s.finishes,
            earnings: s.earnings,
            listed: s.v2?.lastNumbers ?? 0,
            v2Messages: s.v2?.messages ?? 0,
            violations: s.violations,
          });
        } catch {
          // Not a JSON line: the fake prints nothing else in --json mode.
        }
      },
    },
  );
  let daemonErr = "";
  try {
    await Promise.race([fakeUp, fake.exited.then((code) => Promise.reject(new Error(`exited with ${code}: ${fakeErr.trim().split("\n").at(-1) ?? ""}`)))]);
  } catch (err) {
    await stop(1);
    throw new Error(`the fake Onlinesim did not start: ${(err as Error).message}`);
  }
  daemon = spawnSimgate(
    ["run", "--simulate", String(o.modems), "--seed", o.seed, "--scenario", "demo", "--config", configFile, "--state-dir", stateDir, "--listen", `127.0.0.1:${partnerPort}`, "--admin", `127.0.0.1:${adminPort}`],
    { env: { SIMGATE_ONLINESIM_KEY: DEMO_KEY, SIMGATE_LOG_FORMAT: "json" }, logFile, onStderr: (t) => (daemonErr += t) },
  );
  try {
    await waitForStderr(daemon, /partner endpoint/, 60_000, () => daemonErr);
  } catch (err) {
    await stop(1);
    throw new Error(`the daemon did not start: ${(err as Error).message} (log: ${logFile})`);
  }
  for (const c of [daemon, fake]) void c.exited.then((code) => (stopping ? undefined : (o.out(`a demo process exited unexpectedly (${code}); stopping`), stop(1))));

  o.out(`simgate demo: ${o.modems} simulated modems (seed ${o.seed}) and a fake Onlinesim buying from them`);
  // With the token: one click logs the browser in (the page then drops it from the address bar).
  o.out(`  status page   ${adminUrl}/?token=${adminToken}`);
  o.out(`  partner API   ${partnerUrl}/  (what Onlinesim calls)`);
  o.out(`  daemon log    ${logFile}`);
  o.out(`  config        ${configFile}`);
  o.out(`  Ctrl-C stops both.`);
  for (const line of SUMMARY_LEGEND) o.out(line);
  rack = new RackEventPlayer(adminUrl, adminToken, o.modems, o.out);
  rack.start();
  summaryTimer = setInterval(() => void refreshPorts(adminUrl, adminToken, counts).then(() => o.out(formatSummary(counts))), o.summaryMs);
  if (o.durationMs !== undefined) durationTimer = setTimeout(() => void stop(0), o.durationMs);
  return { adminUrl, adminToken, partnerUrl, stateDir, counts: () => ({ ...counts }), done, stop: () => stop(0) };
}

async function refreshPorts(adminUrl: string, adminToken: string, counts: DemoCounts): Promise<void> {
  try {
    const res = await fetch(`${adminUrl}/api/status`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(2_000) });
    const status = (await res.json()) as { ports: Array<{ state: string }> };
    counts.ports = status.ports.length;
    counts.sellable = status.ports.filter((p) => p.state === "ready").length;
  } catch {
    // The summary keeps the last known port counts.
  }
}
