import { afterEach, describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { MultiSlotSwitch, type SlotAddress } from "../../src/bank/index.js";
import { activeSlotQuery, classifySwitchUrc, parseActiveSlot, parseSlotRange, slotRangeQuery, type MultiSlotFamily } from "../../drivers/bank/index.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { generateProfile, type SimDialect } from "../../src/sim/profile.js";
import { createRng } from "../../src/sim/rng.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { FAST_TIMING } from "./bank-rig.js";

const CASES: { family: MultiSlotFamily; dialect: SimDialect }[] = [
  { family: "3gpp", dialect: "generic" },
  { family: "quectel", dialect: "quectel" },
  { family: "simcom", dialect: "simcom" },
];

describe("MultiSlotSwitch against simulated dual-SIM modules on real pseudo-terminals", () => {
  let pool: SimulatedPool | undefined;
  let channel: AtChannel | undefined;
  afterEach(async () => {
    await channel?.close();
    await pool?.close();
    pool = undefined;
    channel = undefined;
  });

  for (const { family, dialect } of CASES) {
    it(`${family}: selects slot 2 and back, verified by the ICCID; the module's own slot query agrees`, async () => {
      const second = generateProfile(dialect, createRng(99), { noNumberRatio: 0 }).sim;
      pool = await startSimulatedPool({ count: 1, dialect, seed: 3, attach: "pty", noNumberRatio: 0, modem: { extraSlots: [second], slotSwitchMs: 60 } });
      const first = pool.modems[0]!.profile.sim;
      channel = new AtChannel(await openBytePort({ path: pool.modems[0]!.path }));
      const byIccid = new Map<string, SlotAddress>([
        [first.iccid, { module: 1, slot: 1 }],
        [second.iccid, { module: 1, slot: 2 }],
      ]);
      const switcher = new MultiSlotSwitch({
        modules: [{ line: channel, family, slots: 2 }],
        directory: { expectedIccid: ({ slot }) => (slot === 1 ? first.iccid : slot === 2 ? second.iccid : undefined), slotOf: (i) => byIccid.get(i) },
        timing: FAST_TIMING,
      });

      expect(parseSlotRange(family, (await channel.run(slotRangeQuery(family))).lines)).toEqual({ ok: true, value: [1, 2] });
      const to2 = await switcher.select(1, 2);
      expect(to2).toMatchObject({ status: "verified", seated: { iccid: second.iccid, imsi: second.imsi, registered: true } });
      expect(parseActiveSlot(family, (await channel.run(activeSlotQuery(family))).lines)).toEqual({ ok: true, value: 2 });
      const back = await switcher.select(1, 1);
      expect(back).toMatchObject({ status: "verified", seated: { iccid: first.iccid } });
      expect(parseActiveSlot(family, (await channel.run(activeSlotQuery(family))).lines)).toEqual({ ok: true, value: 1 });
      expect(await switcher.select(1, 3)).toMatchObject({ status: "failed", reason: "bad-address" });
    });
  }

  it("quectel: the URCs a slot change raises are the ones classifySwitchUrc names (+CPIN NOT READY, +QUSIM: 1, +CPIN: READY)", async () => {
    const second = generateProfile("quectel", createRng(98), { noNumberRatio: 0 }).sim;
    pool = await startSimulatedPool({ count: 1, dialect: "quectel", seed: 4, attach: "pty", modem: { extraSlots: [second], slotSwitchMs: 60 } });
    channel = new AtChannel(await openBytePort({ path: pool.modems[0]!.path }));
    const unsolicited: string[] = [];
    channel.on("unhandled", (line) => unsolicited.push(line));
    await channel.run("AT+QUIMSLOT=2");
    // Nothing is polled meanwhile, so every URC of the change reaches "unhandled".
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no +CPIN: READY; got ${JSON.stringify(unsolicited)}`)), 5_000);
      channel!.on("unhandled", (line) => {
        if (line === "+CPIN: READY") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const kinds = unsolicited.map(classifySwitchUrc).filter((k) => k !== null).map((k) => k.kind);
    expect(kinds).toEqual(["sim-not-ready", "sim-initialised", "sim-ready"]);
  });
});
