/**
 * A rig for crash and outage measurements of the outgoing side: the real `simgate run`
 * binary as a child process (so it can be SIGKILLed), simulated modems on real
 * pseudo-terminals in THIS process (so they outlive the daemon, as hardware does, and keep
 * receiving SMS while it is dead), and the fake Onlinesim in this process too, buying the
 * numbers over the daemon's v1 endpoint and counting every PUSH_SMS it accepted, per SMS.
 *
 * Used by bench/push-kill-campaign.ts and bench/push-outage.ts. Everything listens on
 * 127.0.0.1; the state directory and the modem links live in one temp directory that
 * close() removes. The daemon runs dist/ (`npm run build` first).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { FakeOnlinesim, type SeenRequest } from "../src/onlinesim/fake/index.js";
import type { Operation } from "../src/onlinesim/fake/operations.js";
import { startSimulatedPool, type SimulatedPool, type SimulatedPoolModem } from "../src/sim/pool.js";
import { startSimgate, type LongRunning } from "../test/helpers/cli.js";
import { freePort } from "../test/helpers/daemon.js";

export const RIG_KEY = "rig-onlinesim-key-0123456";

export interface RigOptions {
  modems: number;
  seed: string;
  /** Extra `onlinesim.push` settings (url and rentUrl are the fake's). */
  push?: Record<string, unknown>;
  /** Keep the daemon's stdout lines (JSON log) in memory; off by default (long runs log a lot). */
  keepLog?: boolean;
  /** The fake's answers leave this long after it accepted the request (network latency, FakeOnlinesimOptions.answerDelayMs). */
  answerDelayMs?: number;
  /** Run another build's bin/simgate.js (e.g. the previous release, for a before/after comparison). */
  bin?: string;
}

