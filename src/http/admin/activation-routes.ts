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
 * Answers: 200 {status: "SUCCESS", outcome, activation}, where outcome is "closed",
 * "already-closed" (the first status stands) or "finished-after-release"; 404
 * UNKNOWN_ACTIVATION; 400 BAD_STATUS / BAD_REQUEST; 500 STORE_FAILED. The CLI prints `detail`.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AdminContext } from "./plugins.js";
import { badRequest } from "./inspect-routes.js";

const CloseParams = z.strictObject({ id: z.string().regex(/^\d{1,15}$/, "expected an activation id (a whole number)").transform(Number) });
const CloseBody = z.strictObject({ status: z.number().int() });

const HTTP_STATUS = { UNKNOWN_ACTIVATION: 404, BAD_STATUS: 400, STORE_FAILED: 500 } as const;

export function registerActivationRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.post("/api/activations/:id/close", async (req, reply) => {
    const params = CloseParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send(badRequest(params.error.issues));
    const body = CloseBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error.issues));
    const r = await ctx.engine.closeByOperator(params.data.id, body.data.status);
    if (!r.ok) return reply.code(HTTP_STATUS[r.error]).send({ status: "ERROR", error: r.error, detail: r.detail });
    const { portId, ...activation } = r.activation;
    return { status: "SUCCESS", outcome: r.outcome, activation: { ...activation, port: portId } };
  });
}
