/**
 * POST /api/at {port, command, timeoutMs?, force?}: one raw AT command through the port's
 * own queue (PortSession.runRaw), for field debugging with `simgate at`. Interleaves with
 * the session's polls and SMS reads instead of fighting them for the tty.
 *
 *   200 {status:"SUCCESS", port, command, lines, final, ok, durationMs, ussd?}   ok=false: ERROR/+CME/+CMS answer;
 *       ussd: the network's +CUSD answer to AT+CUSD=1,"…" (null when none came in time; inspect-at-ussd.ts)
 *   400 BAD_REQUEST | BAD_COMMAND | AMBIGUOUS_PORT     404 NO_SUCH_PORT
 *   409 PORT_NOT_OPEN (no session or no open channel)  422 COMMAND_REFUSED (inspect-at-policy.ts)
 *   504 AT_TIMEOUT (lines received so far) | PORT_NOT_ANSWERING (resync after an earlier timeout failed)
 *
 * Every command is logged (info; warn when forced past the policy), PINs redacted.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { redactCommand } from "../../at/index.js";
import { ErrorCode, isSimgateError } from "../../errors.js";
import type { AdminContext } from "./plugins.js";
import { refusalFor } from "./inspect-at-policy.js";
import { matchPort, portProblem } from "./inspect-ports.js";
import { isUssdRequest, listenForUssd, USSD_ANSWER_WAIT_MS } from "./inspect-at-ussd.js";

/** 3 minutes: AT+COPS=? (network scan) is the slowest command anyone asks for (ModemManager allows 120 s+). */
export const MAX_AT_TIMEOUT_MS = 180_000;

const AtBody = z.strictObject({
  port: z.string().min(1).max(512),
  command: z.string().min(1).max(512),
  timeoutMs: z.number().int().min(100).max(MAX_AT_TIMEOUT_MS).optional(),
  force: z.boolean().default(false),
});

const error = (error: string, detail: string, extra: object = {}) => ({ status: "ERROR", error, detail, ...extra });

export function registerAtRoute(app: FastifyInstance, ctx: AdminContext): void {
  app.post("/api/at", async (req, reply) => {
    const b = AtBody.safeParse(req.body);
    if (!b.success) return reply.code(400).send(error("BAD_REQUEST", b.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")));
    const { command, force } = b.data;
    const ids = ctx.map.snapshot().map((p) => p.id);
    const m = matchPort(ids, b.data.port);
    if (m.kind !== "found") {
      const p = portProblem(b.data.port, m, ids);
      return reply.code(p.code).send(p.body);
    }
    const port = m.id;
    const session = ctx.pool.session(port);
    if (!session) return reply.code(409).send(error("PORT_NOT_OPEN", `port ${port} has no session (a standby tty of a modem whose AT port is another one, or it is being removed)`));
    const refusal = refusalFor(command);
    if (refusal && (!force || !refusal.forceable)) {
      const how = refusal.forceable ? "; add --force to send it anyway" : " (not even with --force)";
      return reply.code(422).send(error("COMMAND_REFUSED", `AT${refusal.command}: ${refusal.why}${how}`, { forceable: refusal.forceable }));
    }
    const shown = redactCommand(command);
    const log = ctx.logger.child({ port });
    if (refusal) log.warn({ event: "admin-at-forced", command: shown, why: refusal.why }, "raw AT command sent past the safety list (--force)");
    const ussd = isUssdRequest(command) && session.channel ? listenForUssd(session.channel) : undefined;
    try {
      const r = await session.runRaw(command, b.data.timeoutMs ?? ctx.config.modem.commandTimeoutMs);
      const answer = ussd === undefined ? undefined : r.ok ? await ussd.answer(Math.min(b.data.timeoutMs ?? USSD_ANSWER_WAIT_MS, USSD_ANSWER_WAIT_MS)) : (ussd.cancel(), null);
      log.info({ event: "admin-at", command: shown, final: r.final, lines: r.lines.length, durationMs: r.durationMs, ...(ussd ? { ussdAnswered: answer !== null } : {}) }, "raw AT command from the admin API");
      return { status: "SUCCESS", port, command: shown, ...r, ...(ussd ? { ussd: answer } : {}) };
    } catch (err) {
      ussd?.cancel();
      if (!isSimgateError(err)) throw err;
      log.warn({ event: "admin-at-failed", command: shown, err }, "raw AT command from the admin API failed");
      const detail = err.plainMessage;
      switch (err.code) {
        case ErrorCode.AtTimeout:
          return reply.code(504).send(error("AT_TIMEOUT", `${detail}; the port resyncs before its next command`, { lines: (err.context as { lines?: string[] }).lines ?? [] }));
        case ErrorCode.AtResyncFailed:
          return reply.code(504).send(error("PORT_NOT_ANSWERING", detail));
        case ErrorCode.AtInvalidCommand:
          return reply.code(400).send(error("BAD_COMMAND", detail));
        case ErrorCode.AtChannelClosed:
        case ErrorCode.TransportClosed:
        case ErrorCode.TransportDisconnected:
          return reply.code(409).send(error("PORT_NOT_OPEN", detail));
        default:
          throw err;
      }
    }
  });
}
