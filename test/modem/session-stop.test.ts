/**
 * A session stops promptly whatever its bring-up is waiting for. Regression: a SIGTERM right
 * after start waited out the own-number USSD answer (30 s) or the answer-by-SMS (60 s),
 * and the daemon's 10 s shutdown deadline killed it with exit 1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ModemPool } from "../../src/pool/pool.js";
import { PortMap } from "../../src/modem/port-map.js";
import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { generatePool } from "../../src/sim/profile.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { openBytePort } from "../../src/transport/serial-port.js";

let sim: SimulatedPool | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("PortSession.stop", () => {
  it("returns at once while the own-number USSD answer is still on its way", async () => {
    // A SIM that does not know its number: the session asks the operator by USSD, whose answer takes 20 s here.
    const [profile] = generatePool({ count: 1, dialect: "generic", seed: "stop", noNumberRatio: 1 });
    sim = await startSimulatedPool({ count: 1, dialect: "generic", seed: "stop", attach: "in-process", profiles: [profile!], modem: { ussdDelayMs: 20_000 } });
    const binding = sim.binding!;
    const modem = sim.modems[0]!;
    const commands: string[] = [];
    modem.modem.activity.on("command", (line: string) => commands.push(line));
    const map = new PortMap();
    const pool = new ModemPool({ map, openPort: (path) => openBytePort({ path, binding }), session: sessionDefaults({ pollIntervalMs: 60_000, sms: { accept: async () => undefined } }) });
    pool.addPort(modem.path, modem.path);
    // The USSD request is out when the modem has seen AT+CUSD=1.
    const deadline = Date.now() + 15_000;
    while (!commands.some((c) => /^AT\+CUSD=1/i.test(c))) {
      if (Date.now() > deadline) throw new Error("the session never asked the operator for its number");
      await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = Date.now();
    await pool.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
  }, 30_000);
});
