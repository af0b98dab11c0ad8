/**
 * `npm run chaos [-- options]`: the reliability campaign of issue 12 as a repeatable suite,
 * separate from `npm test`. Each scenario is bounded in time and count; the whole run takes
 * 15–20 minutes on a 2-core machine. Prints a table, writes the results as JSON, and with
 * --write records them in docs/reliability.md (machine, date, commit, numbers).
 *
 *   --scenario NAME[,NAME]  kill, outage, storm, hostile, faults, disk, damaged (default: all)
 *   --kills N               SIGKILLs in the kill campaign (default 80)
 *   --modems N              modems in the kill campaign (default 16)
 *   --kill-latency-ms N     how late Onlinesim's answers come back in the kill campaign (default: two
 *                           campaigns, 0 and 100 ms)
 *   --seed S                seed for every random choice (default chaos)
 *   --outage-ms N           length of each marketplace outage (default 30000)
 *   --storm-requests N      requests in the order storm (default 24000)
 *   --fault-trials N        modems per modem fault (default 3)
 *   --json FILE             where the results go (default .tmp/chaos/results.json)
 *   --write                 update the results section of docs/reliability.md
 *   --no-build              skip compiling dist/ (the daemon under test is bin/simgate.js)
 *
 * Logs of every process of the last run stay in .tmp/chaos/last/<scenario>/.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { killAllChildren } from "./children.js";
import { markdownTable, verdictOf, type CaseResult } from "./result.js";
import { REPO } from "./rig.js";
import { writeReliabilityDoc, type ChaosRun } from "./report.js";
import { DAMAGED_STORE_DEFAULTS, runDamagedStore } from "./scenarios/damaged-store.js";
import { DISK_FULL_DEFAULTS, runDiskFull } from "./scenarios/disk-full.js";
import { HOSTILE_DEFAULTS, runHostile } from "./scenarios/hostile.js";
import { KILL_DEFAULTS, runKillCampaign } from "./scenarios/kill.js";
import { MODEM_FAULT_DEFAULTS, runModemFaults } from "./scenarios/modem-faults.js";
import { OUTAGE_DEFAULTS, runOutages } from "./scenarios/outage.js";
import { runStorm, STORM_DEFAULTS } from "./scenarios/storm.js";

const SCENARIOS = ["damaged", "hostile", "storm", "faults", "disk", "outage", "kill"] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    scenario: { type: "string", multiple: true },
    kills: { type: "string" },
    modems: { type: "string" },
    "kill-latency-ms": { type: "string" },
    seed: { type: "string", default: "chaos" },
    "outage-ms": { type: "string" },
    "storm-requests": { type: "string" },
    "fault-trials": { type: "string" },
    json: { type: "string", default: join(REPO, ".tmp", "chaos", "results.json") },
    write: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
  },
});

function int(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    process.stderr.write(`chaos: --${name} must be a whole number from ${min} to ${max}, got '${raw}'\n`);
    process.exit(2);
  }
  return n;
}

const wanted = (values.scenario ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
for (const w of wanted) {
  if (!(SCENARIOS as readonly string[]).includes(w)) {
    process.stderr.write(`chaos: unknown scenario '${w}' (one of ${SCENARIOS.join(", ")})\n`);
    process.exit(2);
  }
}
const selected: Scenario[] = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s)) : [...SCENARIOS];
const seed = values.seed;
const kills = int("kills", values.kills, KILL_DEFAULTS.kills, 1, 10_000);
const modems = int("modems", values.modems, KILL_DEFAULTS.modems, 2, 256);
// By default the campaign runs twice: Onlinesim answering at once (the issue's target) and 100 ms late (a WAN).
const killLatencies = values["kill-latency-ms"] === undefined ? [0, KILL_DEFAULTS.latencyMs] : [int("kill-latency-ms", values["kill-latency-ms"], KILL_DEFAULTS.latencyMs, 0, 10_000)];
const outageMs = int("outage-ms", values["outage-ms"], OUTAGE_DEFAULTS.outageMs, 1_000, 600_000);
const stormRequests = int("storm-requests", values["storm-requests"], STORM_DEFAULTS.requests, 100, 1_000_000);
const faultTrials = int("fault-trials", values["fault-trials"], MODEM_FAULT_DEFAULTS.trials, 1, 50);

const work = join(REPO, ".tmp", "chaos", "last");
const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

const RUNNERS: Record<Scenario, (dir: string) => Promise<CaseResult[]>> = {
  damaged: async (dir) => [await runDamagedStore({ ...DAMAGED_STORE_DEFAULTS, dir, seed, log })],
  hostile: (dir) => runHostile({ ...HOSTILE_DEFAULTS, dir, seed, log }),
  storm: async (dir) => [await runStorm({ ...STORM_DEFAULTS, dir, seed, requests: stormRequests, log })],
  faults: (dir) => runModemFaults({ ...MODEM_FAULT_DEFAULTS, dir, seed, trials: faultTrials, log }),
  disk: (dir) => runDiskFull({ ...DISK_FULL_DEFAULTS, dir, seed, log }),
  outage: (dir) => runOutages({ ...OUTAGE_DEFAULTS, dir, seed, outageMs, log }),
  kill: async (dir) => {
    const results: CaseResult[] = [];
    for (const latencyMs of killLatencies) {
      const caseDir = join(dir, `latency-${latencyMs}`);
      mkdirSync(caseDir, { recursive: true });
      results.push((await runKillCampaign({ ...KILL_DEFAULTS, dir: caseDir, seed, kills, modems, latencyMs, log })).result);
    }
    return results;
  },
};

function git(...args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
}

/** A scenario that throws is a result too: it says what broke, and the run goes on. */
function crashed(name: Scenario, err: unknown): CaseResult {
  const msg = err instanceof Error ? err.message : String(err);
  return { scenario: name, case: "did not complete", sms: null, lost: null, duplicated: null, doubleAssigned: null, corrupted: null, detection: null, recovery: null, checks: [{ what: "completed", ok: false }], notes: [msg.split("\n")[0]!.slice(0, 400)] };
}

