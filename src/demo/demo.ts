/**
 * `simgate demo`: the embedded default a newcomer starts with. Starts `simgate run` on a
 * simulated rack with variety (src/sim/scenarios.ts) selling the same SIMs on two lively
 * fake marketplaces at once, `simgate fake-onlinesim` and `simgate fake-market --protocol
 * smshub`, whose "services" text the ordered numbers; prints where to look and a summary
 * per marketplace every few seconds, and shuts all three down cleanly on Ctrl-C. The
 * daemon logs JSON lines to simgate.log in the state directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ensureStateDir } from "../host/state-dir.js";
import { portOrFree, spawnSimgate, waitForStderr, type Child } from "./processes.js";
import { RackEventPlayer } from "./rack-events.js";
import { emptyMarketCounts, formatSummary, SUMMARY_LEGEND, type DemoCounts } from "./summary.js";
import { DEMO_KEYS, fakeOnlinesimArgs, fakeSmshubArgs, onlinesimCounts, smshubCounts } from "./marketplaces.js";
import { demoDaemonConfig, DEMO_SMSHUB_PATH } from "./config.js";
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
  /** Where the fake SMSHUB buys: the daemon's SMSHUB endpoint. */
  smshubUrl: string;
  stateDir: string;
  /** Latest counts (for tests). */
  counts(): DemoCounts;
  /** Resolves when the demo ended (duration reached, a child died, or stop()). */
  done: Promise<number>;
  stop(): Promise<number>;
}

