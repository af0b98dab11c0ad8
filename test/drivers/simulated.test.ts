import { afterEach, describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { portInfo, startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { ALL_SIM_DIALECTS, type SimDialect } from "../../src/sim/profile.js";
import { MatchScore, resetReenumerates, selectDriver } from "../../drivers/registry.js";
import {
  cpmsCommand,
  iccidStrategyFor,
  initFailureTolerated,
  parseCpmsSupported,
  parseCpmsUsage,
  parseIdentityLine,
  type SimEvent,
} from "../../drivers/generic/index.js";

/**
 * Each simulated dialect, opened in-process through the real AtChannel: the registry must
 * pick the right family from what the port says, and that driver's init sequence, CNMI
 * chain, storage choice, ICCID strategy and SIM URCs must work against it.
 */
const EXPECTED: Record<SimDialect, { driver: string; score: MatchScore; reenumerates: boolean }> = {
  // 05c6:9025 + "QUALCOMM INCORPORATED": nothing vendor-specific.
  generic: { driver: "generic", score: MatchScore.Generic, reenumerates: true },
  // SIM800L behind a CH340: the bridge's ids count for nothing, the tty survives a reset.
  simcom: { driver: "simcom", score: MatchScore.ManufacturerModel, reenumerates: false },
  quectel: { driver: "quectel", score: MatchScore.VidPidManufacturerModel, reenumerates: true },
  huawei: { driver: "huawei", score: MatchScore.VidPidManufacturerModel, reenumerates: true },
  // MULTIBAND 900E 1800 behind a PL2303: only " WAVECOM MODEM" / the model string tell the make.
  wavecom: { driver: "wavecom", score: MatchScore.ManufacturerModel, reenumerates: false },
};

describe("drivers against the simulator (in-process)", () => {
  let pool: SimulatedPool | undefined;
  let channel: AtChannel | undefined;
  afterEach(async () => {
    await channel?.close();
    await pool?.close();
    channel = undefined;
    pool = undefined;
  });

  async function open(dialect: SimDialect) {
    pool = await startSimulatedPool({ count: 1, dialect, seed: `drivers-${dialect}`, attach: "in-process" });
    const modem = pool.modems[0]!;
    channel = new AtChannel(await openBytePort({ path: modem.path, binding: pool.binding! }));
    await channel.run("AT");
    return { modem, channel, usb: portInfo(modem.profile, 0) };
  }

  const value = <T>(p: { ok: true; value: T } | { ok: false; reason: string }): T => {
    if (!p.ok) throw new Error(p.reason);
    return p.value;
  };

  it.each(ALL_SIM_DIALECTS)("%s: selected from CGMI/CGMM + USB ids, then init, CNMI, CPMS, ICCID and SIM URCs work", async (dialect) => {
    const { modem, channel: ch, usb } = await open(dialect);
    const manufacturer = value(parseIdentityLine((await ch.run("AT+CGMI")).lines));
    const model = value(parseIdentityLine((await ch.run("AT+CGMM")).lines));
    const evidence = { vendorId: usb.vendorId, productId: usb.productId, manufacturer, model };
    const selection = selectDriver(evidence);
    const want = EXPECTED[dialect];
    expect(selection.driver.name, selection.reasons.join("; ")).toBe(want.driver);
    expect(selection.score).toBe(want.score);
    expect(resetReenumerates(selection, evidence)).toBe(want.reenumerates);
    const driver = selection.driver;

    // Init: every step that fails must be one the driver tolerates.
    const failed: string[] = [];
    for (const step of driver.initSequence) {
      await ch.run(step).catch(() => failed.push(step));
    }
    expect(failed.filter((s) => !initFailureTolerated(driver, s))).toEqual([]);
    expect(failed).toEqual([]);

    // CNMI chain: the first setting that answers OK wins.
    let cnmi: string | undefined;
    for (const step of driver.cnmiChain) {
      if (await ch.run(step).then(() => true, () => false)) {
        cnmi = step;
        break;
      }
    }
    expect(cnmi).toBe(driver.cnmiChain[0]);

    // Storage: choose from AT+CPMS=? by the driver's preference, then read usage.
    const supported = value(parseCpmsSupported((await ch.run("AT+CPMS=?")).lines));
    const cpms = cpmsCommand(driver.storage.preferred, supported);
    expect(cpms).toMatch(/^AT\+CPMS="(ME|SM)"/);
    await ch.run(cpms!);
    const usage = value(parseCpmsUsage((await ch.run("AT+CPMS?")).lines));
    expect(usage[0]?.memory).toBe(driver.storage.preferred.find((m) => supported.every((l) => l.includes(m))));
    expect(usage[0]!.total).toBeGreaterThan(0);

    // ICCID: the first command of the driver's strategy answers, and the value matches the SIM.
    const strategy = iccidStrategyFor(driver, manufacturer);
    const first = strategy[0]!;
    const iccid = value(first.parse((await ch.run({ text: first.text, timeoutMs: first.timeoutMs ?? 5000 })).lines));
    expect(iccid.iccid).toBe(modem.profile.sim.iccid);
    // And the generic CRSM fallback agrees.
    const crsm = strategy.find((c) => c.text.startsWith("AT+CRSM"))!;
    expect(value(crsm.parse((await ch.run(crsm.text)).lines)).iccid).toBe(modem.profile.sim.iccid);

    // SIM hot-swap: the driver's URC patterns see the removal.
    const events: SimEvent[] = [];
    for (const urc of driver.simUrcs) {
      ch.registerUrc({ name: urc.name, pattern: urc.pattern, handler: (lines) => events.push(urc.meaning(lines[0]!)) });
    }
    modem.modem.pullSim();
    await ch.run("AT");
    expect(events).toContain("removed");
    expect(events).not.toContain("ready");
    events.length = 0;
    modem.modem.insertSim();
    await ch.run("AT");
    expect(events.some((e) => e === "inserted" || e === "ready")).toBe(true);
    expect(events).not.toContain("removed");
  });
});
