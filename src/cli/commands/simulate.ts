import { parseArgs } from "node:util";
import { isPoolDialect, type PoolDialect } from "../../sim/profile.js";
import { startSimulatedPool, type SimulatedPoolModem } from "../../sim/pool.js";
import { loadReplayProfile } from "../../sim/replay-profile.js";
import { startReplayPool } from "../../sim/replay-pool.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { parseBankLayout, simulateBank } from "./simulate-bank.js";
import { oneLineError, table } from "../format.js";

const HELP = `usage: simgate simulate --modems N [--dialect generic|simcom|quectel|huawei|wavecom|mixed] [--seed S] [--json]
                        [--dir DIR] [--latency MS] [--no-number-ratio R]
       simgate simulate --profile FILE [--modems N] [--json] [--dir DIR]
       simgate simulate --bank MxS [--switch-ms MS] [--seed S] [--json] [--dir DIR]

Start N simulated GSM modems on pseudo-terminals (symlinks DIR/modem0, modem1, …) that any
program can open (simgate probe, minicom, gammu), print one line per modem, then run until
SIGINT/SIGTERM and clean up. The same --seed gives the same modems on every start.

  --modems N           how many modems (1..1024)
  --dialect D          generic, simcom (SIM800), quectel (EC25), huawei (E173), wavecom (MULTIBAND 900E 1800)
                       or mixed (the first four in turn; default: mixed)
  --seed S             seed for identities (default 1)
  --json               one JSON object per line per modem
  --dir DIR            where to put the links (default: a fresh directory under the temp dir)
  --latency MS         delay every reply by MS milliseconds
  --no-number-ratio R  share of SIMs that do not know their own number, 0..1 (default 0.25)
  --profile FILE       replay a captured device instead: FILE maps each command to the lines a
                       real module answered (test/corpus/devices/*.json); N copies (default 1)
  --bank MxS           a SIM bank instead: M modules x S slots, each slot its own SIM, a control
                       port (DIR/bank-control) taking AT+SWIT<port, 2 digits>-<slot, 4 digits>,
                       and the modules at DIR/modem0…
  --switch-ms MS       how long a bank switch takes before the module sees the new SIM (default 10000)
`;

const MAX_MODEMS = 1024;

export interface SimulateLine {
  path: string;
  dialect: string;
  manufacturer: string;
  model: string;
  imei: string;
  iccid: string;
  imsi: string;
  msisdn: string | null;
  mcc: string;
  mnc: string;
  operator: string;
  sim: string;
}

export function describeModem(m: SimulatedPoolModem): SimulateLine {
  const p = m.modem.profile;
  return {
    path: m.path,
    dialect: p.dialect,
    manufacturer: p.manufacturer,
    model: p.model,
    imei: p.imei,
    iccid: p.sim.iccid,
    imsi: p.sim.imsi,
    msisdn: p.sim.msisdn,
    mcc: p.sim.mcc,
    mnc: p.sim.mnc,
    operator: p.sim.operatorName,
    sim: p.sim.state,
  };
}

function numberOption(raw: string | undefined, name: string, min: number, max: number, integer: boolean): number | string {
  if (raw === undefined) return NaN;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    return `--${name} must be ${integer ? "an integer" : "a number"} in ${min}..${max}, got '${raw}'`;
  }
  return n;
}

