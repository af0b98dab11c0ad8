/**
 * The judgement after a switch, the same for every kind of hardware: only an ICCID read
 * back equal to the expected one, on a registered module, is "verified"
 * (docs/sim-banks.md#verification).
 */
import type { SeatedSim, SlotAddress, SlotDirectory, SwitchOutcome } from "./slot-switch.js";

export interface VerdictInput {
  address: SlotAddress;
  /** ICCID read before the switch (null: none or unreadable). */
  before: string | null;
  after: SeatedSim;
  directory: SlotDirectory;
  durationMs: number;
}

export function judgeSwitch({ address, before, after, directory, durationMs }: VerdictInput): SwitchOutcome {
  const expected = directory.expectedIccid(address);
  if (after.iccid === null) return { status: "failed", reason: "no-sim", address, detail: "no SIM answers after the switch", seated: after, durationMs };
  if (expected !== undefined && after.iccid === expected) {
    return after.registered
      ? { status: "verified", address, seated: after, durationMs }
      : { status: "unverified", reason: "not-registered", address, seated: after, durationMs };
  }
  if (before !== null && after.iccid === before) return { status: "unverified", reason: "not-switched", address, seated: after, durationMs };
  if (expected === undefined) return { status: "unverified", reason: "nothing-to-compare", address, seated: after, durationMs };
  return { status: "mismatch", address, expectedIccid: expected, seated: after, seatedSlot: directory.slotOf(after.iccid) ?? null, durationMs };
}
