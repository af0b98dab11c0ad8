/** Resident memory with 64 simulated modems on pseudo-terminals, each with an open AtChannel. */
import { readFileSync } from "node:fs";
import { AtChannel } from "../src/at/index.js";
import { openBytePort } from "../src/transport/serial-port.js";
import { startSimulatedPool } from "../src/sim/pool.js";
import type { BenchResult } from "./result.js";

const MODEMS = 64;

function rssOfPid(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function settledRss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
}

export async function benchMemory(): Promise<BenchResult[]> {
  const before = settledRss();
  const pool = await startSimulatedPool({ count: MODEMS, dialect: "mixed", seed: 1, attach: "pty" });
  const channels: AtChannel[] = [];
  try {
    for (const m of pool.modems) channels.push(new AtChannel(await openBytePort({ path: m.path })));
    await Promise.all(channels.map((c) => c.run("AT+CGSN")));
    const after = settledRss();
    const results: BenchResult[] = [
      { name: `process RSS with ${MODEMS} simulated modems open`, value: after / 2 ** 20, unit: "MiB", note: `${(before / 2 ** 20).toFixed(1)} MiB before` },
      { name: "marginal RSS per modem (host + simulated side)", value: (after - before) / MODEMS / 2 ** 20, unit: "MiB" },
    ];
    const hostPid = (pool as { ptyHostPid?: number }).ptyHostPid;
    const hostRss = hostPid ? rssOfPid(hostPid) : null;
    if (hostRss !== null) results.push({ name: `pty host process RSS (${MODEMS} ptys)`, value: hostRss / 2 ** 20, unit: "MiB" });
    return results;
  } finally {
    await Promise.all(channels.map((c) => c.close()));
    await pool.close();
  }
}
