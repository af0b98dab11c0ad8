/**
 * POST /api/numbers {iccid, number}: the operator sets a SIM's own number by hand
 * (`simgate number set`), for a SIM whose number the modem and the operator's USSD cannot
 * tell, or told wrong (port state number-invalid). Takes effect at once, without a
 * restart: the number is stored for the ICCID (the store's sims table, where learned
 * numbers live, so it survives restarts and port moves) and put on the port that holds
 * the SIM now.
 *
 *   200 {status:"SUCCESS", iccid, number, previous, ports, seen}
 *   400 BAD_REQUEST    409 CONFIG_OWNS_NUMBER | NUMBER_IN_USE | ACTIVATION_OPEN
 *   422 NUMBER_INVALID (the reason, as the port would show it)
 *
 * The number is validated like every number the daemon sells (drivers/generic/
 * phone-number.ts), written with its calling code as in config `modem.numbers`. Config
 * wins: a SIM listed there keeps the config's number, so that key is refused here. A number
 * another SIM already holds is refused (one number is sold for one SIM), and so is a change
 * while the SIM's current number is in an open activation (its SMS would go astray).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { checkInternationalNumber } from "../../../drivers/generic/phone-number.js";
import type { AdminContext } from "./plugins.js";

const NumberBody = z.strictObject({
  // As the modem reads it: the F that pads an odd-length ICCID on the card is not part of it.
  iccid: z
    .string()
    .regex(/^\d{18,22}F?$/i, "ICCID: 18 to 22 digits")
    .transform((s) => s.replace(/F$/i, "")),
  number: z.string().min(1).max(64),
});

const error = (error: string, detail: string) => ({ status: "ERROR", error, detail });

export function numbersPlugin(app: FastifyInstance, ctx: AdminContext): void {
  app.post("/api/numbers", async (req, reply) => {
    const b = NumberBody.safeParse(req.body);
    if (!b.success) return reply.code(400).send(error("BAD_REQUEST", b.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ")));
    const { iccid } = b.data;
    const configured = ctx.config.modem.numbers[iccid] ?? ctx.config.modem.numbers[`${iccid}F`];
    if (configured !== undefined) {
      return reply.code(409).send(error("CONFIG_OWNS_NUMBER", `config modem.numbers sets ${iccid} to ${configured} and wins; change it there`));
    }
    const verdict = checkInternationalNumber(b.data.number);
    if (!verdict.ok) return reply.code(422).send(error("NUMBER_INVALID", verdict.reason));
    const number = verdict.e164;

    const others = new Set([
      ...ctx.store.sims.holdersOf(number),
      ...ctx.map.snapshot().flatMap((p) => (p.number === number && p.iccid !== null ? [p.iccid] : [])),
      ...Object.entries(ctx.config.modem.numbers).flatMap(([id, n]) => (n === number ? [id] : [])),
    ]);
    others.delete(iccid);
    if (others.size > 0) return reply.code(409).send(error("NUMBER_IN_USE", `${number} is the number of SIM ${[...others].join(", ")}`));

    const ports = ctx.map.snapshot().filter((p) => p.iccid === iccid);
    const previous = ports.find((p) => p.number !== null)?.number ?? ctx.store.sims.get(iccid) ?? null;
    const open = previous !== null && previous !== number ? ctx.engine.openActivationFor(previous) : undefined;
    if (open) {
      return reply.code(409).send(error("ACTIVATION_OPEN", `${previous} is in open activation ${open.id} (${open.service}); change the number after it is finished`));
    }
    const seen = ctx.store.sims.find(iccid) !== undefined || ports.length > 0;
    ctx.store.sims.set(iccid, number);
    for (const p of ports) ctx.map.update(p.id, { number, numberProblem: null });
    ctx.logger.info({ event: "number-set", iccid, number, previous, ports: ports.map((p) => p.id) }, "own number set by the operator");
    return { status: "SUCCESS", iccid, number, previous, ports: ports.map((p) => p.id), seen };
  });
}
