/**
 * The radio side, in its own process: N simulated modems (src/sim, product code) on real
 * pseudo-terminals that outlive any number of daemon SIGKILLs, as USB modems outlive a
 * crashed daemon on a real host. The daemon finds them through `modem.paths` like any
 * serial port. A loopback control listener plays the network and the person at the rack:
 *
 *   POST /api/simulator/sms   {"number": "+…", "sender": "…", "text": "…"}  an SMS arrives
 *                             (the same route and body as the daemon's own simulator API,
 *                             so anything that texts a `run --simulate` daemon texts this)
 *   POST /faults              {"path": "…", "set": {hang?, latencyMs?, dropReplyProbability?,
 *                             garbageProbability?, noiseBytesPerSecond?}} or {"path", "clear": true}
 *   GET  /modems              path, number, ICCID and fault support of each modem
 *
 * Usage: node --import tsx bench/chaos/sim-host.ts '{"modems":16,"seed":"chaos","dir":"/tmp/x"}'
 * Prints one JSON line {"event":"ready","control":URL,"modems":[…]} once every pty is up;
 * exits when stdin closes (its parent died) or on SIGTERM/SIGINT.
 */
import { startSimulatedPool, type SimulatedPoolModem } from "../../src/sim/pool.js";
import { serveUntilParentGone, runHelper } from "./helper-lifecycle.js";
import { HttpError, serveJson } from "./json-http.js";

interface SimHostOptions {
  modems: number;
  seed: string;
  /** Where the modem0, modem1, … links go (must exist). */
  dir: string;
}

export interface SimHostModem {
  path: string;
  /** The number the network knows (what a service texts), digits with "+". */
  number: string;
  iccid: string;
  dialect: string;
}

/** Faults a modem of this build can take (noise is newer than the others). */
export const FAULT_FIELDS = ["hang", "latencyMs", "dropReplyProbability", "garbageProbability", "noiseBytesPerSecond"] as const;
type FaultField = (typeof FAULT_FIELDS)[number];

const digits = (n: string): string => n.replace(/^\+/, "");

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? "{}") as SimHostOptions;
  const pool = await startSimulatedPool({ count: o.modems, dialect: "mixed", seed: o.seed, attach: "pty", dir: o.dir });
  const describe = (m: SimulatedPoolModem): SimHostModem => ({
    path: m.path,
    number: `+${digits(m.modem.profile.sim.subscriberNumber)}`,
    iccid: m.modem.profile.sim.iccid,
    dialect: m.profile.dialect,
  });
  const byPath = (path: unknown): SimulatedPoolModem => {
    const m = pool.modems.find((x) => x.path === path);
    if (!m) throw new HttpError(404, `no simulated modem at ${String(path)}`);
    return m;
  };
  const supports = (m: SimulatedPoolModem, field: FaultField): boolean => field in m.modem.faults;

  const { server, url } = await serveJson({
    "GET /modems": () => pool.modems.map((m) => ({ ...describe(m), faults: FAULT_FIELDS.filter((f) => supports(m, f)) })),
    "POST /api/simulator/sms": (body: { number?: string; sender?: string; text?: string }) => {
      if (typeof body.number !== "string" || typeof body.sender !== "string" || typeof body.text !== "string") throw new HttpError(400, "number, sender and text are required");
      const m = pool.modems.find((x) => digits(x.modem.profile.sim.subscriberNumber) === digits(body.number!));
      if (!m) throw new HttpError(404, `no simulated SIM has ${body.number}`);
      if (!m.modem.sim) throw new HttpError(409, `${m.path} has no SIM`);
      return { status: "SUCCESS", path: m.path, storedAt: m.modem.injectSms({ sender: body.sender, text: body.text }) };
    },
    "POST /faults": (body: { path?: string; clear?: boolean; set?: Partial<Record<FaultField, number | boolean>> }) => {
      const m = byPath(body.path);
      if (body.clear) {
        m.modem.faults.clear();
        return { path: m.path, faults: m.modem.faults.snapshot() };
      }
      for (const [field, value] of Object.entries(body.set ?? {})) {
        if (!(FAULT_FIELDS as readonly string[]).includes(field) || !supports(m, field as FaultField)) throw new HttpError(501, `this simulator has no '${field}' fault`);
        (m.modem.faults as unknown as Record<string, unknown>)[field] = value;
      }
      return { path: m.path, faults: m.modem.faults.snapshot() };
    },
  });

  serveUntilParentGone("sim-host", { control: url, modems: pool.modems.map(describe) }, server, () => pool.close());
}

runHelper("sim-host", main);