export interface Rig {
  readonly fake: FakeOnlinesim;
  readonly pool: SimulatedPool;
  readonly stateDir: string;
  readonly adminUrl: string;
  /** The running daemon, if any. */
  readonly daemon: LongRunning | undefined;
  /** The daemon's outgoing counters (GET /api/status `outbound.push`). */
  pushStats(): Promise<{ pending: number; failedAttempts: number; delivered: number }>;
  /** Spawn the daemon and wait until `readyPorts` ports are sellable (bounded). Returns ms from spawn to ready. */
  start(readyPorts?: number): Promise<number>;
  /** SIGKILL the daemon and wait for it to be gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait (the daemon's own graceful stop). */
  stop(): Promise<number | null>;
  /** GET_SERVICES, then GET_NUMBER until every modem's number has an open operation (bounded). */
  orderAll(): Promise<Operation[]>;
  /** The simulated modem whose SIM has this number (digits, with or without +). */
  modemFor(number: string): SimulatedPoolModem | undefined;
  /** Every PUSH_SMS request the fake saw, in arrival order. */
  pushRequests(): SeenRequest[];
  /** Accepted PUSH_SMS per SMS text (the campaign makes every text unique). */
  acceptedByText(): Map<string, number>;
  /** The daemon's log lines so far (keepLog only), parsed. */
  log(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const digits = (n: string): string => n.replace(/^\+/, "");

export async function startRig(o: RigOptions): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), "simgate-rig-"));
  const stateDir = join(dir, "state");
  const [partnerPort, adminPort] = [await freePort(), await freePort()];
  const fake = new FakeOnlinesim({
    key: RIG_KEY,
    logMax: 1_000_000,
    answerDelayMs: o.answerDelayMs ?? 0,
    marketplace: { partnerUrl: `http://127.0.0.1:${partnerPort}`, pollMs: 0, orderEveryMs: 0, autoFinish: false, exceptionRate: 0, moduleCount: o.modems, maxOrders: 10_000 },
  });
  const urls = await fake.start();
  // Every SIM knows its own number (AT+CNUM): all of them become sellable without USSD.
  mkdirSync(join(dir, "modems"));
  const pool = await startSimulatedPool({ count: o.modems, dialect: "mixed", seed: o.seed, attach: "pty", dir: join(dir, "modems"), noNumberRatio: 0 });
  const glob = join(pool.dir!, "modem*");
  const configFile = join(dir, "simgate.yaml");
  writeFileSync(
    configFile,
    stringify({
      stateDir,
      modem: { paths: [glob], include: [glob] },
      onlinesim: { mode: "v1", push: { ...o.push, url: urls.pushSms, rentUrl: urls.pushSmsRent } },
      engine: { services: ["telegram"] },
    }),
  );
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  let daemon: LongRunning | undefined;
  const lines: Array<Record<string, unknown>> = [];

  const sellable = async (): Promise<number> => {
    const res = await fetch(`${adminUrl}/api/status`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return 0;
    const doc = (await res.json()) as { ports: Array<{ state: string; number: string | null }> };
    return doc.ports.filter((p) => p.state === "ready" && p.number).length;
  };

  const rig: Rig = {
    fake,
    pool,
    stateDir,
    adminUrl,
    get daemon() {
      return daemon;
    },
    async start(readyPorts = o.modems) {
      if (daemon) throw new Error("rig: daemon already running");
      const t0 = performance.now();
      const child = startSimgate(["run", "--config", configFile, "--state-dir", stateDir, "--listen", `127.0.0.1:${partnerPort}`, "--admin", `127.0.0.1:${adminPort}`], {
        env: { SIMGATE_ONLINESIM_KEY: RIG_KEY, SIMGATE_LOG_FORMAT: "json" },
        ...(o.bin ? { bin: o.bin } : {}),
      });
      daemon = child;
      if (o.keepLog) {
        const { createInterface } = await import("node:readline");
        createInterface({ input: child.child.stdout! }).on("line", (l) => {
          try {
            lines.push(JSON.parse(l) as Record<string, unknown>);
          } catch {
            lines.push({ raw: l });
          }
        });
      } else child.child.stdout!.resume();
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (child.child.exitCode !== null || child.child.signalCode !== null) throw new Error(`rig: daemon exited during start: ${child.stderr().slice(-1500)}`);
        try {
          if ((await sellable()) >= readyPorts) return performance.now() - t0;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`rig: daemon not ready within 90 s: ${child.stderr().slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill() {
      const d = daemon;
      daemon = undefined;
      if (!d) return;
      d.child.kill("SIGKILL");
      await d.exited;
    },
    async stop() {
      const d = daemon;
      daemon = undefined;
      return d ? d.stop() : null;
    },
    async orderAll() {
      const m = fake.marketplace!;
      const ops: Operation[] = [];
      for (let round = 0; round < 5 && ops.length < o.modems; round++) {
        await m.pollOnce();
        for (let i = 0; i < o.modems * 2 && ops.length < o.modems; i++) {
          const op = await m.orderOnce();
          if (op) ops.push(op);
        }
      }
      return ops;
    },
    modemFor(number) {
      return pool.modems.find((x) => x.modem.sim?.profile.msisdn && digits(x.modem.sim.profile.msisdn) === digits(number));
    },
    async pushStats() {
      const res = await fetch(`${adminUrl}/api/status`, { signal: AbortSignal.timeout(5_000) });
      const doc = (await res.json()) as { outbound: { push: { pending: number; failedAttempts: number; delivered: number } } };
      return doc.outbound.push;
    },
    pushRequests() {
      return fake.recorder.on("/v1/PUSH_SMS");
    },
    acceptedByText() {
      const out = new Map<string, number>();
      for (const r of rig.pushRequests()) {
        if (r.status !== 200 || (r.response as { status?: unknown } | undefined)?.status !== "SUCCESS") continue;
        const text = (r.body as { text?: unknown } | undefined)?.text;
        if (typeof text === "string") out.set(text, (out.get(text) ?? 0) + 1);
      }
      return out;
    },
    log: () => lines,
    async close() {
      try {
        if (daemon) await rig.stop();
      } finally {
        await fake.stop();
        await pool.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return rig;
}
