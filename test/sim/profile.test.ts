import { describe, expect, it } from "vitest";
import { isLuhnValid, luhnCheckDigit, swapNibbles } from "../../src/sim/identifiers.js";
import { OPERATORS } from "../../src/sim/operators.js";
import { generatePool, SIM_DIALECTS } from "../../src/sim/profile.js";
import { createRng, seedFrom } from "../../src/sim/rng.js";
import { ErrorCode } from "../../src/errors.js";
import { callingCodeForMcc, checkPhoneNumber } from "../../drivers/generic/index.js";

describe("deterministic pool generation", () => {
  it("same seed, same pool; different seed, different pool", () => {
    const a = generatePool({ count: 16, dialect: "mixed", seed: 42 });
    expect(generatePool({ count: 16, dialect: "mixed", seed: 42 })).toEqual(a);
    expect(generatePool({ count: 16, dialect: "mixed", seed: "42" })).toEqual(a);
    expect(generatePool({ count: 16, dialect: "mixed", seed: 43 })).not.toEqual(a);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a); // JSON-serialisable
  });

  it("modem i does not depend on how many modems were asked for", () => {
    expect(generatePool({ count: 3, dialect: "huawei", seed: 7 })).toEqual(generatePool({ count: 10, dialect: "huawei", seed: 7 }).slice(0, 3));
  });

  it("mixed cycles the four dialects", () => {
    expect(generatePool({ count: 8, dialect: "mixed", seed: 1 }).map((p) => p.dialect)).toEqual([...SIM_DIALECTS, ...SIM_DIALECTS]);
  });

  it("identifiers are valid: Luhn IMEI/ICCID, 89 prefix, IMSI starts with MCC+MNC, E.164 numbers", () => {
    const pool = generatePool({ count: 200, dialect: "mixed", seed: "ids" });
    for (const p of pool) {
      expect(p.imei).toMatch(/^\d{15}$/);
      expect(isLuhnValid(p.imei)).toBe(true);
      expect(p.sim.iccid).toMatch(/^89\d{17,18}$/);
      expect(isLuhnValid(p.sim.iccid)).toBe(true);
      expect(p.sim.imsi).toMatch(/^\d{15}$/);
      expect(p.sim.imsi.startsWith(p.sim.mcc + p.sim.mnc)).toBe(true);
      expect(p.sim.subscriberNumber).toMatch(/^\+\d{10,14}$/);
      if (p.sim.msisdn !== null) expect(p.sim.msisdn).toBe(p.sim.subscriberNumber);
      expect(p.sim.smsCapacity).toBeGreaterThanOrEqual(20);
      expect(p.sim.smsCapacity).toBeLessThanOrEqual(50);
      expect([p.network.mcc, p.network.mnc]).toEqual([p.sim.mcc, p.sim.mnc]);
      expect(p.network.registration).toBe(1);
      expect(p.sim.state).toBe("ready");
    }
    // Most SIMs know their number, some do not; both 2- and 3-digit MNCs occur.
    const unknown = pool.filter((p) => p.sim.msisdn === null).length;
    expect(unknown).toBeGreaterThan(10);
    expect(unknown).toBeLessThan(100);
    expect(new Set(pool.map((p) => p.sim.mnc.length))).toEqual(new Set([2, 3]));
  });

  it("every simulated SIM's number is a valid mobile number of its home country, as a real SIM's is", () => {
    for (const seed of ["ids", 1, 2, 3]) {
      for (const p of generatePool({ count: 512, dialect: "mixed", seed })) {
        const verdict = checkPhoneNumber(p.sim.subscriberNumber, { mcc: p.sim.mcc });
        expect(verdict, `${p.sim.mcc}/${p.sim.mnc} ${p.sim.subscriberNumber}`).toMatchObject({ ok: true, e164: p.sim.subscriberNumber });
        expect(callingCodeForMcc(p.sim.mcc), p.sim.mcc).toBe(p.sim.subscriberNumber.slice(1, 1 + (callingCodeForMcc(p.sim.mcc)?.length ?? 0)));
      }
    }
  });

  it("variations: roaming, PIN-locked, no number", () => {
    const pool = generatePool({ count: 20, dialect: "mixed", seed: 5, roamingRatio: 1, pinLockedRatio: 1, noNumberRatio: 1 });
    for (const p of pool) {
      expect(p.network.registration).toBe(5);
      expect(p.network.mcc).not.toBe(p.sim.mcc);
      expect(p.sim.state).toBe("pin");
      expect(p.sim.pin).toMatch(/^\d{4}$/);
      expect(p.sim.msisdn).toBeNull();
    }
  });

  it("rejects bad options with SimulatorBadOption", () => {
    expect(() => generatePool({ count: -1, dialect: "mixed", seed: 1 })).toThrow(expect.objectContaining({ code: ErrorCode.SimulatorBadOption }));
    expect(() => generatePool({ count: 1, dialect: "nokia" as "mixed", seed: 1 })).toThrow(expect.objectContaining({ code: ErrorCode.SimulatorBadOption }));
  });

  it("the operator table has both MNC lengths and real Russian operators", () => {
    expect(OPERATORS.map((o) => o.mcc + o.mnc)).toEqual(expect.arrayContaining(["25001", "25002", "25099", "310260", "405840", "26201", "23415"]));
  });
});

describe("identifier helpers", () => {
  it("Luhn check digit (IMEI example from 3GPP TS 23.003 Annex B)", () => {
    expect(luhnCheckDigit("49015420323751")).toBe("8");
    expect(isLuhnValid("490154203237518")).toBe(true);
    expect(isLuhnValid("490154203237519")).toBe(false);
  });

  it("EF_ICCID nibble swap pads a 19-digit ICCID with F", () => {
    expect(swapNibbles("89701012345678901234")).toBe("98070121436587092143");
    expect(swapNibbles("8901410123456789012")).toBe("981014103254769810F2");
  });

  it("seeded PRNG is reproducible", () => {
    const a = createRng(seedFrom("x"));
    const b = createRng(seedFrom("x"));
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });
});
