/**
 * The operator closes an activation by hand (`simgate activations close ID --status N`):
 *
 *   POST /api/activations/:id/close {status}   status: a FINISH_ACTIVATION status (1, 3, 4, 5)
 *
 * Exactly what Onlinesim's FINISH_ACTIVATION with that status does (engine
 * `closeByOperator`): the number is freed, the usage and earnings rules are the same, a
 * second close changes nothing. For an activation Onlinesim will not close: one it never
 * learned of, or one whose FINISH keeps failing. Logged as "closed by operator".
 *
 * An activation of another marketplace (markets: in the config) is closed by its own
 * FINISH rules: the SMSHUB family numbers 1, 3, 4 and 5 the same way, with its own cancel
 * limit (src/markets/smshub/outcomes.ts).
 *
 * Answers: 200 {status: "SUCCESS", outcome, activation}, where outcome is "closed",
 * "already-closed" (the first status stands) or "finished-after-release"; 404
 * UNKNOWN_ACTIVATION; 400 BAD_STATUS / BAD_REQUEST; 500 STORE_FAILED. The CLI prints `detail`.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AdminContext } from "./plugins.js";
import { badRequest } from "./inspect-routes.js";
import { DIALECTS } from "../../markets/smshub/dialects.js";
import { FINISH_STATUSES, outcomeOf } from "../../markets/smshub/outcomes.js";
import type { OperatorCloseResult } from "../../markets/onlinesim/v1-market.js";

const CloseParams = z.strictObject({ id: z.string().regex(/^\d{1,15}$/, "expected an activation id (a whole number)").transform(Number) });
const CloseBody = z.strictObject({ status: z.number().int() });

const HTTP_STATUS = { UNKNOWN_ACTIVATION: 404, BAD_STATUS: 400, STORE_FAILED: 500 } as const;

export function registerActivationRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.post("/api/activations/:id/close", async (req, reply) => {
    const params = CloseParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send(badRequest(params.error.issues));
    const body = CloseBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error.issues));
    const r = await closeByOperator(ctx, params.data.id, body.data.status);
    if (!r.ok) return reply.code(HTTP_STATUS[r.error]).send({ status: "ERROR", error: r.error, detail: r.detail });
    const { portId, ...activation } = r.activation;
    return { status: "SUCCESS", outcome: r.outcome, activation: { ...activation, port: portId } };
  });
}

/** Onlinesim's activations through its engine; another marketplace's by its own FINISH rules. */
async function closeByOperator(ctx: AdminContext, id: number, status: number): Promise<OperatorCloseResult> {
  const found = await ctx.engine.core.find(id);
  const market = found === undefined ? undefined : ctx.config.markets.find((m) => m.id === found.market);
  if (market === undefined) return ctx.engine.closeByOperator(id, status);
  if (!(FINISH_STATUSES as readonly number[]).includes(status)) {
    return { ok: false, error: "BAD_STATUS", detail: `status ${status} is not a FINISH_ACTIVATION status of ${market.id}: use 1, 3, 4 or 5` };
  }
  const r = await ctx.engine.core.close({ market: market.id, id, outcome: outcomeOf(status, DIALECTS[market.dialect]), status, finishSum: null, by: "operator" });
  switch (r.kind) {
    case "failed":
      return { ok: false, error: "STORE_FAILED", detail: "the close could not be stored (see the daemon's log); nothing changed" };
    case "unknown":
      return { ok: false, error: "UNKNOWN_ACTIVATION", detail: `no activation #${id} was ever issued` };
    default:
      return { ok: true, outcome: r.kind, activation: r.reservation };
  }
}
