/** `simgate activations`: open and recent activations of the running daemon (admin API). */
import { EXIT_USAGE } from "../io.js";
import { table } from "../format.js";
import { adminCommand, COMMON_HELP, duration, localTime, portNames } from "../admin-client.js";

const HELP = `usage: simgate activations [--limit N] [--admin HOST:PORT] [--config FILE] [--json]

Show every open activation (GET_NUMBER orders Onlinesim has not finished yet) and the most
recent finished ones, newest first: number, service, port, price, how it ended
(FINISH_ACTIVATION status: 3 sold, 4 cancelled, 5 refunded, 1 excluded) and the SMS it got.

  --limit N   the newest N activations (default 20, at most 1000); open ones are always shown
${COMMON_HELP}`;

interface Activation {
  id: number;
  number: string;
  port: string | null;
  country: string;
  operator: string;
  service: string;
  sum: number;
  createdAt: number;
  state: "open" | "finished";
  status: number | null;
  finishSum: number | null;
  closedAt: number | null;
  expiresAt: number | null;
  smsCount: number;
}

/** FINISH_ACTIVATION statuses (protocol doc §2.5). */
const FINISHED: Record<number, string> = { 1: "excluded", 3: "sold", 4: "cancelled", 5: "refunded" };

function stateText(a: Activation, now: number): string {
  if (a.state === "open") {
    if (a.expiresAt === null) return "open";
    return a.expiresAt >= now ? `open, ${duration(a.expiresAt - now)} left` : `open, overdue ${duration(now - a.expiresAt)}`;
  }
  return `${a.status} ${FINISHED[a.status ?? -1] ?? "unknown status"}`;
}

export const activationsCommand = adminCommand("activations", HELP, { limit: { type: "string", default: "20" } }, async (args, client, io) => {
  if (args.positionals.length > 0) return usage(io, `unexpected argument '${args.positionals[0]}'`);
  const n = Number(args.values.limit);
  if (!Number.isInteger(n) || n < 1 || n > 1000) return usage(io, `--limit takes a whole number from 1 to 1000, got '${args.values.limit}'`);
  const res = await client.get<{ open: number; activations: Activation[] }>("/api/activations", { limit: n });
  if (args.values.json) {
    io.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
    return 0;
  }
  if (res.activations.length === 0) {
    io.stdout.write("no activations yet\n");
    return 0;
  }
  const now = Date.now();
  const name = portNames(res.activations.flatMap((a) => (a.port ? [a.port] : [])));
  const rows = res.activations.map((a) => [
    `#${a.id}`,
    stateText(a, now),
    a.number,
    a.service,
    `${a.country}/${a.operator}`,
    a.port ? name(a.port) : null,
    a.finishSum ?? a.sum,
    localTime(a.createdAt),
    a.closedAt === null ? null : localTime(a.closedAt),
    a.smsCount,
  ]);
  const finished = res.activations.length - res.open;
  io.stdout.write(
    table(["id", "state", "number", "service", "country/operator", "port", "sum", "ordered", "finished", "SMS"], rows) +
      `\n${res.open} open, ${finished} finished shown\n`,
  );
  return 0;
});

function usage(io: { stderr: { write(t: string): unknown } }, message: string): number {
  io.stderr.write(`simgate activations: ${message}\n`);
  return EXIT_USAGE;
}
