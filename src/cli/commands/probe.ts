import { parseArgs } from "node:util";
import type { ProbeResult } from "../../modem/probe.js";
import { ErrorCode, isSimgateError } from "../../errors.js";
import { probePort } from "../../modem/probe-port.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { cliLogger, keyValueBlock, oneLineError } from "../format.js";
import { notASerialPort } from "../serial-path.js";

const HELP = `usage: simgate probe <path> [--json] [--baud B] [--verbose]

Open one serial port, identify the module, pick its driver (as the daemon does) and
read its SIM, and print what was found. Exit 1 when the port cannot be opened or does
not speak AT.

  --json       one JSON object instead of a table
  --baud B     line speed (default 115200; USB-native modules ignore it)
  --verbose    log the AT traffic to stderr
`;

export interface ProbeOutput extends ProbeResult {
  path: string;
}

export const probeCommand: CliCommand = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        baud: { type: "string", default: "115200" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    io.stderr.write(`simgate probe: ${oneLineError(err)}\n${HELP}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const path = positionals[0];
  if (!path || positionals.length > 1) {
    io.stderr.write(`simgate probe: expected exactly one port path\n${HELP}`);
    return EXIT_USAGE;
  }
  const baudRate = Number(values.baud);
  if (!Number.isInteger(baudRate) || baudRate <= 0) {
    io.stderr.write(`simgate probe: --baud must be a positive integer, got '${values.baud}'\n`);
    return EXIT_USAGE;
  }

  const notSerial = notASerialPort(path);
  if (notSerial !== undefined) {
    io.stderr.write(`simgate probe: ${notSerial}\n`);
    return EXIT_FAILURE;
  }
  const logger = cliLogger(values.verbose).child({ port: path });
  try {
    const result: ProbeOutput = { path, ...(await probePort({ path, baudRate, logger })) };
    io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : formatProbe(result));
    return 0;
  } catch (err) {
    // Open failures already name the port; other errors need it.
    const where = isSimgateError(err, ErrorCode.TransportOpenFailed) ? "" : `${path}: `;
    io.stderr.write(`simgate probe: ${where}${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
};

function formatProbe(r: ProbeOutput): string {
  const block = keyValueBlock([
    ["port", r.path],
    ["driver", r.driver],
    ["manufacturer", r.manufacturer],
    ["model", r.model],
    ["revision", r.revision],
    ["IMEI", r.imei],
    ["SIM", r.sim],
    ["ICCID", r.iccid],
    ["IMSI", r.imsi],
    ["home network", r.mcc && r.mnc ? `${r.mcc}/${r.mnc}` : null],
    ["registered on", r.networkOperator],
    ["registration", r.registration],
    ["access technology", r.accessTechnology],
    ["signal", r.signal === null ? null : `${r.signal} dBm`],
    ["number", r.number],
  ]);
  return r.warnings.length > 0 ? `${block}\nwarnings:\n${r.warnings.map((w) => `  ${w}`).join("\n")}\n` : block;
}
