import { sessionDefaults } from "../../pool/session-defaults.js";
import { parseArgs } from "node:util";
import { basename } from "node:path";
import { openBytePort, type BindingInterface } from "../../transport/serial-port.js";
import type { PortState } from "../../modem/port-state.js";
import { PortMap, type PortView } from "../../modem/port-map.js";
import { ModemPool } from "../../pool/pool.js";
import { startSimulatedPool } from "../../sim/pool.js";
import { isPoolDialect } from "../../sim/profile.js";
import { discover } from "../../pool/discovery.js";
import { hostDiscoveryDeps } from "../../pool/host-discovery.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand, type CliIo } from "../io.js";
import { openStore, type Store } from "../../store/index.js";
import { cliLogger, oneLineError, table } from "../format.js";
import type { Logger } from "../../log/logger.js";

const HELP = `usage: simgate scan [--json] [--simulate N [--dialect D] [--seed S]] [--ports PATH_OR_GLOB ...]

Discover the host's serial ports (or take the given ones, or start N simulated modems
on pseudo-terminals), bring every modem up at once, wait until all have settled and
print the port map.

  --simulate N   start N simulated modems and scan them over their pseudo-terminals
  --dialect D    generic|simcom|quectel|huawei|wavecom|mixed (with --simulate; default mixed)
  --seed S       simulated pool seed (default 1)
  --ports P ...  port paths or globs such as '/dev/ttyUSB*' (repeatable)
  --state-dir D  keep what was learned (SIMs, own numbers) in D/simgate.db, so a number
                 is asked from the operator once per SIM, not once per scan
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
  /** Why the number the SIM gave was refused (state number-invalid). */
  numberProblem?: string;
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
        "state-dir": { type: "string" },
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
  let store: Store | undefined;
  if (values["state-dir"] !== undefined) {
    try {
      store = openStore({ stateDir: values["state-dir"] });
    } catch (err) {
      io.stderr.write(`simgate scan: ${oneLineError(err)}\n`);
      return EXIT_FAILURE;
    }
  }
  try {
    return await scanWith(values, portArgs, logger, io, store);
  } finally {
    store?.close();
  }
};

interface ScanValues {
  json: boolean;
  simulate?: string | undefined;
  dialect: string;
  seed: string;
}

async function scanWith(values: ScanValues, portArgs: string[], logger: Logger, io: CliIo, store: Store | undefined): Promise<number> {

  if (values.simulate !== undefined) {
    const count = Number(values.simulate);
    if (!Number.isInteger(count) || count < 1 || count > 512) {
      io.stderr.write(`simgate scan: --simulate takes a whole number from 1 to 512, got '${values.simulate}'\n`);
      return EXIT_USAGE;
    }
    if (!isPoolDialect(values.dialect)) {
      io.stderr.write(`simgate scan: --dialect must be generic, simcom, quectel, huawei, wavecom or mixed, got '${values.dialect}'\n`);
      return EXIT_USAGE;
    }
    let pool;
    try {
      pool = await startSimulatedPool({ count, dialect: values.dialect, seed: values.seed, attach: "pty" });
    } catch (err) {
      io.stderr.write(`simgate scan: cannot start the simulated pool: ${oneLineError(err)}\n`);
      return EXIT_FAILURE;
    }
    try {
      const entries = await scanPorts(pool.modems.map((m) => ({ id: basename(m.path), path: m.path })), logger, undefined, store);
      io.stdout.write(values.json ? `${JSON.stringify(entries, null, 2)}\n` : formatScan(entries));
      return 0;
    } finally {
      await pool.close();
    }
  }

  // Without --ports every serial port of the host; with it only the given paths and globs.
  const found = await discover(hostDiscoveryDeps({ logger }), portArgs.length > 0 ? { paths: portArgs, include: portArgs } : {});
  for (const warning of found.warnings) logger.warn(warning);
  if (found.ports.length === 0) {
    const what = portArgs.length > 0 ? `no port matches ${portArgs.join(" ")}` : "no serial ports found on this host";
    io.stderr.write(`simgate scan: ${what}\n`);
    return EXIT_FAILURE;
  }
  const entries = await scanPorts(found.ports, logger, undefined, store);
  io.stdout.write(values.json ? `${JSON.stringify(entries, null, 2)}\n` : formatScan(entries));
  return 0;
}

/** Settle budget for one scan: bring-up includes the ICCID read and a possible "my number" USSD. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Bring every path up at once through the real port sessions (driver selection, init,
 * PIN, identity, own-number chain) and return the port map once every port has settled.
 * One session per port, so a dead port only costs its own time.
 */
export async function scanPorts(
  ports: ReadonlyArray<{ id: string; path: string; usbDevice?: string }>,
  logger: Logger,
  binding?: BindingInterface,
  store?: Store,
): Promise<ScanEntry[]> {
  const map = new PortMap();
  const pool = new ModemPool({
    map,
    logger,
    openPort: (path) => openBytePort(binding ? { path, binding } : { path }),
    session: store ? sessionDefaults({ numbers: { ...sessionDefaults().numbers, cache: store.sims } }) : sessionDefaults(),
  });
  // ttys of one USB modem share a group: only one of them carries the session (see ModemPool).
  const shared = new Set(ports.map((p) => p.usbDevice).filter((d, i, all) => d !== undefined && all.indexOf(d) !== i));
  for (const { id, path, usbDevice } of ports) pool.addPort(id, path, usbDevice !== undefined && shared.has(usbDevice) ? usbDevice : undefined);
  try {
    await pool.waitSettled(SETTLE_TIMEOUT_MS);
    for (const view of map.snapshot()) if (view.iccid) store?.sims.recordSim(view);
    // Ports of a group that turned out not to be the AT port are no longer on the map.
    return ports.flatMap(({ id }) => {
      const view = map.get(id);
      return view ? [toEntry(view, pool.session(id)?.lastError ?? undefined)] : [];
    });
  } finally {
    await pool.close();
  }
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
    ...(p.numberProblem ? { numberProblem: p.numberProblem } : {}),
    ...(p.state === "unresponsive" && error ? { error } : {}),
  };
}

function formatScan(entries: readonly ScanEntry[]): string {
  const ready = entries.filter((e) => e.state === "ready").length;
  const noNumber = entries.filter((e) => e.state === "no-number").length;
  const refused = entries.filter((e) => e.state === "number-invalid").length;
  const why =
    (noNumber > 0 ? `, ${noNumber} not sellable until their own number is known (AT+CNUM empty)` : "") +
    (refused > 0 ? `, ${refused} with a number that is not valid for its country (never sold)` : "");
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
    ) +
    `\n${entries.length} ports, ${ready} ready${why}\n` +
    entries.map((e) => (e.numberProblem ? `${e.port}: number refused, ${e.numberProblem}\n` : "")).join("")
  );
}