async function main(): Promise<void> {
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killAllChildren();
      process.exit(130);
    });
  }
  if (!values["no-build"]) {
    log("chaos: compiling dist/ (the daemon under test is bin/simgate.js)");
    execFileSync(process.execPath, [join(REPO, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: REPO, stdio: "inherit" });
    execFileSync(process.execPath, [join(REPO, "scripts", "copy-assets.mjs")], { cwd: REPO, stdio: "inherit" });
  }
  rmSync(work, { recursive: true, force: true });
  const started = Date.now();
  // The checkout as it was when dist/ was built for this run, not when the run ends.
  const checkout = { commit: git("rev-parse", "--short", "HEAD"), branch: git("rev-parse", "--abbrev-ref", "HEAD"), dirty: git("status", "--porcelain", "--untracked-files=no") !== "" };
  const loadBefore = loadavg()[0]!;
  const cases: CaseResult[] = [];
  const minutes: Record<string, number> = {};
  for (const name of selected) {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    log(`chaos: ${name}…`);
    const t0 = Date.now();
    const results = await RUNNERS[name](dir).catch((err: unknown) => [crashed(name, err)]);
    minutes[name] = (Date.now() - t0) / 60_000;
    killAllChildren();
    cases.push(...results);
    for (const c of results) log(`  ${c.case}: ${verdictOf(c)}${c.checks.some((k) => !k.ok) ? ` (${c.checks.filter((k) => !k.ok).map((k) => k.what).join("; ")})` : ""}`);
  }
  const run: ChaosRun = {
    date: new Date().toISOString(),
    ...checkout,
    machine: machine(),
    load: { before: loadBefore, after: loadavg()[0]! },
    minutes: (Date.now() - started) / 60_000,
    scenarioMinutes: minutes,
    options: { scenarios: selected, seed, kills, modems, outageMs, stormRequests, faultTrials },
    cases,
  };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(run, null, 2)}\n`);
  process.stdout.write(`${markdownTable(cases)}\n\n`);
  for (const c of cases) process.stdout.write(`${c.scenario} / ${c.case}:\n${c.notes.map((n) => `  - ${n}`).join("\n")}\n`);
  process.stdout.write(`\n${cases.filter((c) => verdictOf(c) === "pass").length}/${cases.length} cases pass; ${run.minutes.toFixed(1)} min; results in ${values.json}; logs in ${work}\n`);
  if (values.write) {
    writeReliabilityDoc(join(REPO, "docs", "reliability.md"), run);
    process.stdout.write("docs/reliability.md updated\n");
  }
  // A target not met is a finding, not a crash of the suite: still a non-zero exit, for scripts.
  if (cases.some((c) => verdictOf(c) !== "pass")) process.exitCode = 1;
}

main().catch((err: unknown) => {
  killAllChildren();
  process.stderr.write(`chaos: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
