/**
 * `simgate activations`: open and recent activations of the running daemon (admin API);
 * `simgate activations close ID --status N`: close one by hand, as FINISH_ACTIVATION would.
 */
import { EXIT_USAGE, type CliIo } from "../io.js";
import { table } from "../format.js";
import { adminCommand, COMMON_HELP, duration, localTime, portNames, type AdminClient } from "../admin-client.js";

const HELP = `usage: simgate activations [--limit N] [--admin HOST:PORT] [--config FILE] [--json]
       simgate activations close ID --status N [--admin HOST:PORT] [--config FILE] [--json]

Show every open activation (GET_NUMBER orders a marketplace has not finished yet) and the
most recent finished ones, newest first, on every marketplace: which one, number, service,
port, price, how it ended (the marketplace's FINISH status and what it means: sold,
cancelled, refunded, rejected; "released" when simgate freed the number without one: its
answer never reached the marketplace, or it was open long past the operation time) and the
SMS it got.

close ID --status N: close activation ID exactly as Onlinesim's FINISH_ACTIVATION with
status N would (1, 3, 4 or 5): the number is free again, status 3 counts as earned. For an
activation Onlinesim will not close. Closing it again changes nothing.

  --limit N   the newest N activations (default 20, at most 1000); open ones are always shown
  --status N  with close: the FINISH status to record
${COMMON_HELP}`;

interface Activation {
  id: number;
  /** The marketplace holding it (absent from daemons before issue 15: Onlinesim). */
  market?: string;
  currency?: string;
  /** sold, cancelled, refunded, rejected; null while open or released without an outcome. */
  outcome?: string | null;
  /** Set when the marketplace refunded the sale afterwards: no longer earned. */
  refundedAt?: number;
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
  /** How the number was freed (null while open): finish, operator, undelivered, overdue. */
  closeReason?: string | null;
  expiresAt: number | null;
  smsCount: number;
}

/** FINISH_ACTIVATION statuses (docs/protocols/onlinesim-v1.md#finish_activation). */
const FINISHED: Record<number, string> = { 1: "excluded", 3: "sold", 4: "cancelled", 5: "refunded" };

const RELEASED: Record<string, string> = { undelivered: "answer never delivered", overdue: "overdue, no FINISH" };

function stateText(a: Activation, now: number): string {
  if (a.state === "open") {
    if (a.expiresAt === null) return "open";
    return a.expiresAt >= now ? `open, ${duration(a.expiresAt - now)} left` : `open, overdue ${duration(now - a.expiresAt)}`;
  }
  const reason = a.closeReason ?? "finish";
  if (a.status === null) return `released (${RELEASED[reason] ?? reason})`;
  // The marketplace's own status number, with the neutral outcome as the word (each marketplace numbers its own statuses).
  const ended = `${a.status} ${a.outcome ?? FINISHED[a.status] ?? "unknown status"}${a.refundedAt !== undefined ? " (refunded later)" : ""}`;
  return reason === "operator" ? `${ended}, by operator` : reason in RELEASED ? `${ended}, after release` : ended;
}

const STATUS_CHOICES = Object.entries(FINISHED)
  .map(([n, word]) => `${n} (${word})`)
  .join(", ");

interface CloseAnswer {
  outcome: "closed" | "already-closed" | "finished-after-release";
  activation: { id: number; number: string; service: string; status: number | null; closeReason: string };
}

async function close(positionals: string[], statusArg: string | undefined, json: boolean, client: AdminClient, io: CliIo): Promise<number> {
  const [, idText, extra] = positionals;
  if (idText === undefined) return usage(io, "close needs the activation id: simgate activations close ID --status N");
  if (extra !== undefined) return usage(io, `unexpected argument '${extra}'`);
  if (!/^[1-9]\d{0,14}$/.test(idText)) return usage(io, `the activation id is a whole number from 1, got '${idText}'`);
  if (statusArg === undefined) return usage(io, `close needs --status N, one of ${STATUS_CHOICES}`);
  if (!/^\d+$/.test(statusArg) || !(Number(statusArg) in FINISHED)) return usage(io, `--status must be one of ${STATUS_CHOICES}, got '${statusArg}'`);
  const id = Number(idText);
  const status = Number(statusArg);
  const res = await client.post<CloseAnswer>(`/api/activations/${id}/close`, { status });
  if (json) {
    io.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
    return 0;
  }
  const a = res.activation;
  const recorded = `${a.status} (${FINISHED[a.status ?? -1] ?? "unknown status"})`;
  const line =
    res.outcome === "closed"
      ? `activation #${a.id} (+${a.number}, ${a.service}) closed by operator with status ${recorded}; the number is free again`
      : res.outcome === "finished-after-release"
        ? `activation #${a.id} (+${a.number}, ${a.service}) had been released (${RELEASED[a.closeReason] ?? a.closeReason}); status ${recorded} recorded`
        : `activation #${a.id} was already closed with status ${recorded}; nothing changed`;
  io.stdout.write(`${line}\n`);
  return 0;
}

export const activationsCommand = adminCommand("activations", HELP, { limit: { type: "string", default: "20" }, status: { type: "string" } }, async (args, client, io) => {
  if (args.positionals[0] === "close") return close(args.positionals, args.values.status, args.values.json === true, client, io);
  if (args.positionals.length > 0) return usage(io, `unexpected argument '${args.positionals[0]}' (to close one: simgate activations close ID --status N)`);
  if (args.values.status !== undefined) return usage(io, "--status goes with close: simgate activations close ID --status N");
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
    a.market ?? "onlinesim",
    stateText(a, now),
    a.number,
    a.service,
    `${a.country}/${a.operator}`,
    a.port ? name(a.port) : null,
    `${a.finishSum ?? a.sum}${a.currency ? ` ${a.currency}` : ""}`,
    localTime(a.createdAt),
    a.closedAt === null ? null : localTime(a.closedAt),
    a.smsCount,
  ]);
  const finished = res.activations.length - res.open;
  io.stdout.write(
    table(["id", "market", "state", "number", "service", "country/operator", "port", "sum", "ordered", "finished", "SMS"], rows) +
      `\n${res.open} open, ${finished} finished shown\n`,
  );
  return 0;
});

function usage(io: { stderr: { write(t: string): unknown } }, message: string): number {
  io.stderr.write(`simgate activations: ${message}\n`);
  return EXIT_USAGE;
}
