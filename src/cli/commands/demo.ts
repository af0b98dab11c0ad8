/** `simgate demo` (npm run demo): the daemon on a simulated rack, sold at once through a fake Onlinesim and a fake SMSHUB. */
import { startDemo } from "../../demo/demo.js";
import { DEMO_MIN_MODEMS } from "../../sim/scenarios.js";
import { EXIT_FAILURE, EXIT_USAGE, parseCommandArgs, type CliCommand } from "../io.js";
import { oneLineError } from "../format.js";

const HELP = `usage: simgate demo [--modems N] [--seed S] [--state-dir DIR] [--admin-port P] [--partner-port P]
                    [--order-every-ms N] [--summary-ms N] [--duration S]

See simgate work without any hardware: ${DEMO_MIN_MODEMS} simulated modems (two empty slots, a PIN-locked
SIM, a roaming SIM, numbers learned by USSD, one module that hangs, one that is unplugged)
and two fake marketplaces, Onlinesim and SMSHUB, buying from the same SIMs at once: each
polls, orders, has services text the numbers and closes the operations. Prints the status
page URL and a summary per marketplace every few seconds; Ctrl-C stops.

  --modems N          simulated modems (default ${DEMO_MIN_MODEMS}; fewer leave some rack roles out)
  --seed S            same seed, same SIMs and numbers (default 1)
  --state-dir DIR     keep the state database and log here (default: a temp dir, removed at the end)
  --admin-port P      status page / admin API port (default 8081, or a free one if taken)
  --partner-port P    partner endpoint port (default 8080, or a free one if taken)
  --order-every-ms N  how often each fake marketplace orders a number (default 1500)
  --summary-ms N      summary period (default 5000)
  --duration S        stop by itself after S seconds (default: run until Ctrl-C)
`;

export const demoCommand: CliCommand = async (argv, io) => {
  const parsed = parseCommandArgs("demo", {
    args: argv,
    options: {
      modems: { type: "string", default: String(DEMO_MIN_MODEMS) },
      seed: { type: "string", default: "1" },
      "state-dir": { type: "string" },
      "admin-port": { type: "string", default: "8081" },
      "partner-port": { type: "string", default: "8080" },
      "order-every-ms": { type: "string", default: "1500" },
      "summary-ms": { type: "string", default: "5000" },
      duration: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  }, HELP, io);
  if (typeof parsed === "number") return parsed;
  const { values } = parsed;
  const int = (raw: string, name: string, min: number, max: number): number | undefined => {
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    io.stderr.write(`simgate demo: --${name} must be a whole number from ${min} to ${max}, got '${raw}'\n`);
    return undefined;
  };
  const modems = int(values.modems, "modems", 1, 256);
  const adminPort = int(values["admin-port"], "admin-port", 0, 65535);
  const partnerPort = int(values["partner-port"], "partner-port", 0, 65535);
  const orderEveryMs = int(values["order-every-ms"], "order-every-ms", 50, 600_000);
  const summaryMs = int(values["summary-ms"], "summary-ms", 100, 600_000);
  const duration = values.duration === undefined ? null : int(values.duration, "duration", 1, 86_400);
  if (modems === undefined || adminPort === undefined || partnerPort === undefined || orderEveryMs === undefined || summaryMs === undefined || duration === undefined) return EXIT_USAGE;

  let demo;
  try {
    demo = await startDemo({
      modems,
      seed: values.seed,
      adminPort,
      partnerPort,
      orderEveryMs,
      summaryMs,
      ...(values["state-dir"] !== undefined ? { stateDir: values["state-dir"] } : {}),
      ...(duration !== null ? { durationMs: duration * 1000 } : {}),
      out: (line) => io.stdout.write(`${line}\n`),
    });
  } catch (err) {
    io.stderr.write(`simgate demo: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  const code = await Promise.race([demo.done, io.untilStopped().then(() => demo.stop())]);
  io.stdout.write(`simgate demo stopped (${code === 0 ? "clean" : "with errors"})\n`);
  return code;
};
