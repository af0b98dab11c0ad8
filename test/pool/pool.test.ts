import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { afterEach, describe, expect, it } from "vitest";
import { once } from "node:events";
import { openBytePort } from "../../src/transport/serial-port.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { PortMap, type PortView } from "../../src/modem/port-map.js";
import { ModemPool, type SharedSessionOptions } from "../../src/pool/pool.js";
import { DEFAULT_NUMBER_RULES } from "../../src/modem/number-rules.js";
import type { PoolVariation } from "../../src/sim/profile.js";

/** Resolve when `predicate` holds for port `id` (checked at once and on every change), or fail after `ms`. */
function waitFor(map: PortMap, id: string, predicate: (p: PortView) => boolean, ms = 5000): Promise<PortView> {
  return new Promise((resolve, reject) => {
    const check = (p: PortView | undefined) => {
      if (p && p.id === id && predicate(p)) {
        map.off("changed", check);
        clearTimeout(timer);
        resolve(p);
      }
    };
    const timer = setTimeout(() => {
      map.off("changed", check);
      reject(new Error(`port ${id} never matched; last state ${map.get(id)?.state}`));
    }, ms);
    map.on("changed", check);
    check(map.get(id));
  });
}

describe("ModemPool with port sessions over simulated modems (in-process)", () => {
  let sim: SimulatedPool | undefined;
  let pool: ModemPool | undefined;
  afterEach(async () => {
    await pool?.close();
    await sim?.close();
    pool = undefined;
    sim = undefined;
  });

  async function start(count: number, variation: PoolVariation & { seed?: string } = {}, session: Partial<SharedSessionOptions> = {}) {
    sim = await startSimulatedPool({ count, dialect: "mixed", seed: variation.seed ?? "pool", attach: "in-process", ...variation, modem: { ussdDelayMs: 10 } });
    const map = new PortMap();
    const binding = sim.binding!;
    pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path, binding }),
      session: sessionDefaults({
        pollIntervalMs: 60_000,
        ...session
      }),
    });
    for (const m of sim.modems) pool.addPort(m.path, m.path);
    expect(await pool.waitSettled(15_000)).toBe(true);
    return { map, sim, pool };
  }

  it("settles 16 mixed modems with every SIM's number, operator, driver and state right", async () => {
    const { map, sim } = await start(16, { noNumberRatio: 0.25 });
    let unlearnable = 0;
    for (const m of sim.modems) {
      const p = map.get(m.path)!;
      // A SIM that does not store its number is sellable only when its operator has a "my number" rule.
      const learnable = m.profile.sim.msisdn !== null || DEFAULT_NUMBER_RULES.some((r) => r.mcc === m.profile.sim.mcc && r.mnc === m.profile.sim.mnc && r.answer === "ussd");
      if (!learnable) unlearnable++;
      expect(p).toMatchObject({
        state: learnable ? "ready" : "no-number",
        driver: m.profile.dialect,
        imei: m.profile.imei,
        iccid: m.profile.sim.iccid,
        imsi: m.profile.sim.imsi,
        mcc: m.profile.sim.mcc,
        mnc: m.profile.sim.mnc,
        networkOperator: `${m.profile.network.mcc}${m.profile.network.mnc}`,
        number: m.profile.sim.msisdn ?? (learnable ? m.profile.sim.subscriberNumber : null),
      });
    }
    expect(map.sellable()).toHaveLength(16 - unlearnable);
  });

  it("leaves ready at once when the module reports the SIM pulled (URC), without waiting for the poll", async () => {
    const { map, sim } = await start(4);
    const victim = sim.modems[1]!;
    expect(map.get(victim.path)?.state).toBe("ready");
    const started = Date.now();
    victim.modem.pullSim();
    const p = await waitFor(map, victim.path, (v) => v.state === "no-sim", 2000);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(p.iccid).toBeNull();
    expect(map.sellable().map((s) => s.id)).not.toContain(victim.path);
    // The other ports did not notice.
    for (const m of sim.modems) if (m !== victim) expect(map.get(m.path)?.state).toBe("ready");
    // Put a SIM back: the port is identified again and sellable.
    victim.modem.insertSim();
    await waitFor(map, victim.path, (v) => v.state === "ready", 3000);
  });

  it("notices a pulled SIM within one poll interval when the module raises no URC", async () => {
    const { map, sim } = await start(1, {}, { pollIntervalMs: 200 });
    const m = sim.modems[0]!;
    // Silence the SIM URCs: take the SIM out behind the module's back.
    m.modem.faults.dropNext(0);
    m.modem.pullSim();
    await waitFor(map, m.path, (v) => v.state === "no-sim", 1500);
  });

  it("a hung module goes degraded on its own, the rest stay ready, and it comes back when it answers again", async () => {
    const { map, sim, pool } = await start(3, {}, { pollIntervalMs: 100, timeoutsBeforeReset: 2, resetSettleMs: 50, backoffMs: { initial: 50, max: 200 }, channel: { defaultTimeoutMs: 300, resyncTimeoutMs: 150, resyncAttempts: 1 } });
    const hung = sim.modems[0]!;
    const session = pool.session(hung.path)!;
    const softReset = new Promise<string>((resolve) => session.on("recovery", (step, reason) => step === "soft-reset" && resolve(reason)));
    hung.modem.faults.hang = true;
    await waitFor(map, hung.path, (v) => v.state === "degraded", 8000);
    expect(map.sellable().map((p) => p.id)).not.toContain(hung.path);
    // The ladder climbs to the driver's soft reset while the module stays silent.
    expect(await softReset).toMatch(/health polls without an answer/);
    expect(map.get(sim.modems[1]!.path)?.state).toBe("ready");
    expect(map.get(sim.modems[2]!.path)?.state).toBe("ready");
    hung.modem.faults.hang = false;
    await waitFor(map, hung.path, (v) => v.state === "ready", 8000);
    expect(session.resets).toBeGreaterThanOrEqual(1);
  });

  it("marks a vanished port gone at once and takes it out of the sellable set", async () => {
    const { map, sim, pool } = await start(2);
    const removed = once(map, "port-removed");
    await pool.removePort(sim.modems[0]!.path);
    const [view] = (await removed) as [PortView];
    expect(view.state).toBe("gone");
    expect(map.sellable().map((p) => p.id)).toEqual([sim.modems[1]!.path]);
  });

  it("enters the configured PIN once, and never retries a wrong one", async () => {
    sim = await startSimulatedPool({ count: 2, dialect: "huawei", seed: "pins", attach: "in-process", pinLockedRatio: 1 });
    const [good, bad] = sim.modems;
    const commands: string[] = [];
    bad!.modem.activity.on("command", (line) => commands.push(line));
    const map = new PortMap();
    const binding = sim.binding!;
    pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path, binding }),
      session: sessionDefaults({
        pins: { [good!.profile.sim.iccid]: good!.profile.sim.pin, [bad!.profile.sim.iccid]: "0000" },
        pollIntervalMs: 50,
      }),
    });
    pool.addPort(good!.path, good!.path);
    pool.addPort(bad!.path, bad!.path);
    await pool.waitSettled(10_000);
    await waitFor(map, good!.path, (v) => v.state === "ready");
    expect(map.get(bad!.path)?.state).toBe("sim-locked");
    // Several polls later the wrong PIN has still been sent exactly once.
    await new Promise((r) => setTimeout(r, 300));
    expect(commands.filter((c) => c.startsWith("AT+CPIN=")).length).toBe(1);
    expect(map.get(bad!.path)?.state).toBe("sim-locked");
  });

  it("delivers SMS from every port to the map after a durable accept, and learns a number the operator sends by SMS", async () => {
    const accepted: string[] = [];
    const { map, sim } = await start(
      8,
      { seed: "sms", noNumberRatio: 1 },
      { sms: { accept: async (part) => void accepted.push(part.pdu), sweepIntervalMs: 60_000 } },
    );
    // MTS (250/01) answers "my number" by SMS: the receiver must have fed it to the number chain.
    for (const m of sim.modems.filter((x) => x.profile.sim.mcc === "250" && x.profile.sim.mnc === "01")) {
      expect(map.get(m.path)?.number).toBe(m.profile.sim.subscriberNumber);
    }
    const target = sim.modems[3]!;
    const received = new Promise<[PortView, { sender: string; text: string }]>((resolve) =>
      map.on("sms-received", (port, sms) => port.id === target.path && sms.sender === "Telegram" && resolve([port, sms])),
    );
    const text = "Telegram code: 48213. Не сообщайте код никому! 🔐 " + "x".repeat(120);
    target.modem.injectSms({ sender: "Telegram", text });
    const [port, sms] = await received;
    expect(sms.text).toBe(text);
    expect(port.iccid).toBe(target.profile.sim.iccid);
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    // Deleted from the modem only after the accept: nothing of it is left on the SIM or in ME.
    const stored = () => (target.modem.storage("ME")?.used ?? 0) + (target.modem.storage("SM")?.used ?? 0);
    // The deletes follow the accept through the port's queue: wait for the modem's own command log.
    const deadline = Date.now() + 3000;
    while (stored() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(stored()).toBe(0);
  });

  it("garbage bytes, dropped replies and latency slow a port down but it still ends ready with the right identity", async () => {
    sim = await startSimulatedPool({ count: 4, dialect: "mixed", seed: "faults", attach: "in-process", noNumberRatio: 0 });
    for (const m of sim.modems) {
      m.modem.faults.garbageProbability = 0.2;
      m.modem.faults.dropReplyProbability = 0.05;
      m.modem.faults.latencyMs = 15;
    }
    const map = new PortMap();
    const binding = sim.binding!;
    pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path, binding }),
      session: sessionDefaults({
        pollIntervalMs: 100,
        backoffMs: { initial: 50, max: 200 },
        channel: { defaultTimeoutMs: 400, resyncTimeoutMs: 200 }
      }),
    });
    for (const m of sim.modems) pool.addPort(m.path, m.path);
    for (const m of sim.modems) {
      const p = await waitFor(map, m.path, (v) => v.state === "ready" && v.number !== null, 15_000);
      expect([p.imei, p.iccid, p.imsi, p.number]).toEqual([m.profile.imei, m.profile.sim.iccid, m.profile.sim.imsi, m.profile.sim.msisdn]);
    }
  });

  it("runs one session per USB modem: a tty that does not answer AT gives way to the next, and a second AT tty never doubles the SIM", async () => {
    sim = await startSimulatedPool({ count: 4, dialect: "huawei", seed: "groups", attach: "in-process", noNumberRatio: 0 });
    const [voice, pcui, first, second] = sim.modems;
    voice!.modem.faults.hang = true; // a Huawei voice port: opens, never answers AT
    const map = new PortMap();
    const binding = sim.binding!;
    pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path, binding }),
      session: sessionDefaults({ backoffMs: { initial: 50, max: 100 }, channel: { defaultTimeoutMs: 300, resyncTimeoutMs: 150, resyncAttempts: 1 } }),
    });
    pool.addPort(voice!.path, voice!.path, "stick-1");
    pool.addPort(pcui!.path, pcui!.path, "stick-1");
    pool.addPort(first!.path, first!.path, "stick-2");
    pool.addPort(second!.path, second!.path, "stick-2");
    expect(await pool.waitSettled(10_000)).toBe(true);
    expect(map.snapshot().map((p) => [p.id, p.state])).toEqual([
      [first!.path, "ready"],
      [pcui!.path, "ready"],
    ]);
    expect(map.sellable()).toHaveLength(2);
    // The active tty of stick-2 vanishes: its standby takes over.
    await pool.removePort(first!.path);
    await waitFor(map, second!.path, (v) => v.state === "ready", 5000);
    expect(map.sellable().map((p) => p.id)).toEqual([pcui!.path, second!.path]);
  });
});
