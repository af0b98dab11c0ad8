/**
 * One durable SQLite transaction alone (WAL, synchronous=FULL, as src/store opens the
 * database) on a scratch file in `dir`: what a commit's fsync costs on this disk right
 * now. On a shared machine it moves by 10× within minutes, and every durable step of the
 * request and SMS paths waits for one, so suites measure it next to their own numbers.
 */
import { join } from "node:path";
import Database from "better-sqlite3";

export interface CommitBaseline {
  count: number;
  p50: number;
  p99: number;
}

export function durableCommitBaseline(dir: string, ms = 1_000, maxCommits = 2_000): CommitBaseline {
  const db = new Database(join(dir, "fsync-baseline.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const commit = db.transaction((v: string) => insert.run(v));
    const samples: number[] = [];
    const start = performance.now();
    while (performance.now() - start < ms && samples.length < maxCommits) {
      const t0 = performance.now();
      commit(`row ${samples.length}`);
      samples.push(performance.now() - t0);
    }
    samples.sort((a, b) => a - b);
    return { count: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99) };
  } finally {
    db.close();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function describeBaseline(b: CommitBaseline): string {
  return `one durable SQLite commit alone now: p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms (${b.count} commits)`;
}
