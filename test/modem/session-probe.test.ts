/**
 * The silence probe (issue 12, defect 5; issue 13, idle CPU): a port gets a bare AT only
 * when it has been silent, never while a command is in flight, and a long command does not
 * make the session loop. Real sessions on a simulated modem (in-process binding).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { PortMap } from "../../src/modem/port-map.js";
import { ModemPool } from "../../src/pool/pool.js";
import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { openBytePort } from "../../src/transport/serial-port.js";

let sim: SimulatedPool | undefined;
let pool: ModemPool | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await pool?.close();
  await sim?.close();
  pool = sim = undefined;
});

describe("the silence probe", () => {
  it("probes a silent port, skips one busy with a long command, and does not spin meanwhile", async () => {
    sim = await startSimulatedPool({ count: 1, dialect: "generic", seed: "probe", attach: "in-process", noNumberRatio: 0 });
    const modem = sim.modems[0]!;
    const map = new PortMap();
    const binding = sim.binding!;
    pool = new ModemPool({ map, openPort: (path) => openBytePort({ path, binding }), session: sessionDefaults({ livenessProbeMs: 200, pollIntervalMs: 60_000 }) });
    pool.addPort(modem.path, modem.path);
    expect(await pool.waitSettled(15_000)).toBe(true);

    // Silent: the module hears bare ATs.
    const commands: string[] = [];
    modem.modem.activity.on("command", (line) => commands.push(line));
    await vi.waitFor(() => expect(commands.filter((c) => c === "AT").length).toBeGreaterThanOrEqual(2), { timeout: 5_000 });

    // Busy: a list that takes 1.5 s (slow by design: it asked for a long timeout). No probe
    // queues behind it, and the session's loop does not turn while it waits.
    modem.modem.faults.latencyMs = 1_500;
    const zeroDelayTimers = vi.spyOn(globalThis, "setTimeout");
    commands.length = 0;
    const list = await pool.session(modem.path)!.runRaw("AT+CMGL=4", 10_000);
    const spins = zeroDelayTimers.mock.calls.filter(([, ms]) => (ms ?? 0) <= 1).length;
    zeroDelayTimers.mockRestore();
    modem.modem.faults.latencyMs = 0;
    expect(list.ok).toBe(true);
    expect(commands).toEqual(["AT+CMGL=4"]);
    expect(spins).toBeLessThan(20);
    expect(map.get(modem.path)?.state).toBe("ready");
  });
});
