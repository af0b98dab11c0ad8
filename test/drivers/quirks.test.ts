/**
 * Driver quirks and vendor commands that change what simgate does, each shown against a
 * simulated module on a real pseudo-terminal that behaves as the captures and documents
 * say the real one does (src/sim/dialects/*). drivers/README.md lists what was kept and why.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AtChannel, type AtChannelOptions } from "../../src/at/index.js";
import { decodeUssd, parseCusd } from "../../src/codec/ussd.js";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import type { CompleteSms } from "../../src/sms/index.js";
import { PortMap } from "../../src/modem/port-map.js";
import { PROBE_CHANNEL_OPTIONS, probeModem } from "../../src/modem/probe.js";
import { ModemPool } from "../../src/pool/pool.js";
import type { SharedSessionOptions } from "../../src/pool/pool.js";
import { sessionDefaults } from "../../src/pool/session-defaults.js";
import type { CommandRunner, StepCommand } from "../../src/modem/steps.js";
import { generatePool, type SimDialect, type SimModemProfile } from "../../src/sim/profile.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { openBytePort } from "../../src/transport/serial-port.js";

let pool: SimulatedPool | undefined;
let channel: AtChannel | undefined;
let modems: ModemPool | undefined;
afterEach(async () => {
  await modems?.close();
  await channel?.close();
  await pool?.close();
  modems = undefined;
  channel = undefined;
  pool = undefined;
});

/** One simulated module on a pty driven by a port session, as the daemon drives it. */
async function inSession(profile: SimModemProfile, pins: Record<string, string> = {}, session: Partial<SharedSessionOptions> = {}) {
  pool = await startSimulatedPool({ count: 1, dialect: profile.dialect, seed: 0, attach: "pty", profiles: [profile], modem: { resetMs: 50 } });
  const modem = pool.modems[0]!;
  const map = new PortMap();
  const received: CompleteSms[] = [];
  map.on("sms-received", (_port, sms) => received.push(sms));
  modems = new ModemPool({
    map,
    openPort: (path) => openBytePort({ path }),
    session: sessionDefaults({ pins, pollIntervalMs: 250, sms: { accept: async () => undefined, sweepIntervalMs: 60_000 }, ...session }),
  });
  modems.addPort("p0", modem.path);
  expect(await modems.waitSettled(30_000)).toBe(true);
  return { modem, map, received, session: modems.session("p0")! };
}

function profileOf(dialect: SimDialect, seed: string, change: (p: SimModemProfile) => void = () => undefined): SimModemProfile {
  const [profile] = generatePool({ count: 1, dialect, seed, noNumberRatio: 0 });
  change(profile!);
  return profile!;
}

/** One simulated module on a pty, and a channel to it. */
async function onPty(profile: SimModemProfile, channelOptions: AtChannelOptions = {}) {
  pool = await startSimulatedPool({ count: 1, dialect: profile.dialect, seed: 0, attach: "pty", profiles: [profile], modem: { resetMs: 50 } });
  const modem = pool.modems[0]!;
  channel = new AtChannel(await openBytePort({ path: modem.path }), { ...PROBE_CHANNEL_OPTIONS, ...channelOptions });
  return { modem, channel };
}

/** What the steps asked the channel for, and how long each answer took. */
function recording(ch: AtChannel): { runner: CommandRunner; sent: (StepCommand & { durationMs?: number })[] } {
  const sent: (StepCommand & { durationMs?: number })[] = [];
  return {
    sent,
    runner: {
      run: async (cmd) => {
        const entry: StepCommand & { durationMs?: number } = { ...cmd };
        sent.push(entry);
        const r = await ch.run(cmd);
        entry.durationMs = r.durationMs;
        return r;
      },
    },
  };
}

describe("cpinWithoutOk: Wavecom answers AT+CPIN? with +CPIN: READY and no final result", () => {
  it("the probe picks the wavecom driver and reads the SIM without waiting a command timeout", async () => {
    const profile = profileOf("wavecom", "wavecom-probe");
    // A long default timeout: without the quirk the SIM read would time out (and fail) after it.
    const { channel: ch } = await onPty(profile, { defaultTimeoutMs: 20_000 });
    const { runner, sent } = recording(ch);
    const result = await probeModem(runner);
    expect(result).toMatchObject({
      driver: "wavecom",
      manufacturer: "WAVECOM MODEM",
      model: "MULTIBAND 900E 1800",
      revision: null,
      sim: "ready",
      iccid: profile.sim.iccid,
      imsi: profile.sim.imsi,
      number: profile.sim.msisdn,
    });
    const cpin = sent.filter((c) => c.text === "AT+CPIN?");
    expect(cpin).toHaveLength(1);
    expect(cpin[0]!.allowMissingFinal).toBe(true);
    // The line comes at once; only the short grace for the final that never comes is waited.
    expect(cpin[0]!.durationMs).toBeLessThan(10_000);
  });

  it("every other module is asked AT+CPIN? expecting its OK", async () => {
    for (const dialect of ["generic", "huawei"] as const) {
      const { channel: ch } = await onPty(profileOf(dialect, `cpin-${dialect}`));
      const { runner, sent } = recording(ch);
      const result = await probeModem(runner);
      expect(result.sim).toBe("ready");
      const cpin = sent.filter((c) => c.text === "AT+CPIN?");
      expect(cpin.length, dialect).toBeGreaterThan(0);
      expect(cpin.every((c) => c.allowMissingFinal !== true), dialect).toBe(true);
      await channel!.close();
      await pool!.close();
      channel = undefined;
      pool = undefined;
    }
  });
});

