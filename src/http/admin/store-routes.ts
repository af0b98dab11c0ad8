/**
 * The store's admin routes (`simgate store backup` while the daemon runs):
 *
 *   POST /api/store/backup {source?}   an online copy of simgate.db into the state
 *        directory's backup-staging/, for the CLI to move where the operator asked
 *
 * Only the daemon can read simgate.db while it runs (it holds it with
 * locking_mode=EXCLUSIVE), so the copy is made on its connection through SQLite's backup
 * API (src/store/backup.ts), while it keeps serving. The copy lands under the state
 * directory because that is the one place the service may write (ProtectSystem=strict);
 * the path comes from the daemon, never from the request. `source` (the CLI's realpath of
 * the simgate.db it means) makes a daemon running a different store refuse with 409
 * instead of handing over the wrong copy. One backup at a time: a second gets 409.
 */
import { realpathSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { stagingFile } from "../../store/backup.js";
import { badRequest } from "./inspect-routes.js";
import type { AdminContext } from "./plugins.js";

const BackupBody = z.strictObject({ source: z.string().min(1).max(4096).optional() }).default({});

export function registerStoreRoutes(app: FastifyInstance, ctx: AdminContext): void {
  let running = false;
  app.post("/api/store/backup", async (req, reply) => {
    const body = BackupBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send(badRequest(body.error.issues));
    const own = realpathSync(ctx.store.path);
    if (body.data.source !== undefined && body.data.source !== own) {
      return reply.code(409).send({ status: "ERROR", error: "OTHER_STORE", detail: `this daemon runs ${own}, not ${body.data.source}: point --admin at the daemon of that state directory` });
    }
    if (running) return reply.code(409).send({ status: "ERROR", error: "BUSY", detail: "a backup is already running; try again when it is done" });
    running = true;
    try {
      const staged = stagingFile(ctx.store.stateDir);
      // Not read back here: that is synchronous and proportional to the store's size; the CLI verifies the copy it collects.
      const r = await ctx.store.backup(staged, { verify: false });
      ctx.logger.info({ event: "store-backup", staged, bytes: r.bytes, ms: r.ms }, `store backup staged at ${staged} (${r.bytes} bytes, ${r.ms} ms)`);
      return { status: "OK", staged, source: own, bytes: r.bytes, ms: r.ms };
    } finally {
      running = false;
    }
  });
}
