/**
 * A SIM URC that says the card is gone (each driver's own: `+CPIN: NOT INSERTED`,
 * Huawei `^SIMST: 255`, Quectel `+QSIMSTAT: 1,0`, SIMCom `+CSMINS: 1,0`, Wavecom `+WIND: 0`)
 * takes the port off sale the moment it arrives, without waiting for an `AT+CPIN?` to be
 * answered: a module busy with a long command (a USSD, a network scan) or one that hung
 * would otherwise keep a SIM that is no longer there on sale.
 *
 * A real port session (ModemPool) on a simulated module over a pseudo-terminal. Once the
 * port is ready and idle, the module answers every command 3 s late (twice the 1.5 s answer
 * threshold), then the card is pulled: only the URC can tell before the port is marked
 * not-answering. The URC goes out at once: the module runs no command at that moment.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PortMap } from "../../src/modem/port-map.js";
import type { PortState } from "../../src/modem/port-state.js";
import { ModemPool } from "../../src/pool/pool.js";
import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { generatePool, type SimDialect } from "../../src/sim/profile.js";
import { openBytePort } from "../../src/transport/serial-port.js";

let sim: SimulatedPool | undefined;
let pool: ModemPool | undefined;
afterEach(async () => {
  await pool?.close();
  await sim?.close();
  pool = sim = undefined;
});

describe("a SIM URC saying the card was removed", () => {
  it.each<SimDialect>(["generic", "huawei", "quectel", "simcom", "wavecom"])(
    "%s: the port is no-sim at once, its SIM forgotten, ahead of the AT+CPIN? answer",
    async (dialect) => {
      const [profile] = generatePool({ count: 1, dialect, seed: `sim-urc-${dialect}`, noNumberRatio: 0 });
      sim = await startSimulatedPool({ count: 1, dialect, seed: 0, attach: "pty", profiles: [profile!] });
      const modem = sim.modems[0]!.modem;
      const map = new PortMap();
      pool = new ModemPool({
        map,
        openPort: (path) => openBytePort({ path }),
        // No status poll or liveness probe of its own during the test: the module stays idle until the URC.
        session: sessionDefaults({ sms: { accept: async () => undefined, sweepIntervalMs: 600_000 }, pollIntervalMs: 600_000, livenessProbeMs: 600_000 }),
      });
      pool.addPort("p0", sim.modems[0]!.path);
      await expect.poll(() => map.get("p0")?.state, { timeout: 30_000 }).toBe("ready");
      expect(await pool.waitSettled(30_000)).toBe(true);
      // Answered, and nothing queued behind it: the module is idle.
      expect((await pool.session("p0")!.runRaw("AT")).ok).toBe(true);

      const after: Array<{ state: PortState; iccid: string | null }> = [];
      map.on("state-changed", (port) => after.push({ state: port.state, iccid: port.iccid }));
      modem.faults.latencyMs = 3_000;
      modem.pullSim();
      // Without the URC's meaning, the first change is the unanswered AT+CPIN? (not-answering).
      await expect.poll(() => after.length, { timeout: 20_000 }).toBeGreaterThan(0);
      expect(after[0]).toEqual({ state: "no-sim", iccid: null });
      expect(map.sellable()).toEqual([]);
    },
    60_000,
  );
});
