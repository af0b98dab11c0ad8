/**
 * Control of the simulated pool over the admin listener (only with `simgate run --simulate`):
 * what the radio network and the person at the rack would do — an SMS arrives, a SIM is
 * pulled, a module hangs or is unplugged. End-to-end tests, the demo's "services" and
 * curious newcomers drive the simulation through this, never through daemon internals.
 *
 *   POST /api/simulator/sms              {"port"?: id, "number"?: "+…", "sender": "…", "text": "…"}
 *   POST /api/simulator/ports/:port/:op  op = unplug | replug | pull-sim | insert-sim | hang | recover
 *                                        | deny-registration | register-home (the network refuses the SIM, or takes it at home)
 *   GET  /api/simulator/modems           the simulated modems (path, port id, number)
 */
import { basename } from "node:path";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { PortMap } from "../../modem/port-map.js";
import type { SimulatedPool, SimulatedPoolModem } from "../../sim/pool.js";

const SmsBody = z.strictObject({
  port: z.string().min(1).optional(),
  number: z.string().regex(/^\+?\d{6,15}$/).optional(),
  sender: z.string().min(1).max(64),
  text: z.string().max(10_000),
});

const OPS = {
  unplug: (m: SimulatedPoolModem) => m.modem.unplug(),
  replug: (m: SimulatedPoolModem) => m.modem.replug(),
  "pull-sim": (m: SimulatedPoolModem) => m.modem.pullSim(),
  "insert-sim": (m: SimulatedPoolModem) => m.modem.insertSim(),
  hang: (m: SimulatedPoolModem) => {
    m.modem.faults.hang = true;
  },
  recover: (m: SimulatedPoolModem) => {
    m.modem.faults.hang = false;
  },
  "deny-registration": (m: SimulatedPoolModem) => m.modem.setRegistration(3),
  "register-home": (m: SimulatedPoolModem) => m.modem.setRegistration(1),
} as const;

const digits = (n: string): string => n.replace(/^\+/, "");

export function registerSimulatorRoutes(app: FastifyInstance, pool: SimulatedPool | undefined, map: PortMap): void {
  const portIdOf = (m: SimulatedPoolModem): string => map.snapshot().find((p) => p.path === m.path)?.id ?? basename(m.path);
  const byPort = (port: string): SimulatedPoolModem | undefined =>
    pool?.modems.find((m) => m.path === port || basename(m.path) === port || portIdOf(m) === port);
  const byNumber = (number: string): SimulatedPoolModem | undefined => {
    const view = map.snapshot().find((p) => p.number !== null && digits(p.number) === digits(number));
    return (view ? pool?.modems.find((m) => m.path === view.path) : undefined) ?? pool?.modems.find((m) => m.modem.sim?.profile.msisdn && digits(m.modem.sim.profile.msisdn) === digits(number));
  };
  const notSimulating = { status: "ERROR", error: "NOT_SIMULATING", detail: "the daemon runs on real modems; start it with --simulate N" };

  app.get("/api/simulator/modems", async (_req, reply) => {
    if (!pool) return reply.code(404).send(notSimulating);
    return pool.modems.map((m) => ({ port: portIdOf(m), path: m.path, present: m.modem.present, number: m.modem.sim?.profile.msisdn ?? null, iccid: m.modem.sim?.profile.iccid ?? null, dialect: m.profile.dialect }));
  });

  app.post("/api/simulator/sms", async (req, reply) => {
    if (!pool) return reply.code(404).send(notSimulating);
    const body = SmsBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ status: "ERROR", error: "BAD_REQUEST", detail: body.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ") });
    const { port, number, sender, text } = body.data;
    const modem = port !== undefined ? byPort(port) : number !== undefined ? byNumber(number) : undefined;
    if (!modem) return reply.code(404).send({ status: "ERROR", error: "NO_SUCH_MODEM", detail: "give the 'port' id or a 'number' a simulated SIM has" });
    if (!modem.modem.sim) return reply.code(409).send({ status: "ERROR", error: "NO_SIM", detail: `${portIdOf(modem)} has no SIM` });
    const indexes = modem.modem.injectSms({ sender, text });
    return { status: "SUCCESS", port: portIdOf(modem), storedAt: indexes };
  });

  app.post("/api/simulator/ports/:port/:op", async (req, reply) => {
    if (!pool) return reply.code(404).send(notSimulating);
    const { port, op } = req.params as { port: string; op: string };
    const action = OPS[op as keyof typeof OPS];
    if (!action) return reply.code(400).send({ status: "ERROR", error: "BAD_OPERATION", detail: `op must be one of ${Object.keys(OPS).join(", ")}` });
    const modem = byPort(port);
    if (!modem) return reply.code(404).send({ status: "ERROR", error: "NO_SUCH_MODEM", detail: `no simulated modem '${port}'` });
    action(modem);
    return { status: "SUCCESS", port: portIdOf(modem), op };
  });
}
