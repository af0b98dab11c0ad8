import { parseArgs } from "node:util";
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { openBytePort, type BindingInterface } from "../../transport/serial-port.js";
import type { PortState } from "../../modem/port-state.js";
import { PinGuard } from "../../modem/sim-unlock.js";
import { DEFAULT_NUMBER_RULES } from "../../modem/number-rules.js";
import { PortMap, type PortView } from "../../pool/port-map.js";
import { ModemPool } from "../../pool/pool.js";
import { selectDriver } from "../../../drivers/registry.js";
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

/** Settle budget for one scan: bring-up includes the ICCID read and a possible "my number" USSD. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Bring every path up at once through the real port sessions (driver selection, init,
 * PIN, identity, own-number chain) and return the port map once every port has settled.
 * One session per port, so a dead port only costs its own time.
 */
export async function scanPaths(paths: readonly string[], logger: Logger, binding?: BindingInterface): Promise<ScanEntry[]> {
  const map = new PortMap();
  const pool = new ModemPool({
    map,
    logger,
    openPort: (path) => openBytePort(binding ? { path, binding } : { path }),
    session: {
      chooseDriver: (evidence) => selectDriver(evidence).driver,
      pins: {},
      pinGuard: new PinGuard(),
      numbers: { rules: DEFAULT_NUMBER_RULES, manual: {}, cache: new Map<string, string>() },
    },
  });
  const taken = new Set<string>();
  const ids = paths.map((path) => {
    const id = uniqueId(basename(path), taken);
    pool.addPort(id, path);
    return id;
  });
  try {
    await pool.waitSettled(SETTLE_TIMEOUT_MS);
    return ids.map((id) => toEntry(map.get(id)!, pool.session(id)?.lastError ?? undefined));
  } finally {
    await pool.close();
  }
}

/** Two paths with the same base name (by-path links of two hubs) must not share an id. */
function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

function toEntry(p: PortView, error: string | undefined): ScanEntry {
  return {
    port: p.id,
    path: p.path,
    state: p.state,
    driver: p.driver ?? "none",
    manufacturer: p.manufacturer,
    model: p.model,
    imei: p.imei,
    iccid: p.iccid,
    imsi: p.imsi,
    mcc: p.mcc,
    mnc: p.mnc,
    operator: p.networkOperator,
    registration: p.present && p.probed ? p.registration : null,
    number: p.number,
    signal: p.signal,
    ...(p.state === "unresponsive" && error ? { error } : {}),
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
