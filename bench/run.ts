/**
 * `npm run bench [-- --write] [-- --only NAME]`: runs every benchmark (each bounded in
 * time), prints a table, and with --write records it in docs/benchmarks.md together with
 * the machine it ran on. Numbers from one run are comparable with each other; across
 * machines (or on a busy shared one) compare the ratios, not the absolute values.
 */
import { writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpus, totalmem, release } from "node:os";
import { parseArgs } from "node:util";
import type { BenchResult } from "./result.js";

interface Suite {
  name: string;
  run: () => Promise<BenchResult[]>;
}

const SUITES: Suite[] = [
  { name: "at", run: async () => (await import("./at-roundtrip.js")).benchAtRoundTrips() },
  { name: "memory", run: async () => (await import("./memory.js")).benchMemory() },
  { name: "settle", run: async () => (await import("./settle.js")).benchSettle() },
  { name: "codec", run: async () => (await import("./codec.js")).benchCodec() },
  { name: "store", run: async () => (await import("./store.js")).benchStore() },
  { name: "engine", run: async () => (await import("./engine.js")).benchEngine() },
];

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

function formatValue(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2);
}

/**
 * Each suite runs in a fresh child process, so one suite's heap and open handles cannot
 * inflate another's memory numbers.
 */
function runSuiteInChild(name: string): BenchResult[] {
  const out = execFileSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--suite", name], {
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as BenchResult[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { write: { type: "boolean", default: false }, only: { type: "string" }, suite: { type: "string" } } });
  if (values.suite) {
    const suite = SUITES.find((s) => s.name === values.suite);
    if (!suite) throw new Error(`unknown suite ${values.suite}`);
    process.stdout.write(JSON.stringify(await suite.run()));
    return;
  }
  const rows: BenchResult[] = [];
  for (const suite of SUITES) {
    if (values.only && suite.name !== values.only) continue;
    process.stderr.write(`bench: ${suite.name}…\n`);
    const results = runSuiteInChild(suite.name);
    for (const r of results) process.stderr.write(`  ${r.name}: ${formatValue(r.value)} ${r.unit}${r.note ? ` (${r.note})` : ""}\n`);
    rows.push(...results);
  }
  const table = [
    "| benchmark | value | unit | note |",
    "| --- | ---: | --- | --- |",
    ...rows.map((r) => `| ${r.name} | ${formatValue(r.value)} | ${r.unit} | ${r.note ?? ""} |`),
  ].join("\n");
  process.stdout.write(`${table}\n`);
  if (values.write) {
    const doc = `# Benchmarks

Measured with \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}.

Machine: ${machine()}.

The machines here are shared and noisy: compare numbers from the same run with each other
(in-process vs pseudo-terminal, 1 port vs 64 ports) rather than with another day's run.

${table}

## Targets from the issues

| target | source |
| --- | --- |
| 64 modems at 20–80 ms per command settle (ICCID and number included) in ≤ 2.5 s; ratio to the slowest modem alone close to 1 | issue 4 |
| idle CPU ≤ 1 % of one core at 64 modems (established SMS daemons: 1.4 % polling slowly, 12 % polling fast) | issue 4 |
| marginal memory ≤ 0.3 MB per modem; 256 modems in one process | issue 4 |
| GET_SERVICES counts at 2,048 SIMs × 50 services < 1 ms | issue 5 |
| GET_NUMBER p99 < 20 ms under 200 concurrent orders with durable commits | issue 5 |

## What each number means

- **AT round trips**: a bare \`AT\` → \`OK\` through the whole host stack (AtChannel → SerialPortStream
  → binding) against the simulator with no added latency. *In-process* uses the injected
  binding (no kernel); *pty* goes through real pseudo-terminals, the native serialport
  binding and the simulator's pty host process. *64 ports* runs one command loop per port
  at the same time and reports the total; the ratio to one port shows how well ports run
  in parallel on one event loop.
- **RSS with 64 modems**: resident memory of a fresh process after 64 simulated modems
  are started on pseudo-terminals and a channel is open to each (both sides live in this
  process; the pty host is a separate python process, reported on its own line). Every
  suite runs in its own process.
- **Settle time**: from adding the ports to the pool until every port finished its
  bring-up (identity, driver choice, init, SIM, ICCID, IMSI, network, own number), over
  real pseudo-terminals with the modems answering each command after a fixed delay spread
  evenly from 20 to 80 ms across the pool. Compared with the slowest modem (80 ms) alone:
  the ideal is full parallelism, a ratio of 1. "Sellable" excludes SIMs whose own number
  cannot be learned (no stored number and no known "my number" code for the operator).
- **Idle CPU**: simgate's own CPU over one full 15 s health-poll cycle after the pool
  settled, with the simulated modems in a separate \`simgate simulate\` process.
- **Store**: one fsync'd SQLite transaction (WAL, synchronous=FULL) per durable SMS-part
  accept, activation create and close, on a real file on this machine's disk.
- **Engine**: GET_SERVICES counts computed from memory; GET_NUMBER with 200 concurrent
  orders per round, committed to SQLite before each answer. \`orderNumber\` commits every
  order of one event-loop turn in one transaction (group commit); \`getNumber\` commits each
  order alone and is listed to show why the HTTP edge uses the former.
- **PDU decode**: \`decodePdu\` over a mixed corpus (GSM 7-bit, UCS2, alphanumeric senders,
  concatenated parts, status reports), single core.

## Reproduce

\`\`\`sh
npm install
npm run bench            # print only
npm run bench -- --write # also rewrite this file
npm run bench -- --only at
\`\`\`
`;
    writeFileSync(new URL("../docs/benchmarks.md", import.meta.url), doc);
    process.stderr.write("bench: wrote docs/benchmarks.md\n");
  }
}

await main();