export { DEMO_OUTCOMES } from "./marketplaces.js";

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const ownDir = o.stateDir === undefined;
  if (o.stateDir !== undefined) ensureStateDir(o.stateDir);
  const stateDir = o.stateDir ?? mkdtempSync(join(tmpdir(), "simgate-demo-"));
  // Four listeners: two of the daemon's, one per fake marketplace; never the same port twice.
  const ports: number[] = [];
  for (const preferred of [o.adminPort, o.partnerPort, 0, 0]) {
    let port = await portOrFree(preferred);
    while (ports.includes(port)) port = await portOrFree(0);
    ports.push(port);
  }
  const [adminPort, partnerPort, onlinesimPort, smshubPort] = ports as [number, number, number, number];
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const partnerUrl = `http://127.0.0.1:${partnerPort}`;
  const smshubUrl = `${partnerUrl}${DEMO_SMSHUB_PATH}`;
  const configFile = join(stateDir, "simgate-demo.yaml");
  writeFileSync(configFile, stringify(demoDaemonConfig({ fakeBase: `http://127.0.0.1:${onlinesimPort}`, smshubBase: `http://127.0.0.1:${smshubPort}`, modems: o.modems, seed: o.seed })));
  const logFile = join(stateDir, "simgate.log");

  const counts: DemoCounts = { startedAt: Date.now(), ports: 0, sellable: 0, markets: { onlinesim: emptyMarketCounts(), smshub: emptyMarketCounts() }, listed: 0, v2Messages: 0 };
  let daemon: Child | undefined;
  const fakes: Child[] = [];
  let rack: RackEventPlayer | undefined;
  let summaryTimer: NodeJS.Timeout | undefined;
  let durationTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<number> | undefined;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));

  // The daemon stops first: on its way out it withdraws its numbers from the (still running)
  // fake Onlinesim and may still push SMS to either marketplace.
  const stop = (code = 0): Promise<number> =>
    (stopping ??= (async () => {
      clearInterval(summaryTimer);
      clearTimeout(durationTimer);
      rack?.stop();
      const codes = [await daemon?.stop(), ...(await Promise.all(fakes.map((f) => f.stop())))].filter((c) => c !== undefined);
      if (ownDir) rmSync(stateDir, { recursive: true, force: true });
      const result = code !== 0 ? code : codes.every((c) => c === 0) ? 0 : 1;
      resolveDone(result);
      return result;
    })());

  // The admin token the daemon will use: made now, exactly as the daemon makes it at its first
  // start (<stateDir>/admin-token, 0600), because the fakes' services need it before the
  // daemon runs. The daemon then finds the file and uses it.
  const adminToken = daemonAdminToken(undefined, stateDir).token;

  // The marketplaces are up before their supplier, as in real life: the daemon's first pushes
  // (the v2 number list) find them listening, and they start buying once its endpoints answer.
  // Once the demo is stopping their summaries are no longer read: with the daemon gone first,
  // their last requests fail, which is the demo ending, not the daemon's doing.
  const common = { adminUrl, orderEveryMs: o.orderEveryMs, modems: o.modems, awaitMs: 90_000 };
  try {
    fakes.push(
      await startFake("the fake Onlinesim", fakeOnlinesimArgs({ ...common, port: onlinesimPort, partnerUrl }), adminToken, (s) => {
        if (stopping) return;
        const read = onlinesimCounts(s);
        Object.assign(counts, { listed: read.listed, v2Messages: read.v2Messages });
        counts.markets.onlinesim = read.market;
      }),
    );
    fakes.push(
      await startFake("the fake SMSHUB", fakeSmshubArgs({ ...common, port: smshubPort, agentUrl: smshubUrl }), adminToken, (s) => {
        if (!stopping) counts.markets.smshub = smshubCounts(s);
      }),
    );
  } catch (err) {
    await stop(1);
    throw err;
  }
  let daemonErr = "";
  daemon = spawnSimgate(
    ["run", "--simulate", String(o.modems), "--seed", o.seed, "--scenario", "demo", "--config", configFile, "--state-dir", stateDir, "--listen", `127.0.0.1:${partnerPort}`, "--admin", `127.0.0.1:${adminPort}`],
    { env: { SIMGATE_ONLINESIM_KEY: DEMO_KEYS.onlinesim, SIMGATE_MARKET_SMSHUB_KEY: DEMO_KEYS.smshub, SIMGATE_LOG_FORMAT: "json" }, logFile, onStderr: (t) => (daemonErr += t) },
  );
  try {
    await waitForStderr(daemon, /partner endpoint/, 60_000, () => daemonErr);
  } catch (err) {
    await stop(1);
    throw new Error(`the daemon did not start: ${(err as Error).message} (log: ${logFile})`);
  }
  for (const c of [daemon, ...fakes]) void c.exited.then((code) => (stopping ? undefined : (o.out(`a demo process exited unexpectedly (${code}); stopping`), stop(1))));

  o.out(`simgate demo: ${o.modems} simulated modems (seed ${o.seed}) sold on two fake marketplaces at once, Onlinesim and SMSHUB`);
  // With the token: one click logs the browser in (the page then drops it from the address bar).
  o.out(`  status page   ${adminUrl}/?token=${adminToken}`);
  o.out(`  partner API   ${partnerUrl}/  (what Onlinesim calls)`);
  o.out(`  SMSHUB API    ${smshubUrl}  (what SMSHUB calls)`);
  o.out(`  daemon log    ${logFile}`);
  o.out(`  config        ${configFile}`);
  o.out(`  Ctrl-C stops all three.`);
  for (const line of SUMMARY_LEGEND) o.out(line);
  rack = new RackEventPlayer(adminUrl, adminToken, o.modems, o.out);
  rack.start();
  summaryTimer = setInterval(() => void refreshPorts(adminUrl, adminToken, counts).then(() => formatSummary(counts).forEach((l) => o.out(l))), o.summaryMs);
  if (o.durationMs !== undefined) durationTimer = setTimeout(() => void stop(0), o.durationMs);
  return {
    adminUrl,
    adminToken,
    partnerUrl,
    smshubUrl,
    stateDir,
    counts: () => structuredClone(counts),
    done,
    stop: () => stop(0),
  };
}

/**
 * Starts one fake marketplace with --json and resolves once it listens; every summary it
 * prints goes to `onSummary`. Rejects with one line if it exits first.
 */
async function startFake(what: string, args: string[], adminToken: string, onSummary: (s: Record<string, unknown>) => void): Promise<Child> {
  let listening!: () => void;
  const up = new Promise<void>((r) => (listening = r));
  let stderr = "";
  const child = spawnSimgate(args, {
    env: { SIMGATE_ADMIN_TOKEN: adminToken },
    onStderr: (t) => (stderr += t),
    onLine: (line) => {
      let s: unknown;
      try {
        s = JSON.parse(line);
      } catch {
        return; // Not a JSON line: the fakes print nothing else in --json mode.
      }
      if (typeof s !== "object" || s === null) return;
      const event = (s as { event?: unknown }).event;
      if (event === "listening") listening();
      if (event === "summary") onSummary(s as Record<string, unknown>);
    },
  });
  try {
    await Promise.race([up, child.exited.then((code) => Promise.reject(new Error(`exited with ${code}: ${stderr.trim().split("\n").at(-1) ?? ""}`)))]);
  } catch (err) {
    await child.stop();
    throw new Error(`${what} did not start: ${(err as Error).message}`);
  }
  return child;
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
