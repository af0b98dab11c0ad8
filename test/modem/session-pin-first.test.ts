/**
 * A module that refuses every command until its SIM PIN is entered (python-gsmmodem's
 * captures of the ZTE K3565-Z and the Qualcomm M6280, test/corpus/devices/): before the
 * PIN, identity, init, +CNMI and +CREG=1 all get +CME ERROR: 11. Once the configured PIN
 * is accepted, the port session must identify the module again and set it up (PDU mode,
 * SMS indications), or its SMS are only ever found by the sweep.
 *
 * A real port session (ModemPool) on a simulated module over a pseudo-terminal.
 */
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

describe("a module that wants its PIN before anything else", () => {
  it("after the PIN from modem.pins is accepted, it is identified and set up again: PDU mode, +CNMI, and an SMS read at its +CMTI", async () => {
    const [profile] = generatePool({ count: 1, dialect: "generic", seed: "pin-first", noNumberRatio: 0 });
    profile!.manufacturer = "ZTE INCORPORATED";
    profile!.model = "K3565-Z";
    profile!.sim.state = "pin";
    // No SMS indications until the host asks for them, so a +CNMI refused before the PIN stays refused.
    profile!.firmware = { refusesCommandsUntilPin: true, powerOnCnmi: [0, 0, 0, 0, 0] };
    sim = await startSimulatedPool({ count: 1, dialect: "generic", seed: 0, attach: "pty", profiles: [profile!] });
    const modem = sim.modems[0]!.modem;
    const map = new PortMap();
    const received: CompleteSms[] = [];
    map.on("sms-received", (_port, sms) => received.push(sms));
    pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path }),
      // The ICCID cannot be read before the PIN, so the PIN for any SIM ("*") is the one tried.
      session: sessionDefaults({ pins: { "*": profile!.sim.pin }, sms: { accept: async () => undefined, sweepIntervalMs: 600_000 } }),
    });
    pool.addPort("p0", sim.modems[0]!.path);
    await expect.poll(() => map.get("p0")?.state, { timeout: 30_000 }).toBe("ready");
    // Identified again once the module answered: the ZTE driver, not the generic one it looked like while locked.
    expect(map.get("p0")).toMatchObject({ driver: "zte", manufacturer: "ZTE INCORPORATED", model: "K3565-Z", iccid: profile!.sim.iccid });
    const settings = modem.snapshot().settings;
    expect(settings.cmgf).toBe(0);
    expect(settings.cnmi.slice(0, 2)).toEqual([2, 1]);
    expect(settings.creg).toBe(1);

    // The SMS is read at its +CMTI (AT+CMGR), long before the 10-minute sweep (AT+CMGL).
    const commands: string[] = [];
    modem.activity.on("command", (line) => commands.push(line));
    modem.injectSms({ sender: "+4915112345678", text: "PIN-first code 4711" });
    await expect.poll(() => received.map((s) => s.text), { timeout: 20_000 }).toContain("PIN-first code 4711");
    expect(commands.some((c) => /\+CMGR=/.test(c))).toBe(true);
    expect(commands.some((c) => /\+CMGL=/.test(c))).toBe(false);
  }, 60_000);
});
