/** `simgate at <port> <command>`: one raw AT command through the port's queue in the running daemon. */
import { EXIT_FAILURE, EXIT_USAGE } from "../io.js";
import { adminCommand, COMMON_HELP, portNames } from "../admin-client.js";

const HELP = `usage: simgate at <port> <command> [--timeout MS] [--force] [--admin HOST:PORT] [--config FILE] [--json]

Send one AT command to a port of the running daemon and print the module's answer, the
way a terminal would show it. The command waits its turn in the port's queue, so it
interleaves with the daemon's own polls and SMS reads instead of fighting over the tty.
A USSD request (AT+CUSD=1,"…") also waits for the network's +CUSD answer (up to 30 s,
or --timeout) and prints it decoded. Exit status 0 when the module answered OK (and a
USSD request got its answer), 1 for ERROR/+CME ERROR, no USSD answer and any failure.

  <port>        the port id, its last part (modem3) or any unique ending
  --json        {port, portId, command, lines, final, ok, durationMs[, ussd]}: ok is the
                module's verdict; port is the short name the table and <port> use
  <command>     e.g. AT+CSQ, AT+COPS?, 'AT+CUSD=1,"*100#",15' (quote it for the shell)
  --timeout MS  how long the module may take (default: the daemon's modem.commandTimeoutMs;
                AT+COPS=? needs 120000 or more; at most 180000)
  --force       send a command the daemon refuses by default because it would silently
                break the port's session: ATZ, AT&F, ATV0, ATQ1, ATD…, AT+CFUN=…, AT+IPR=…,
                AT+CMGF=1, AT+CNMI=…, AT+CPMS=…, AT+CMGD=…, AT+CMEE=0, AT+CSCS=…, AT+CPIN=…,
                AT+COPS=1..4, vendor resets (the refusal says why)
${COMMON_HELP}`;

interface UssdAnswer {
  line: string;
  status: number | null;
  statusText: string;
  text: string;
}

interface AtAnswer {
  port: string;
  command: string;
  lines: string[];
  final: string;
  ok: boolean;
  durationMs: number;
  /** Only for a USSD request: the network's answer, null when none came in time. */
  ussd?: UssdAnswer | null;
}

/** Beyond the command's own timeout: the wait behind the session's commands (a USSD may hold the queue ~30 s). */
const QUEUE_ALLOWANCE_MS = 60_000;
/** The daemon's commandTimeoutMs may be up to a minute (config schema). */
const DEFAULT_TIMEOUT_MS = 60_000;
/** How long the daemon waits for a USSD answer after the OK (src/http/admin/inspect-at-ussd.ts). */
const USSD_WAIT_MS = 30_000;

export const atCommand = adminCommand(
  "at",
  HELP,
  { timeout: { type: "string" }, force: { type: "boolean", default: false } },
  async (args, client, io) => {
    const [port, ...words] = args.positionals;
    const command = words.join(" ").trim();
    if (port === undefined || command === "") {
      io.stderr.write(`simgate at: give a port and a command, e.g. simgate at modem3 AT+CSQ\n`);
      return EXIT_USAGE;
    }
    const timeout = args.values.timeout === undefined ? undefined : Number(args.values.timeout);
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 100 || timeout > 180_000)) {
      io.stderr.write(`simgate at: --timeout takes milliseconds from 100 to 180000, got '${args.values.timeout}'\n`);
      return EXIT_USAGE;
    }
    const body = { port, command, force: args.values.force, ...(timeout !== undefined ? { timeoutMs: timeout } : {}) };
    const r = await client.post<AtAnswer & { status?: string }>("/api/at", body, (timeout ?? DEFAULT_TIMEOUT_MS) + QUEUE_ALLOWANCE_MS);
    const noUssdAnswer = r.ussd === null;
    if (args.values.json) {
      // The API's "status":"SUCCESS" says the request was served, which next to "ok":false read as a contradiction.
      const { status: _served, port: portId, ...answer } = r;
      io.stdout.write(`${JSON.stringify({ port: portNames([portId])(portId), portId, ...answer }, null, 2)}\n`);
    } else {
      const shown = [...r.lines, r.final];
      if (r.ussd) shown.push(r.ussd.line, `USSD answer (${r.ussd.statusText}): ${r.ussd.text || "(no text)"}`);
      io.stdout.write(shown.map((l) => `${l}\n`).join(""));
      if (noUssdAnswer) io.stderr.write(`simgate at: no USSD answer from the network within ${Math.round(Math.min(timeout ?? USSD_WAIT_MS, USSD_WAIT_MS) / 1000)} s (the code may be wrong for this operator, or the network is slow: try again)\n`);
    }
    return r.ok && !noUssdAnswer ? 0 : EXIT_FAILURE;
  },
);
