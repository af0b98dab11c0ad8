/**
 * Random switch sequences against a simulated bank with random faults, over real
 * pseudo-terminals: whatever happens, a "verified" outcome always has the expected ICCID
 * really in front of the module, and every outcome's seated ICCID is the simulator's truth.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directoryOf, startBankRig, type BankRig } from "./bank-rig.js";

const MODULES = 2;
const SLOTS = 3;

type Fault = { kind: "none" } | { kind: "skip" } | { kind: "wrong"; slot: number } | { kind: "dead" } | { kind: "needs-reset" } | { kind: "silent-board" };

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant<Fault>({ kind: "none" }),
  fc.constant<Fault>({ kind: "skip" }),
  fc.integer({ min: 1, max: SLOTS }).map<Fault>((slot) => ({ kind: "wrong", slot })),
  fc.constant<Fault>({ kind: "dead" }),
  fc.constant<Fault>({ kind: "needs-reset" }),
  fc.constant<Fault>({ kind: "silent-board" }),
);

const step = fc.record({ module: fc.integer({ min: 1, max: MODULES }), slot: fc.integer({ min: 1, max: SLOTS }), fault });

describe("BoardSlotSwitch under random faults (property)", () => {
  let rig: BankRig;
  beforeAll(async () => {
    // A dead slot costs the whole registration wait: keep it short so the run stays small.
    rig = await startBankRig(MODULES, SLOTS, 21, { registerTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await rig.close();
  });

  it("never reports verified unless the seated ICCID is the expected one", async () => {
    const directory = directoryOf(rig.bank);
    const seen = { verified: 0, other: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), async (steps) => {
        for (const { module, slot, fault: f } of steps) {
          rig.bank.faults.clear();
          if (f.kind === "skip") rig.bank.faults.skipNextSwitch(module);
          if (f.kind === "wrong") rig.bank.faults.seatWrongOnNextSwitch(module, f.slot);
          if (f.kind === "dead") rig.bank.faults.killSlot(module, slot);
          if (f.kind === "needs-reset") rig.bank.faults.requireResetAfterSwitch(module);
          if (f.kind === "silent-board") rig.bank.faults.boardSilent = true;
          const outcome = await rig.board.select(module, slot);
          const truth = rig.bank.truth(module);
          if (outcome.status === "verified") {
            seen.verified++;
            expect(truth.iccid).toBe(directory.expectedIccid({ module, slot }));
            expect(outcome.seated.iccid).toBe(truth.iccid);
          } else {
            seen.other++;
            if (outcome.seated) expect(outcome.seated.iccid).toBe(truth.iccid);
          }
        }
      }),
      { numRuns: 12 },
    );
    // The run exercised both sides of the rule.
    expect(seen.verified).toBeGreaterThan(0);
    expect(seen.other).toBeGreaterThan(0);
  }, 300_000);
});
