import { describe, expect, it } from "vitest";
import { SlotClaims, slotKey } from "../../src/modem/sms-slots.js";

describe("SlotClaims", () => {
  const k = slotKey("ME", 1);

  it("an indication for a free slot claims it; one for a held slot is queued, not dropped", () => {
    const s = new SlotClaims();
    s.indicated(k);
    expect(s.claimForIndication(k)).toBe(true);
    s.indicated(k);
    expect(s.claimForIndication(k)).toBe(false);
    // Released (after a delete, or a read that found the slot empty): read it again, keeping the claim.
    expect(s.release(k)).toBe(true);
    expect(s.has(k)).toBe(true);
    expect(s.release(k)).toBe(false);
    expect(s.has(k)).toBe(false);
  });

  it("an indication queued behind a holder that kept its SMS in the slot refers to that SMS: no re-read, nothing lost for the sweep to report", () => {
    const s = new SlotClaims();
    expect(s.claimForSweep(k)).toEqual({ claimed: true, missedIndication: false });
    s.indicated(k);
    expect(s.claimForIndication(k)).toBe(false);
    s.kept(k);
    expect(s.release(k)).toBe(false);
    expect(s.claimForSweep(k)).toEqual({ claimed: true, missedIndication: false });
  });

  it("a sweep that lists an indicated slot no read ever started for reports the lost indication", () => {
    const s = new SlotClaims();
    s.indicated(k);
    expect(s.claimForSweep(k)).toEqual({ claimed: true, missedIndication: true });
    expect(s.claimForSweep(slotKey("SM", 1))).toEqual({ claimed: true, missedIndication: false });
    // A slot held by someone else is not the sweep's.
    expect(s.claimForSweep(k)).toEqual({ claimed: false, missedIndication: false });
  });
});