export const simulateCommand: CliCommand = async (argv, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        modems: { type: "string" },
        dialect: { type: "string", default: "mixed" },
        seed: { type: "string", default: "1" },
        json: { type: "boolean", default: false },
        dir: { type: "string" },
        latency: { type: "string" },
        "no-number-ratio": { type: "string" },
        profile: { type: "string" },
        bank: { type: "string" },
        "switch-ms": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`simgate simulate: ${oneLineError(err)}\n${HELP}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const usage = (msg: string) => {
    io.stderr.write(`simgate simulate: ${msg}\n${HELP}`);
    return EXIT_USAGE;
  };
  if (values.bank !== undefined) {
    const layout = parseBankLayout(values.bank);
    if (typeof layout === "string") return usage(layout);
    const switchMs = values["switch-ms"] === undefined ? 10_000 : numberOption(values["switch-ms"], "switch-ms", 0, 600_000, true);
    if (typeof switchMs === "string") return usage(switchMs);
    return simulateBank({ ...layout, seed: values.seed, switchMs, json: values.json === true, dir: values.dir }, io);
  }
  if (values.profile !== undefined) return replayProfile(values.profile, values.modems, values.json, values.dir, io, usage);
  if (values.modems === undefined) return usage("--modems N is required");
  const count = numberOption(values.modems, "modems", 1, MAX_MODEMS, true);
  if (typeof count === "string") return usage(count);
  const dialect = values.dialect;
  if (!isPoolDialect(dialect)) return usage(`--dialect must be generic, simcom, quectel, huawei, wavecom or mixed, got '${dialect}'`);
  const latency = values.latency === undefined ? 0 : numberOption(values.latency, "latency", 0, 60_000, true);
  if (typeof latency === "string") return usage(latency);
  const ratio = values["no-number-ratio"] === undefined ? undefined : numberOption(values["no-number-ratio"], "no-number-ratio", 0, 1, false);
  if (typeof ratio === "string") return usage(ratio);

  let pool;
  try {
    pool = await startSimulatedPool({
      count,
      dialect: dialect satisfies PoolDialect,
      seed: values.seed,
      attach: "pty",
      ...(values.dir === undefined ? {} : { dir: values.dir }),
      ...(ratio === undefined ? {} : { noNumberRatio: ratio }),
    });
  } catch (err) {
    io.stderr.write(`simgate simulate: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  // Listen for SIGINT/SIGTERM before printing: a caller may signal as soon as it has read the lines.
  const stopped = io.untilStopped();
  try {
    for (const m of pool.modems) m.modem.faults.latencyMs = latency;
    const lines = pool.modems.map(describeModem);
    if (values.json) {
      io.stdout.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    } else {
      io.stdout.write(
        table(
          ["path", "dialect", "model", "imei", "iccid", "imsi", "msisdn", "mcc", "mnc", "sim"],
          lines.map((l) => [l.path, l.dialect, l.model, l.imei, l.iccid, l.imsi, l.msisdn, l.mcc, l.mnc, l.sim]),
        ),
      );
      io.stderr.write(`${lines.length} simulated modem(s) running; Ctrl-C to stop.\n`);
    }
    await stopped;
    return 0;
  } finally {
    await pool.close();
  }
};

/** `--profile FILE`: N copies of a captured device on pseudo-terminals, until SIGINT/SIGTERM. */
async function replayProfile(
  file: string,
  modems: string | undefined,
  json: boolean | undefined,
  dir: string | undefined,
  io: Parameters<CliCommand>[1],
  usage: (msg: string) => number,
): Promise<number> {
  const count = modems === undefined ? 1 : numberOption(modems, "modems", 1, MAX_MODEMS, true);
  if (typeof count === "string") return usage(count);
  let pool;
  try {
    pool = await startReplayPool({ profile: loadReplayProfile(file), count, attach: "pty", ...(dir === undefined ? {} : { dir }) });
  } catch (err) {
    io.stderr.write(`simgate simulate: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  const stopped = io.untilStopped();
  try {
    const lines = pool.modems.map((m) => ({ path: m.path, profile: file, model: m.modem.profile.model }));
    if (json) io.stdout.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    else {
      io.stdout.write(table(["path", "model", "profile"], lines.map((l) => [l.path, l.model, l.profile])));
      io.stderr.write(`${lines.length} replayed modem(s) running; Ctrl-C to stop.\n`);
    }
    await stopped;
    return 0;
  } finally {
    await pool.close();
  }
}
