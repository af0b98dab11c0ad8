/**
 * The earnings behind `simgate earnings`:
 *
 *   GET /api/earnings?since=&today=&by=&limit=
 *
 *   since  sales recorded since then (the forms of inspect-since.ts; the CLI sends epoch ms);
 *          default all time
 *   today  where "today" starts, epoch ms (the CLI sends the operator's local midnight);
 *          default the daemon's local midnight
 *   by     market, service, sim, or a comma-separated list of them; default market. The
 *          currency is always part of a group: amounts in different currencies are never added
 *   limit  rows per currency, the best first (default 100, at most 100,000)
 *
 * Answers `{since, today, by, limit, rows, currencies}` (earnings-report.ts): each row has
 * its group's keys, sold and amount in the window, and the same for today; `currencies`
 * totals every group of each currency, shown or not. By marketplace and service, all time
 * and today come from the earnings book without a scan of the ledger, and another window
 * is one query of the ledger's totals. By SIM is the ledger's totals per SIM, read when
 * asked (about 80 ms at 100,000 sales, bench/earnings.ts); by SIM and service its line per
 * SIM × service × marketplace (about a second): an operator's question, never a page's or
 * a scrape's.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { EarningsBook } from "./earnings-book.js";
import { earningsReport, parseDimensions, type TallyInput } from "./earnings-report.js";
import { badRequest } from "./inspect-routes.js";
import { parseSince, SINCE_FORMS } from "./inspect-since.js";
import type { AdminContext } from "./plugins.js";

const EarningsQuery = z.strictObject({
  since: z.string().min(1).max(64).optional(),
  today: z.string().regex(/^\d{1,16}$/, "expected epoch milliseconds").transform(Number).optional(),
  by: z.string().min(1).max(64).default("market"),
  limit: z.coerce.number().int().min(1).max(100_000).default(100),
});

const refuse = (detail: string) => ({ status: "ERROR", error: "BAD_REQUEST", detail });

export function registerEarningsRoutes(app: FastifyInstance, ctx: Pick<AdminContext, "engine">): void {
  const core = ctx.engine.core;
  const book = EarningsBook.of(core);
  app.get("/api/earnings", async (req, reply) => {
    const q = EarningsQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error.issues));
    const since = q.data.since === undefined ? 0 : parseSince(q.data.since);
    if (since === null) return reply.code(400).send(refuse(`since: expected ${SINCE_FORMS}`));
    const by = parseDimensions(q.data.by);
    if ("problem" in by) return reply.code(400).send(refuse(`by: ${by.problem}`));
    const today = q.data.today ?? book.snapshot().todayStart;
    const read = (from: number): Promise<TallyInput[]> =>
      !by.includes("sim") ? book.totals(from) : by.includes("service") ? core.ledger.earnings(from) : core.ledger.earningsPerSim(from);
    const [window, todayLines] = await Promise.all([read(since), read(today)]);
    return { since, today, limit: q.data.limit, ...earningsReport(window, todayLines, by, q.data.limit) };
  });
}
