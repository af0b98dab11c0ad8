/**
 * AT round trips per second through the whole host stack (AtChannel → SerialPortStream →
 * binding → simulated modem and back), one port vs 64 ports, in-process vs pseudo-terminals.
 * The simulator adds no latency here, so this measures simgate's own overhead.
 */
import { AtChannel } from "../src/at/index.js";
import { openBytePort } from "../src/transport/serial-port.js";
import { startSimulatedPool } from "../src/sim/pool.js";
import { opsPerSecond, type BenchResult } from "./result.js";

const MEASURE_MS = 2_000;

async function measure(attach: "in-process" | "pty", count: number): Promise<number> {
  const pool = await startSimulatedPool({ count, dialect: "generic", seed: 1, attach });
  const channels: AtChannel[] = [];
  try {
    for (const m of pool.modems) {
      const port = await openBytePort(pool.binding ? { path: m.path, binding: pool.binding } : { path: m.path });
      channels.push(new AtChannel(port));
    }
    await Promise.all(channels.map((c) => c.run("ATE0")));
    const results = await Promise.all(channels.map((c) => opsPerSecond(() => c.run("AT"), MEASURE_MS)));
    return results.reduce((sum, r) => sum + r.perSecond, 0);
  } finally {
    await Promise.all(channels.map((c) => c.close()));
    await pool.close();
  }
}

export async function benchAtRoundTrips(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const attach of ["in-process", "pty"] as const) {
    const one = await measure(attach, 1);
    const many = await measure(attach, 64);
    out.push(
      { name: `AT round trips, 1 port, ${attach}`, value: one, unit: "cmd/s" },
      { name: `AT round trips, 64 ports at once, ${attach}`, value: many, unit: "cmd/s", note: `${(many / one).toFixed(1)}× one port` },
    );
  }
  return out;
}