describe("cpinWithoutOk in a port session (what the daemon does with a Wavecom)", () => {
  it("the port becomes sellable, health polls read the SIM without timeouts, SMS arrive, a pulled SIM shows at once", async () => {
    const profile = profileOf("wavecom", "wavecom-session");
    const { modem, map, received, session } = await inSession(profile);
    await expect.poll(() => map.get("p0")?.state, { timeout: 20_000 }).toBe("ready");
    expect(map.get("p0")).toMatchObject({ driver: "wavecom", iccid: profile.sim.iccid, number: profile.sim.msisdn, registration: "home" });
    // Several health polls (each reads AT+CPIN?) go by without a single command timeout.
    const polled = session.channel!.stats.commands;
    await expect.poll(() => session.channel!.stats.commands, { timeout: 20_000 }).toBeGreaterThan(polled + 10);
    expect(session.channel!.stats.timeouts).toBe(0);
    expect(map.get("p0")?.state).toBe("ready");

    modem.modem.injectSms({ sender: "+4915112345678", text: "Wavecom code 5521" });
    await expect.poll(() => received.map((s) => s.text), { timeout: 20_000 }).toContain("Wavecom code 5521");

    // +WIND: 0 (or the next poll) makes the session read AT+CPIN?, which answers +CME ERROR: 10.
    modem.modem.pullSim();
    await expect.poll(() => map.get("p0")?.state, { timeout: 20_000 }).toBe("no-sim");
  });
});

describe("+CME ERROR: 515 after a restart is waited out (every module; Wavecom shows it)", () => {
  it("a Wavecom probed right after AT+CFUN=1 (its restart) is identified, not 'no answer to AT'", async () => {
    const profile = profileOf("wavecom", "wavecom-busy");
    const { modem, channel: ch } = await onPty(profile);
    await ch.run("AT+CFUN=1");
    // The restart: a moment of silence, then 515 to every command for a while.
    await expect.poll(() => modem.modem.snapshot().settings.busyUntil, { timeout: 10_000 }).toBeGreaterThan(0);
    const busyUntil = modem.modem.snapshot().settings.busyUntil;
    expect(busyUntil).toBeGreaterThan(Date.now());
    const first = await ch.run("AT").catch((err: unknown) => err);
    expect(isSimgateError(first, ErrorCode.AtCmeError) && first.context["cme"]).toBe(515);
    const result = await probeModem(ch);
    expect(result).toMatchObject({ driver: "wavecom", sim: "ready", iccid: profile.sim.iccid, imsi: profile.sim.imsi });
  });
});

