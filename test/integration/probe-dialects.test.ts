import { afterEach, describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { PROBE_CHANNEL_OPTIONS, probeModem } from "../../src/modem/probe.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { scanPorts } from "../../src/cli/commands/scan.js";
import { silentLogger } from "../../src/log/logger.js";
import { SIM_DIALECTS } from "../../src/sim/profile.js";
import { ErrorCode } from "../../src/errors.js";

/**
 * The generic probe over the real SerialPortStream, against the simulator attached
 * in-process: every dialect must be identified exactly as its profile says.
 */
describe("probe against every simulated dialect (in-process binding)", () => {
  let pool: SimulatedPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  async function probeIndex(p: SimulatedPool, index: number) {
    const modem = p.modems[index]!;
    const port = await openBytePort({ path: modem.path, binding: p.binding! });
    const channel = new AtChannel(port, PROBE_CHANNEL_OPTIONS);
    try {
      return await probeModem(channel);
    } finally {
      await channel.close();
    }
  }

  it.each(SIM_DIALECTS)("%s: identity, SIM, network and number match the profile", async (dialect) => {
    pool = await startSimulatedPool({ count: 4, dialect, seed: `probe-${dialect}`, attach: "in-process", noNumberRatio: 0 });
    for (let i = 0; i < pool.modems.length; i++) {
      const { profile } = pool.modems[i]!;
      const result = await probeIndex(pool, i);
      expect(result).toMatchObject({
        manufacturer: expect.any(String),
        model: expect.any(String),
        imei: profile.imei,
        sim: "ready",
        iccid: profile.sim.iccid,
        imsi: profile.sim.imsi,
        mcc: profile.sim.mcc,
        mnc: profile.sim.mnc,
        number: profile.sim.msisdn,
      });
      expect(result.manufacturer!.toLowerCase()).toContain(profile.manufacturer.trim().toLowerCase().split(/[_\s]/)[0]);
      expect(result.signal).toBe(profile.network.signalRssi === 99 ? null : -113 + 2 * profile.network.signalRssi);
      expect(result.warnings.filter((w) => !w.startsWith("AT"))).toEqual([]);
    }
  });

  it("reports a SIM without a stored number as number null, not an error", async () => {
    pool = await startSimulatedPool({ count: 8, dialect: "mixed", seed: "no-number", attach: "in-process", noNumberRatio: 1 });
    const result = await probeIndex(pool, 0);
    expect(result.sim).toBe("ready");
    expect(result.iccid).toBe(pool.modems[0]!.profile.sim.iccid);
    expect(result.number).toBeNull();
  });

  it("reports roaming SIMs with their home MCC/MNC and the visited network separately", async () => {
    pool = await startSimulatedPool({ count: 4, dialect: "mixed", seed: "roam", attach: "in-process", roamingRatio: 1 });
    const { profile } = pool.modems[1]!;
    const result = await probeIndex(pool, 1);
    expect(result.registration).toBe("roaming");
    expect([result.mcc, result.mnc]).toEqual([profile.sim.mcc, profile.sim.mnc]);
    expect(result.networkOperator).toBe(`${profile.network.mcc}${profile.network.mnc}`);
  });

  it("reports a PIN-locked SIM as pin and does not guess its IMSI", async () => {
    pool = await startSimulatedPool({ count: 4, dialect: "mixed", seed: "pin", attach: "in-process", pinLockedRatio: 1 });
    const result = await probeIndex(pool, 0);
    expect(result.sim).toBe("pin");
    expect(result.imsi).toBeNull();
  });

  it("reports a pulled SIM as absent", async () => {
    pool = await startSimulatedPool({ count: 4, dialect: "mixed", seed: "pulled", attach: "in-process" });
    for (const m of pool.modems) m.modem.pullSim();
    for (let i = 0; i < 4; i++) {
      const result = await probeIndex(pool, i);
      expect(result.sim).toBe("absent");
      expect(result.iccid).toBeNull();
      expect(result.number).toBeNull();
    }
  });

  it("survives garbage bytes and added latency on the line", async () => {
    pool = await startSimulatedPool({ count: 4, dialect: "mixed", seed: "noisy", attach: "in-process", noNumberRatio: 0 });
    for (const m of pool.modems) {
      m.modem.faults.garbageProbability = 0.3;
      m.modem.faults.latencyMs = 20;
    }
    for (let i = 0; i < 4; i++) {
      const result = await probeIndex(pool, i);
      expect(result.imei).toBe(pool.modems[i]!.profile.imei);
      expect(result.iccid).toBe(pool.modems[i]!.profile.sim.iccid);
    }
  });

  it("a modem that is unplugged mid-probe fails with a typed error on its own port only", async () => {
    pool = await startSimulatedPool({ count: 2, dialect: "generic", seed: "unplug", attach: "in-process" });
    const victim = pool.modems[0]!;
    victim.modem.faults.latencyMs = 50;
    const probing = probeIndex(pool, 0);
    setTimeout(() => victim.modem.unplug(), 120);
    await expect(probing).rejects.toMatchObject({ code: ErrorCode.AtChannelClosed });
    const other = await probeIndex(pool, 1);
    expect(other.imei).toBe(pool.modems[1]!.profile.imei);
  });

  it("a hung modem costs only its own port: the rest of the pool scans normally", async () => {
    pool = await startSimulatedPool({ count: 6, dialect: "mixed", seed: "hang", attach: "in-process", noNumberRatio: 0 });
    pool.modems[2]!.modem.faults.hang = true;
    const entries = await scanPorts(pool.modems.map((m) => ({ id: m.path, path: m.path })), silentLogger(), pool.binding);
    expect(entries.map((e) => e.state)).toEqual(["ready", "ready", "unresponsive", "ready", "ready", "ready"]);
    expect(entries[2]!.error).toMatch(/no answer to AT/);
    expect(entries.map((e) => e.imei)).toEqual(pool.modems.map((m, i) => (i === 2 ? null : m.profile.imei)));
  });
});
