/** One measured number. Benchmarks return these; bench/run.ts prints and records them. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** Run `op` back to back for about `ms` milliseconds (and at most `maxOps` times); ops per second. */
export async function opsPerSecond(op: () => Promise<unknown>, ms: number, maxOps = 1_000_000): Promise<{ ops: number; perSecond: number }> {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < ms && ops < maxOps) {
    await op();
    ops++;
  }
  const elapsed = (performance.now() - start) / 1000;
  return { ops, perSecond: ops / elapsed };
}
