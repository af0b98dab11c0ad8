/**
 * The inspection API behind `simgate sms`, `simgate activations` and `simgate at`
 * (`simgate status` reads GET /api/status):
 *
 *   GET  /api/sms?port=&since=&limit=   recent SMS, newest first, with where each went
 *   GET  /api/activations?limit=        every open activation and the newest closed ones
 *   POST /api/at {port, command, timeoutMs?, force?}   see inspect-at.ts
 *
 * Read-only against the store (one connection, synchronous queries of a few ms), except
 * /api/at which goes through the port's own AT queue. Errors are `{status:"ERROR",
 * error:TOKEN, detail}` like the rest of the admin API; the CLI prints `detail`.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AdminContext } from "./plugins.js";
import { registerAtRoute } from "./inspect-at.js";
import { matchPort, portProblem } from "./inspect-ports.js";
import { parseSince, SINCE_FORMS } from "./inspect-since.js";
import { scrubDeep, secretScrubber } from "../../log/secrets.js";
import { configSecrets } from "../../config/redact.js";

const SmsQuery = z.strictObject({
  port: z.string().min(1).max(512).optional(),
  since: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

const ActivationsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
});

export function badRequest(issues: readonly z.core.$ZodIssue[]): object {
  return { status: "ERROR", error: "BAD_REQUEST", detail: issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ") };
}

export async function registerInspectRoutes(app: FastifyInstance, ctx: AdminContext): Promise<void> {
  // Delivery errors are stored scrubbed; rows written by older versions may not be.
  const scrub = secretScrubber(configSecrets(ctx.config));
  app.get("/api/sms", async (req, reply) => {
    const q = SmsQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error.issues));
    const since = q.data.since === undefined ? undefined : parseSince(q.data.since);
    if (since === null) return reply.code(400).send({ status: "ERROR", error: "BAD_REQUEST", detail: `since: expected ${SINCE_FORMS}` });
    let portId: string | undefined;
    if (q.data.port !== undefined) {
      // Ports that left the map (unplugged before this start) still have their SMS.
      const known = [...ctx.map.snapshot().map((p) => p.id), ...ctx.store.sms.lastPerPort().map((s) => s.portId)];
      const m = matchPort(known, q.data.port);
      if (m.kind !== "found") {
        const p = portProblem(q.data.port, m, [...new Set(known)]);
        return reply.code(p.code).send(p.body);
      }
      portId = m.id;
    }
    const sms = ctx.store.sms.recent({ limit: q.data.limit, ...(portId !== undefined ? { portId } : {}), ...(since !== undefined ? { since } : {}) });
    return scrubDeep(
      {
        port: portId ?? null,
        since: since ?? null,
        sms: sms.map(({ portId: port, ...s }) => ({ ...s, port })),
      },
      scrub,
    );
  });

  app.get("/api/activations", async (req, reply) => {
    const q = ActivationsQuery.safeParse(req.query);
    if (!q.success) return reply.code(400).send(badRequest(q.error.issues));
    const lifeMs = ctx.config.engine.activationLifeMs;
    // The sales ledger's list: every marketplace's reservations, each with its buyer (`market`) and outcome.
    const list = await ctx.store.sales.recent(q.data.limit);
    return {
      open: list.filter((a) => a.closedAt === null).length,
      activations: list.map(({ portId, ...a }) => ({
        ...a,
        port: portId,
        state: a.closedAt === null ? "open" : "finished",
        // Onlinesim closes at the end of the operation's life (docs/protocols/onlinesim-v1.md#finish_activation); until then it is ours to serve.
        expiresAt: a.closedAt === null ? a.createdAt + lifeMs : null,
      })),
    };
  });

  registerAtRoute(app, ctx);
}
