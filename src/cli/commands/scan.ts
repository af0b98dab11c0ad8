import { parseArgs } from "node:util";
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { BindingInterface } from "../../transport/serial-port.js";
import type { ProbeResult } from "../../modem/probe.js";
import { probePort } from "../../modem/probe-port.js";
import { stateFromProbe, type PortState } from "../../modem/port-state.js";
import { genericDriver } from "../../../drivers/generic/index.js";
import { startSimulatedPool } from "../../sim/pool.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { cliLogger, oneLineError, table } from "../format.js";
import type { Logger } from "../../log/logger.js";

const HELP = `usage: simgate scan [--json] [--simulate N [--dialect D] [--seed S]] [--ports PATH_OR_GLOB ...]

Probe every given port at once (or N simulated modems on pseudo-terminals) and print
the port map.

  --simulate N   start N simulated modems and scan them over their pseudo-terminals
  --dialect D    generic|simcom|quectel|huawei|mixed (with --simulate; default mixed)
  --seed S       simulated pool seed (default 1)
  --ports P ...  port paths or globs such as '/dev/ttyUSB*' (repeatable)
  --json         an array of port objects instead of a table
  --verbose      log AT traffic to stderr
`;

export interface ScanEntry {
  port: string;
  path: string;
  state: PortState;
  driver: string;
  manufacturer: string | null;
  model: string | null;
  imei: string | null;
  iccid: string | null;
  imsi: string | null;
  mcc: string | null;
  mnc: string | null;
  operator: string | null;
  registration: string | null;
  number: string | null;
  signal: number | null;
  error?: string;
}

export const scanCommand: CliCommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        simulate: { type: "string" },
        dialect: { type: "string", default: "mixed" },
        seed: { type: "string", default: "1" },
        ports: { type: "string", multiple: true },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    io.stderr.write(`simgate scan: ${oneLineError(err)}\n${HELP}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const logger = cliLogger(values.verbose);
  const portArgs = [...(values.ports ?? []), ...positionals];

  if (values.simulate !== undefined) {
    const count = Number(values.simulate);
    if (!Number.isInteger(count) || count < 1 || count > 512) {
      io.stderr.write(`simgate scan: --simulate takes a whole number from 1 to 512, got '${values.simulate}'\n`);
      return EXIT_USAGE;
    }
    let pool;
    try {
      pool = await startSimulatedPool({ count, dialect: values.dialect as never, seed: Number(values.seed), attach: "pty" });
    } catch (err) {
      io.stderr.write(`simgate scan: cannot start the simulated pool: ${oneLineError(err)}\n`);
      return EXIT_FAILURE;
    }
    try {
      const entries = await scanPaths(pool.modems.map((m) => m.path), logger);
      io.stdout.write(values.json ? `${JSON.stringify(entries, null, 2)}\n` : formatScan(entries));
      return 0;
    } finally {
      await pool.close();
    }
  }

  if (portArgs.length === 0) {
    io.stderr.write(`simgate scan: give --simulate N or --ports PATH...\n${HELP}`);
    return EXIT_USAGE;
  }
  const paths = expandPorts(portArgs);
  if (paths.length === 0) {
    io.stderr.write(`simgate scan: no port matches ${portArgs.join(" ")}\n`);
    return EXIT_FAILURE;
  }
  const entries = await scanPaths(paths, logger);
  io.stdout.write(values.json ? `${JSON.stringify(entries, null, 2)}\n` : formatScan(entries));
  return 0;
};

/** Probe every path at once: one channel per port, so a dead port only costs its own time. */
export async function scanPaths(paths: readonly string[], logger: Logger, binding?: BindingInterface): Promise<ScanEntry[]> {
  return Promise.all(paths.map((path) => scanOne(path, logger.child({ port: path }), binding)));
}

async function scanOne(path: string, logger: Logger, binding?: BindingInterface): Promise<ScanEntry> {
  let probe: ProbeResult | null = null;
  let error: string | undefined;
  try {
    probe = await probePort({ path, driver: genericDriver, logger, ...(binding ? { binding } : {}) });
  } catch (err) {
    error = oneLineError(err);
  }
  return {
    port: basename(path),
    path,
    state: probe ? stateFromProbe(probe) : "unresponsive",
    driver: genericDriver.name,
    manufacturer: probe?.manufacturer ?? null,
    model: probe?.model ?? null,
    imei: probe?.imei ?? null,
    iccid: probe?.iccid ?? null,
    imsi: probe?.imsi ?? null,
    mcc: probe?.mcc ?? null,
    mnc: probe?.mnc ?? null,
    operator: probe?.networkOperator ?? null,
    registration: probe?.registration ?? null,
    number: probe?.number ?? null,
    signal: probe?.signal ?? null,
    ...(error ? { error } : {}),
  };
}

/** Expand simple globs (`*`, `?` in the last path component), keep plain paths as given. */
export function expandPorts(args: readonly string[]): string[] {
  const out = new Set<string>();
  for (const arg of args) {
    const name = basename(arg);
    if (!/[*?]/.test(name)) {
      out.add(arg);
      continue;
    }
    const pattern = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    let names: string[] = [];
    try {
      names = readdirSync(dirname(arg));
    } catch {
      names = [];
    }
    for (const entry of names.sort()) if (pattern.test(entry)) out.add(join(dirname(arg), entry));
  }
  return [...out];
}

function formatScan(entries: readonly ScanEntry[]): string {
  const ready = entries.filter((e) => e.state === "ready").length;
  const noNumber = entries.filter((e) => e.state === "no-number").length;
  const why = noNumber > 0 ? `, ${noNumber} not sellable until their own number is known (AT+CNUM empty)` : "";
  return (
    table(
      ["port", "state", "model", "IMEI", "ICCID", "IMSI", "MCC/MNC", "number", "signal"],
      entries.map((e) => [
        e.port,
        e.state,
        [e.manufacturer, e.model].filter(Boolean).join(" ") || e.error || null,
        e.imei,
        e.iccid,
        e.imsi,
        e.mcc && e.mnc ? `${e.mcc}/${e.mnc}` : null,
        e.number,
        e.signal === null ? null : `${e.signal} dBm`,
      ]),
    ) + `\n${entries.length} ports, ${ready} ready${why}\n`
  );
}