describe("network information where +CREG says not registered (an attach without the circuit-switched domain)", () => {
  async function probe(profile: SimModemProfile) {
    const { channel: ch } = await onPty(profile);
    return probeModem(ch);
  }

  it("Quectel: +CREG 0 but +QNWINFO in service on the SIM's home network → home, FDD LTE", async () => {
    const profile = profileOf("quectel", "qnwinfo-home", (p) => (p.network.csRegistration = 0));
    const result = await probe(profile);
    expect(result).toMatchObject({ driver: "quectel", registration: "home", accessTechnology: "FDD LTE", networkOperator: `${profile.network.mcc}${profile.network.mnc}` });
    expect(result.warnings.join("\n")).toMatch(/\+CREG says unregistered while AT\+QNWINFO reports FDD LTE/);
  });

  it("Quectel: +CREG 3 (denied) stays denied, with +QNWINFO's word in the warnings", async () => {
    const result = await probe(profileOf("quectel", "qnwinfo-denied", (p) => (p.network.csRegistration = 3)));
    expect(result).toMatchObject({ registration: "denied", accessTechnology: "FDD LTE" });
    expect(result.warnings.join("\n")).toMatch(/denied while AT\+QNWINFO reports FDD LTE/);
  });

  it("SIMCom SIM7600: +CREG 0 but +CPSI Online on a foreign network → roaming; a SIM800 (no +CPSI) stays unregistered", async () => {
    const abroad = (p: SimModemProfile) => {
      p.network.registration = 5;
      p.network.csRegistration = 0;
      p.network.mcc = p.sim.mcc === "262" ? "250" : "262";
      p.network.mnc = "01";
    };
    const sim7600 = profileOf("simcom", "cpsi-roaming", (p) => {
      abroad(p);
      p.model = "SIMCOM_SIM7600E-H";
    });
    expect(await probe(sim7600)).toMatchObject({ driver: "simcom", registration: "roaming", accessTechnology: "LTE", mcc: sim7600.sim.mcc });
    await channel!.close();
    await pool!.close();
    channel = undefined;
    pool = undefined;
    const sim800 = await probe(profileOf("simcom", "cpsi-roaming", abroad));
    expect(sim800).toMatchObject({ driver: "simcom", model: "SIMCOM_SIM800L", registration: "unregistered", accessTechnology: null });
  });

  it("Huawei: +CREG 0 but ^SYSINFO says PS service and roaming → roaming, WCDMA", async () => {
    const result = await probe(
      profileOf("huawei", "sysinfo-roaming", (p) => {
        p.network.registration = 5;
        p.network.csRegistration = 0;
      }),
    );
    expect(result).toMatchObject({ driver: "huawei", registration: "roaming", accessTechnology: "WCDMA" });
  });

  it("a registered +CREG is the answer: no override, the access technology is still reported", async () => {
    const result = await probe(profileOf("quectel", "qnwinfo-registered"));
    expect(result).toMatchObject({ registration: "home", accessTechnology: "FDD LTE" });
    expect(result.warnings.filter((w) => w.includes("+CREG says"))).toEqual([]);
  });

  it("the generic driver has no vendor command: +CREG alone decides, as before", async () => {
    const result = await probe(profileOf("generic", "generic-cs0", (p) => (p.network.csRegistration = 0)));
    expect(result).toMatchObject({ driver: "generic", registration: "unregistered", accessTechnology: null });
  });
});

describe("network information in a port session", () => {
  it("a Quectel with +CREG 0 but +QNWINFO in service on its home network is sold; one refused (+CREG 3) is not", async () => {
    const served = await inSession(profileOf("quectel", "session-qnwinfo", (p) => (p.network.csRegistration = 0)));
    await expect.poll(() => served.map.get("p0")?.state, { timeout: 20_000 }).toBe("ready");
    expect(served.map.get("p0")?.registration).toBe("home");
    await modems!.close();
    await pool!.close();
    modems = undefined;
    pool = undefined;
    const refused = await inSession(profileOf("quectel", "session-qnwinfo", (p) => (p.network.csRegistration = 3)));
    await expect.poll(() => refused.map.get("p0")?.registration, { timeout: 20_000 }).toBe("denied");
    expect(refused.map.get("p0")?.state).toBe("denied");
  });

  it("trustVendorRegistration off: the same Quectel (+CREG 0, +QNWINFO in service: packet only, no SMS over CS) is not sold", async () => {
    const { map } = await inSession(profileOf("quectel", "session-qnwinfo", (p) => (p.network.csRegistration = 0)), {}, { trustVendorRegistration: false });
    await expect.poll(() => map.get("p0")?.iccid, { timeout: 20_000 }).not.toBeNull();
    expect(map.get("p0")?.registration).toBe("unregistered");
    expect(map.get("p0")?.state).toBe("registering");
  });
});

describe("removed quirks whose handling is generic, shown against the module that has them", () => {
  it("ussdUcs2WithGsmDcs: a Quectel's UCS2 answer labelled DCS 15 is read by evidence, as for every module", async () => {
    const profile = profileOf("quectel", "ussd-ucs2-dcs15", (p) => (p.sim.ussd = { "*205#": { text: "Ваш номер {number}" } }));
    const { channel: ch } = await onPty(profile);
    const reply = new Promise<string>((resolve) => ch.registerUrc({ name: "cusd", pattern: /^\+CUSD:/, handler: ([line]) => resolve(line ?? "") }));
    await ch.run('AT+CUSD=1,"*205#",15');
    const parsed = parseCusd(await reply);
    if (!parsed.ok) throw new Error("unreadable +CUSD");
    expect(parsed.dcs).toBe(15);
    expect(parsed.raw).toMatch(/^[0-9A-F]+$/);
    expect(decodeUssd(parsed.raw!, parsed.dcs).text).toBe(`Ваш номер ${profile.sim.subscriberNumber}`);
  });

  it("crsmNeedsPin: a PIN-locked Huawei (AT+CRSM wants the PIN) is found by its ^ICCID?, unlocked with that SIM's PIN and sold", async () => {
    const profile = profileOf("huawei", "huawei-pin", (p) => (p.sim.state = "pin"));
    const { map } = await inSession(profile, { [profile.sim.iccid]: profile.sim.pin });
    await expect.poll(() => map.get("p0")?.state, { timeout: 20_000 }).toBe("ready");
    expect(map.get("p0")).toMatchObject({ driver: "huawei", iccid: profile.sim.iccid, imsi: profile.sim.imsi });
  });
});
