/**
 * `npm run bench [-- --write] [-- --only NAME]`: runs every benchmark (each bounded in
 * time), prints a table, and with --write records it in docs/benchmarks.md together with
 * the machine it ran on. Numbers from one run are comparable with each other; across
 * machines (or on a busy shared one) compare the ratios, not the absolute values.
 */
import { writeFileSync } from "node:fs";
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
];

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

function formatValue(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { write: { type: "boolean", default: false }, only: { type: "string" } } });
  const rows: BenchResult[] = [];
  for (const suite of SUITES) {
    if (values.only && suite.name !== values.only) continue;
    process.stderr.write(`bench: ${suite.name}…\n`);
    const results = await suite.run();
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

## What each number means

- **AT round trips**: a bare \`AT\` → \`OK\` through the whole host stack (AtChannel → SerialPortStream
  → binding) against the simulator with no added latency. *In-process* uses the injected
  binding (no kernel); *pty* goes through real pseudo-terminals, the native serialport
  binding and the simulator's pty host process. *64 ports* runs one command loop per port
  at the same time and reports the total; the ratio to one port shows how well ports run
  in parallel on one event loop.
- **RSS with 64 modems**: resident memory of the simgate process after 64 simulated modems
  are started on pseudo-terminals and a channel is open to each (both sides live in this
  process; the pty host is a separate python process, reported on its own line).
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
