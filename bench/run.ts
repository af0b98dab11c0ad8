/**
 * `npm run bench [-- --write] [-- --only NAME]`: runs every benchmark (each bounded in
 * time), prints a table, and with --write records it in docs/benchmarks.md together with
 * the machine it ran on. Numbers from one run are comparable with each other; across
 * machines (or on a busy shared one) compare the ratios, not the absolute values.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpus, loadavg, totalmem, release } from "node:os";
import { parseArgs } from "node:util";
import type { BenchResult } from "./result.js";
import { RELEASED_SECTIONS } from "./released-sections.js";

/** docs/benchmarks.md from this line on is not rewritten by --write. */
const KEPT_MARKER = "<!-- kept by bench/run.ts --write: sections measured by other scripts -->";

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
  { name: "http", run: async () => (await import("./http.js")).benchHttp() },
  { name: "sms", run: async () => (await import("./sms-latency.js")).benchSmsLatency() },
  { name: "withdrawal", run: async () => (await import("./withdrawal.js")).benchWithdrawal() },
  { name: "liveness", run: async () => (await import("./liveness.js")).benchLiveness() },
  { name: "cost", run: async () => (await import("./cost.js")).benchCost() },
];

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

/** 1-minute load average: on a shared 2-core machine, how much else was running. */
const load = (): string => loadavg()[0]!.toFixed(1);

