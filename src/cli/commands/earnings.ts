/** `simgate earnings`: what the running daemon's pool earned, per marketplace, service or SIM (admin API). */
import { EXIT_USAGE, type CliIo } from "../io.js";
import { table } from "../format.js";
import { adminCommand, COMMON_HELP, localTime } from "../admin-client.js";
import { parseSince, SINCE_FORMS } from "../../http/admin/inspect-since.js";
import { parseDimensions, type Dimension, type EarningsReport } from "../../http/admin/earnings-report.js";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100_000;

const HELP = `usage: simgate earnings [--since T] [--by market|service|sim] [--limit N] [--admin HOST:PORT] [--config FILE] [--json]

What the pool earned: reservations sold and their amounts (the marketplace's own amount
when it named one at the close, else the price it offered), per marketplace, per service
or per SIM, best first. Each currency has its own rows and its own total: amounts in
different currencies are never added. Without --since: all time, with today's figures
beside it.

  --since T   only sales recorded since T: ${SINCE_FORMS}
  --by B      market (default), service, sim (number and ICCID), or several at once:
              --by market,service
  --limit N   the best N rows of each currency (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}); the totals count every row
${COMMON_HELP}`;

interface Answer extends EarningsReport {
  since: number;
  today: number;
  limit: number;
}

const COLUMNS: Record<Dimension, string[]> = { market: ["market"], service: ["service"], sim: ["number", "ICCID"] };

/** An amount with the decimals it has: two at least (12.50), up to four (the SMSHUB family's 0.0125). */
function formatAmount(n: number): string {
  const four = n.toFixed(4);
  return four.replace(/0{1,2}$/, "");
}

function keyCells(row: Answer["rows"][number], by: readonly Dimension[]): string[] {
  return by.flatMap((d) => (d === "sim" ? [`+${row.number}`, row.iccid ?? ""] : [row[d] ?? ""]));
}

function render(res: Answer, allTime: boolean): string {
  const head = [...res.by.flatMap((d) => COLUMNS[d]), "currency", "sold", "earned", ...(allTime ? ["sold today", "earned today"] : [])];
  const cells = (keys: string[], currency: string, s: { sold: number; amount: number }, today: { sold: number; amount: number }) => [
    ...keys,
    currency,
    s.sold,
    formatAmount(s.amount),
    ...(allTime ? [today.sold, formatAmount(today.amount)] : []),
  ];
  const rows = res.rows.map((r) => cells(keyCells(r, res.by), r.currency, r, r.today));
  // One total per currency, under the rows, in the first column.
  // " ": the table prints "-" for an empty cell, which reads as a value here.
  const blank = res.by.flatMap((d) => COLUMNS[d]).map(() => " ");
  for (const c of res.currencies) rows.push(cells(["total", ...blank.slice(1)], c.currency, c, c.today));
  const cut = res.currencies.filter((c) => c.shown < c.groups).map((c) => `${c.currency}: the best ${c.shown} of ${c.groups} shown (--limit)`);
  return table(head, rows) + cut.map((l) => `${l}\n`).join("");
}

export const earningsCommand = adminCommand(
  "earnings",
  HELP,
  { since: { type: "string" }, by: { type: "string", default: "market" }, limit: { type: "string", default: String(DEFAULT_LIMIT) } },
  async (args, client, io) => {
    const { since, by, limit } = args.values;
    if (args.positionals.length > 0) return usage(io, `unexpected argument '${args.positionals[0]}'`);
    const dims = parseDimensions(by);
    if ("problem" in dims) return usage(io, `--by takes ${dims.problem.replace(/^expected /, "")}`);
    const n = Number(limit);
    if (!/^\d+$/.test(limit) || n < 1 || n > MAX_LIMIT) return usage(io, `--limit takes a whole number from 1 to ${MAX_LIMIT}, got '${limit}'`);
    // Resolved here, on the operator's clock: "today" is the operator's today.
    const now = Date.now();
    const sinceMs = since === undefined ? 0 : parseSince(since, now);
    if (sinceMs === null) return usage(io, `--since takes ${SINCE_FORMS}; got '${since}'`);
    // With --since the window is all that is shown: "today" is made the same window.
    const today = since === undefined ? (parseSince("today", now) as number) : sinceMs;
    const res = await client.get<Answer>("/api/earnings", { since: sinceMs, today, by: dims.join(","), limit: n });
    if (args.values.json) {
      io.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
      return 0;
    }
    const allTime = since === undefined;
    const window = allTime ? `all time (today: since ${localTime(today)})` : `since ${localTime(sinceMs)}`;
    if (res.rows.length === 0) {
      io.stdout.write(allTime ? "nothing sold yet\n" : `nothing sold ${window}\n`);
      return 0;
    }
    io.stdout.write(`${render(res, allTime)}${window}\n`);
    return 0;
  },
);

function usage(io: Pick<CliIo, "stderr">, message: string): number {
  io.stderr.write(`simgate earnings: ${message}\n`);
  return EXIT_USAGE;
}
