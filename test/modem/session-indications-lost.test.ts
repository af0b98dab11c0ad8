/**
 * A module that loses its SMS indication setting while running — a silent internal reset
 * puts +CNMI back to its power-on value (Huawei sticks: no indications) and tells nobody —
 * stores every new SMS without a +CMTI. The sweep still finds them, but every one waits for
 * it. When a sweep finds a stored SMS that never had an indication, the session turns the
 * indications on again (and says so once, naming the port), so the next SMS is read at
 * its +CMTI again.
 *
 * A real port session (ModemPool) on a simulated Huawei over a pseudo-terminal.
 */
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { CompleteSms } from "../../src/sms/index.js";
import { PortMap } from "../../src/modem/port-map.js";
import { ModemPool } from "../../src/pool/pool.js";
import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { generatePool } from "../../src/sim/profile.js";
import { openBytePort } from "../../src/transport/serial-port.js";

let sim: SimulatedPool | undefined;
let pool: ModemPool | undefined;
afterEach(async () => {
  await pool?.close();
  await sim?.close();
  pool = sim = undefined;
});

describe("a module that silently lost its +CNMI setting", () => {
  it("the sweep's find of an SMS without a +CMTI turns the indications on again, logged once with the port; the next SMS comes by +CMTI", async () => {
    const [profile] = generatePool({ count: 1, dialect: "huawei", seed: "lost-cnmi", noNumberRatio: 0 });
    sim = await startSimulatedPool({ count: 1, dialect: "huawei", seed: 0, attach: "pty", profiles: [profile!] });
    const modem = sim.modems[0]!.modem;
    const map = new PortMap();
    const received: CompleteSms[] = [];
    map.on("sms-received", (_port, sms) => received.push(sms));
    const warnings: Array<{ msg: string; port?: string }> = [];
    const logger = pino({ level: "warn" }, { write: (l: string) => void warnings.push(JSON.parse(l) as { msg: string; port?: string }) });
    pool = new ModemPool({
      map,
      logger,
      openPort: (path) => openBytePort({ path }),
      session: sessionDefaults({ sms: { accept: async () => undefined, sweepIntervalMs: 1_500 } }),
    });
    pool.addPort("p0", sim.modems[0]!.path);
    await expect.poll(() => map.get("p0")?.state, { timeout: 30_000 }).toBe("ready");
    expect(modem.snapshot().settings.cnmi.slice(0, 2)).toEqual([2, 1]);

    modem.silentReset();
    expect(modem.snapshot().settings.cnmi).toEqual([0, 0, 0, 0, 0]);
    modem.injectSms({ sender: "+4915112345678", text: "stored without an indication" });
    await expect.poll(() => received.map((s) => s.text), { timeout: 20_000 }).toContain("stored without an indication");
    // Turned on again by the session, and said once, with the port.
    await expect.poll(() => modem.snapshot().settings.cnmi.slice(0, 2), { timeout: 20_000 }).toEqual([2, 1]);
    const lost = warnings.filter((w) => /never had a \+CMTI/.test(w.msg));
    expect(lost).toHaveLength(1);
    expect(lost[0]!.port).toBe("p0");

    // The next SMS is read at its +CMTI (AT+CMGR by index), not listed by a sweep first.
    const commands: string[] = [];
    modem.activity.on("command", (line) => commands.push(line));
    modem.injectSms({ sender: "+4915112345678", text: "indicated again" });
    await expect.poll(() => received.map((s) => s.text), { timeout: 20_000 }).toContain("indicated again");
    const firstRead = commands.find((c) => /\+CMG[RL]=/.test(c));
    expect(firstRead).toMatch(/\+CMGR=/);
    expect(warnings.filter((w) => /never had a \+CMTI/.test(w.msg))).toHaveLength(1);
  }, 90_000);
});
