/**
 * `simgate number set ICCID NUMBER`: set a SIM's own number in the running daemon (admin
 * API, takes effect at once, kept in the store). `simgate number check NUMBER [--mcc MCC]`:
 * what the daemon would make of a number, without a daemon.
 */
import { parseArgs } from "node:util";
import { checkInternationalNumber, checkPhoneNumber, regionsForMcc } from "../../../drivers/generic/index.js";
import { EXIT_FAILURE, EXIT_USAGE, type CliCommand } from "../io.js";
import { adminCommand, COMMON_HELP } from "../admin-client.js";
import { oneLineError } from "../format.js";

const HELP = `usage: simgate number set <ICCID> <NUMBER> [--admin HOST:PORT] [--config FILE] [--json]
       simgate number check <NUMBER> [--mcc MCC]

set    Set the own number of the SIM with this ICCID in the running daemon: for a SIM whose
       number the modem cannot tell, or told wrong (state number-invalid in 'simgate
       status'). Write the number with its calling code (+7…, +91…). It is validated like
       every number simgate sells, used at once on the port that holds the SIM, and kept
       for that ICCID across restarts. A SIM listed in config modem.numbers keeps the
       config's number; a number another SIM holds is refused.
check  Normalise and validate a number as simgate would: with --mcc, a number without its
       calling code is read in that country (as the SIM's own number is); without it, the
       number must carry its calling code.

${COMMON_HELP}`;

interface SetAnswer {
  iccid: string;
  number: string;
  previous: string | null;
  ports: string[];
  seen: boolean;
}

const setNumber = adminCommand("number set", HELP, {}, async (args, client, io) => {
  const [iccid, ...rest] = args.positionals;
  const number = rest.join(" ").trim();
  if (iccid === undefined || number === "") {
    io.stderr.write("simgate number set: give an ICCID and a number, e.g. simgate number set 8970101234567890123 +79161234567\n");
    return EXIT_USAGE;
  }
  const r = await client.post<SetAnswer>("/api/numbers", { iccid, number });
  if (args.values.json) {
    io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  const was = r.previous === null ? "" : ` (was ${r.previous})`;
  const where = r.ports.length > 0 ? `; in use on ${r.ports.join(", ")} now` : r.seen ? "; the SIM is not in a port now" : "; this daemon has not seen the SIM yet, the number is used when it appears";
  io.stdout.write(`${r.iccid}: number ${r.number}${was}${where}\n`);
  return 0;
});

async function checkNumber(argv: string[], io: Parameters<CliCommand>[1]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { mcc: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    io.stderr.write(`simgate number check: ${oneLineError(err)}\n${HELP}`);
    return EXIT_USAGE;
  }
  if (parsed.values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const number = parsed.positionals.join(" ").trim();
  const mcc = parsed.values.mcc;
  if (number === "") {
    io.stderr.write("simgate number check: give a number, e.g. simgate number check 9123456789 --mcc 404\n");
    return EXIT_USAGE;
  }
  if (mcc !== undefined && regionsForMcc(mcc).length === 0) {
    io.stderr.write(`simgate number check: --mcc ${mcc} is not a mobile country code simgate knows\n`);
    return EXIT_USAGE;
  }
  const verdict = mcc === undefined ? checkInternationalNumber(number) : checkPhoneNumber(number, { mcc });
  if (!verdict.ok) {
    io.stdout.write(`refused: ${verdict.reason}\n`);
    return EXIT_FAILURE;
  }
  io.stdout.write(`${verdict.e164} (${verdict.region ?? "non-geographic"}, ${verdict.type.toLowerCase().replaceAll("_", "-")})\n`);
  return 0;
}

export const numberCommand: CliCommand = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === "set") return setNumber(rest, io);
  if (sub === "check") return checkNumber(rest, io);
  if (sub === "--help" || sub === "-h") {
    io.stdout.write(HELP);
    return 0;
  }
  io.stderr.write(`simgate number: ${sub === undefined ? "give a subcommand" : `unknown subcommand '${sub}'`}\n${HELP}`);
  return EXIT_USAGE;
};
