import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { afterAll, describe, expect, it } from "vitest";
import { openBytePort } from "../../src/transport/serial-port.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { PortMap } from "../../src/modem/port-map.js";
import { ModemPool } from "../../src/pool/pool.js";
import { DEFAULT_NUMBER_RULES } from "../../src/modem/number-rules.js";

/** The whole stack over real pseudo-terminals and the native serialport binding. */
describe("a 64-modem mixed pool over pseudo-terminals", () => {
  let sim: SimulatedPool;
  let pool: ModemPool;
  afterAll(async () => {
    await pool?.close();
    await sim?.close();
  });

  it("settles with the right map: identity, SIM, operator, number and state of every port", async () => {
    sim = await startSimulatedPool({ count: 64, dialect: "mixed", seed: "pty-64", attach: "pty", noNumberRatio: 0.25, pinLockedRatio: 0.05 });
    const map = new PortMap();
    pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path }),
      session: sessionDefaults({ pins: Object.fromEntries(sim.modems.map((m) => [m.profile.sim.iccid, m.profile.sim.pin])) }),
    });
    for (const m of sim.modems) pool.addPort(m.path, m.path);
    expect(await pool.waitSettled(30_000)).toBe(true);

    const pinLocked = sim.modems.filter((m) => m.profile.sim.state === "pin").length;
    expect(pinLocked).toBeGreaterThan(0);
    for (const m of sim.modems) {
      const learnable = m.profile.sim.msisdn !== null || DEFAULT_NUMBER_RULES.some((r) => r.mcc === m.profile.sim.mcc && r.mnc === m.profile.sim.mnc && r.answer === "ussd");
      // PIN-locked SIMs were unlocked with the configured PIN during bring-up.
      expect(map.get(m.path)).toMatchObject({
        state: learnable ? "ready" : "no-number",
        driver: m.profile.dialect,
        imei: m.profile.imei,
        iccid: m.profile.sim.iccid,
        imsi: m.profile.sim.imsi,
        mcc: m.profile.sim.mcc,
        mnc: m.profile.sim.mnc,
        number: m.profile.sim.msisdn ?? (learnable ? m.profile.sim.subscriberNumber : null),
      });
    }
  });
});