/** Rows whose note carries a verdict ("target < 2 ms: met"), for the summary. */
function verdicts(rows: BenchResult[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const m = /target ([^:;]+): (met|NOT met)/.exec(r.note ?? "");
    if (m) out.push(`| ${r.name} | ${formatValue(r.value)} ${r.unit} | ${m[1]} | ${m[2] === "met" ? "met" : "**not met**"} |`);
  }
  return out;
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
  const loadBefore = load();
  const started = performance.now();
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
  const loadAfter = load();
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  if (values.write) {
    const checks = verdicts(rows);
    const doc = `# Benchmarks

Measured with \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}.

Machine: ${machine()}. Load average (1 min) ${loadBefore} before and ${loadAfter} after
the ${minutes}-minute run.

The machines here are shared and noisy: compare numbers from the same run with each other
(in-process vs pseudo-terminal, 1 port vs 64 ports) rather than with another day's run.
Other sessions run their tests on the same two cores and the same disk while this runs:
a load average above 2 means simgate got a fraction of a core, and a durable commit (one
fsync) swings from 0.2 ms to tens of ms within minutes. Suites that depend on it measure
it next to their own numbers (the "durable commit alone" and "floor" rows).

${table}
${
  checks.length
    ? `
## Target check (this run)

| row | value | target | verdict |
| --- | ---: | --- | --- |
${checks.join("\n")}
`
    : ""
}
## Targets from the issues

| target | source |
| --- | --- |
| 64 modems at 20–80 ms per command settle (ICCID and number included) in ≤ 2.5 s; ratio to the slowest modem alone close to 1 | issue 4 |
| idle CPU ≤ 1 % of one core at 64 modems (established SMS daemons: 1.4 % polling slowly, 12 % polling fast) | issue 4 |
| marginal memory ≤ 0.3 MB per modem; 256 modems in one process | issue 4 |
| GET_SERVICES counts at 2,048 SIMs × 50 services < 1 ms | issue 5 |
| GET_NUMBER p99 < 20 ms under 200 concurrent orders with durable commits | issue 5 |
| over HTTP at 256 SIMs: GET_SERVICES p99 < 2 ms, GET_NUMBER p99 < 20 ms | issue 6 |
| SMS at the modem → PUSH_SMS at Onlinesim with 64 busy modems: p50 within 20 ms of the modem's own command latency, p95 < 150 ms | issue 6 |
| a SIM that leaves is withdrawn from sendNumbersOnline within 5 s | issue 6 |
| SMS arriving right after a delete (stored in the slot it freed, +CMTI behind the OK): max ≤ 2 × p95 at 64 and 256 modems | issue 14 |
| a module that hangs, drops or slows its replies, or spews garbage, is off sale within 5 s (default settings, without raising idle CPU) | issue 12 |
| as released (compiled daemon, modems in other processes): PSS ≤ 90 MB at 64 modems, ≤ 0.3 MB per extra modem; idle CPU ≤ 1 % of a core at 64 modems over 60 s; ≤ 5 ms of CPU per received SMS | issue 13 |

${RELEASED_SECTIONS}
## What each number means

- **AT round trips**: a bare \`AT\` → \`OK\` through the whole host stack (AtChannel → BytePort
  → binding) against the simulator with no added latency. *In-process* uses the injected
  binding through SerialPortStream (no kernel); *pty* goes through real pseudo-terminals,
  the native binding's fd moved by src/transport/fd-port.ts, and the simulator's pty host
  process. *64 ports* runs one command loop per port
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
- **Idle CPU** (bench/settle.ts): the sessions' own CPU (in-process, run from the sources)
  over 15 s after the pool settled, with the simulated modems in a separate \`simgate
  simulate\` process. The released daemon's idle figure is the *as released* row below.
- **Store**: one fsync'd SQLite transaction (WAL, synchronous=FULL) per durable SMS-part
  accept, activation create and close, on a real file on this machine's disk.
- **Engine**: GET_SERVICES counts computed from memory; GET_NUMBER with 200 concurrent
  orders per round, committed to SQLite before each answer. \`orderNumber\` commits every
  order of one event-loop turn in one transaction (group commit); \`getNumber\` commits each
  order alone and is listed to show why the HTTP edge uses the former.
- **PDU decode**: \`decodePdu\` over a mixed corpus (GSM 7-bit, UCS2, alphanumeric senders,
  concatenated parts, status reports), single core.
- **HTTP GET_SERVICES / GET_NUMBER / FINISH_ACTIVATION** (bench/http.ts): autocannon against
  \`buildPartnerServer\` over the real engine and SQLite store with 256 ready SIMs and 5
  services, the server in a worker thread (autocannon on the main thread), info logs to
  /dev/null. Latency is one request's write → whole answer, percentiles from every sample.
  Closed loop: *1 connection* is a request alone (the target rows; Onlinesim polls
  GET_SERVICES every 2 min and orders one number at a time), *16 connections* keeps 16
  requests in flight, i.e. the server saturated: there the latency is queueing (in flight ÷
  throughput) and the throughput row is the number that matters. GET_NUMBER runs in rounds of
  200 orders over the 256 SIMs, each followed by FINISH_ACTIVATION (status 4) of every order,
  so no order meets an empty pool; answers other than SUCCESS get their own row. The *floor*
  is a bare node:http server in the same worker (no framework, no work), the *durable commit
  alone* one fsync'd SQLite transaction on the same disk: read the endpoint against both.
- **SMS → PUSH_SMS** (bench/sms-latency.ts): the real daemon (\`startDaemon\`) in-process on
  64 and on 256 simulated modems over ptys, mode v1, PUSH_SMS to the fake Onlinesim in the
  same process. Every sellable number is ordered over HTTP, then each ordered modem gets an
  SMS every 4 s, and a second one the moment the module has executed the \`AT+CMGD\` of the
  first: it is stored in the slot that delete freed and its +CMTI goes out right behind the
  OK, in the same read, as on the real devices of issue 14 whose SMS then waited for the
  60 s sweep. Every port also runs an AT+CSQ every 250 ms through the daemon's own queue
  (busy modems). At 256 modems each port is asked four times less often, so the pool's total
  load stays that of 64 (two shared cores cannot serve 1,024 AT+CSQ/s through ptys with room
  to spare, and a saturated daemon measures its own backlog). Latency = \`injectSms\` → the
  fake has the PUSH_SMS. The modem's own command latency is those AT+CSQ round trips, same
  ports, same time. The *split* row cuts the path where the whole SMS reaches the port map:
  before it the modem traffic (one \`AT+CPMS="ME";+CMGR=<i>\` round trip per +CMTI: the
  memory select rides on the read's command line) and the first durable commit, after it
  two durable commits and the POST. The *max* row is the longest of all (an SMS that never
  arrived counts as the time we waited for it, and fails the target); its note gives the
  SMS that arrived right after a delete on their own. Each pool twice: modems answering at
  once, and after 40 ms per reply. With the receiver from before issue 14 (commit 5107dde),
  64 modems at 40 ms: none of the 174 SMS that arrived right after a delete reached
  Onlinesim within the 10 s drain (they wait for the sweep), max at least 25.8 s: not met.
- **Daemon idle, udevadm**: this VM has udevadm but no udevd, and udev lists /dev/ttyS0 as
  never initialised. Before the fix in src/pool/discovery.ts (include/exclude first) and
  src/pool/hotplug.ts (settle retries back off) the hot-plug watcher rescanned every 300 ms
  for as long as it ran, spawning udevadm twice per scan: 13-20 % of the idle daemon's event
  loop. The two idle rows compare this VM's udevadm with one that answers nothing (a host
  without udev); they should now be alike. The SMS and withdrawal rows use the latter.
- **Withdrawal** (bench/withdrawal.ts): the real daemon in-process on 64 simulated modems,
  mode v2 with the default v2 settings, sendNumbersOnline to the fake Onlinesim. One SIM
  after another (different modems, all four dialects) is pulled from its slot or its module
  unplugged; the time runs from that call to the first sendNumbersOnline the fake receives
  without the number.
- **Module fault → off sale** (bench/liveness.ts) and the **as released** rows
  (bench/cost.ts): see the two sections above the table's explanations.

## Reproduce

\`\`\`sh
npm install
npm run bench            # print only
npm run bench -- --write # also rewrite this file
npm run bench -- --only at
npm run bench -- --only http        # or sms, withdrawal
node --import tsx bench/http.ts     # one suite, human-readable lines
npm run bench -- --only liveness    # module faults: time off sale and back
npm run bench -- --only cost        # memory, idle CPU, CPU per SMS of the compiled daemon
node --import tsx bench/cost.ts cpu # only the CPU part
SIMGATE_BENCH_PROFILE=/tmp/prof node --import tsx bench/cost.ts cpu  # + where the SMS CPU goes
SIMGATE_BENCH_BIN=/other/checkout/bin/simgate.js npm run bench -- --only liveness  # another build
\`\`\`
`;
    const file = new URL("../docs/benchmarks.md", import.meta.url);
    // Sections measured by other scripts (long campaigns) sit below this marker and are kept.
    const previous = existsSync(file) ? readFileSync(file, "utf8") : "";
    const kept = previous.includes(KEPT_MARKER) ? previous.slice(previous.indexOf(KEPT_MARKER)) : "";
    writeFileSync(file, kept ? `${doc}\n${kept}` : doc);
    process.stderr.write("bench: wrote docs/benchmarks.md\n");
  }
}

await main();
