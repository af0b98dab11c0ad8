import { afterEach, describe, expect, it } from "vitest";
import { startBankRig, type BankRig } from "./bank-rig.js";

describe("BoardSlotSwitch against a simulated bank on real pseudo-terminals", () => {
  let rig: BankRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  it("selects a slot and verifies it by the ICCID read back from the module", async () => {
    rig = await startBankRig(2, 4, 11);
    const expected = rig.bank.card(2, 3).profile;
    const outcome = await rig.board.select(2, 3);
    expect(outcome).toMatchObject({ status: "verified", address: { module: 2, slot: 3 } });
    if (outcome.status !== "verified") throw new Error("unreachable");
    expect(outcome.seated).toMatchObject({ iccid: expected.iccid, imsi: expected.imsi, registered: true, requestedSlot: 3, sharedNumberWith: [] });
    expect(outcome.seated.number?.replace(/^\+/, "")).toBe(expected.msisdn?.replace(/^\+/, ""));
    expect(rig.bank.truth(2)).toEqual({ slot: 3, iccid: expected.iccid });
    expect(rig.sim.bank.control.received).toContain("AT+SWIT02-0003");
    // The other module did not move.
    expect(rig.bank.truth(1).iccid).toBe(rig.bank.card(1, 1).profile.iccid);
  });

  it("a switch that silently does not happen is reported unverified, not-switched", async () => {
    rig = await startBankRig(1, 4, 12);
    rig.bank.faults.skipNextSwitch(1);
    const outcome = await rig.board.select(1, 2);
    expect(outcome).toMatchObject({ status: "unverified", reason: "not-switched" });
    expect(outcome.status === "unverified" && outcome.seated.iccid).toBe(rig.bank.card(1, 1).profile.iccid);
  });

  it("a switch that seats the wrong SIM is a mismatch naming the expected ICCID and the slot that got seated", async () => {
    rig = await startBankRig(1, 4, 13);
    rig.bank.faults.seatWrongOnNextSwitch(1, 4);
    const outcome = await rig.board.select(1, 2);
    expect(outcome).toMatchObject({
      status: "mismatch",
      expectedIccid: rig.bank.card(1, 2).profile.iccid,
      seatedSlot: { module: 1, slot: 4 },
      seated: { iccid: rig.bank.card(1, 4).profile.iccid },
    });
  });

  it("a dead slot is a failure: no SIM answers", async () => {
    rig = await startBankRig(1, 3, 14);
    rig.bank.faults.killSlot(1, 3);
    const outcome = await rig.board.select(1, 3);
    expect(outcome).toMatchObject({ status: "failed", reason: "no-sim", address: { module: 1, slot: 3 } });
  });

  it("a module that needs a reset after the switch still verifies: the driver always resets", async () => {
    rig = await startBankRig(1, 3, 15);
    rig.bank.faults.requireResetAfterSwitch(1);
    const outcome = await rig.board.select(1, 2);
    expect(outcome).toMatchObject({ status: "verified", seated: { iccid: rig.bank.card(1, 2).profile.iccid } });
  });

  it("a board that never answers AT+SWIT does not stop the switch: the read-back decides", async () => {
    rig = await startBankRig(1, 3, 16);
    rig.bank.faults.boardSilent = true;
    const outcome = await rig.board.select(1, 3);
    expect(outcome).toMatchObject({ status: "verified", seated: { iccid: rig.bank.card(1, 3).profile.iccid } });
  });

  it("a SIM with the number of another ICCID is flagged in the seated report", async () => {
    rig = await startBankRig(1, 3, 17);
    rig.bank.giveSameNumber(1, 3, { module: 1, slot: 2 });
    expect(await rig.board.select(1, 2)).toMatchObject({ status: "verified", seated: { sharedNumberWith: [] } });
    const second = await rig.board.select(1, 3);
    expect(second).toMatchObject({ status: "verified", seated: { sharedNumberWith: [rig.bank.card(1, 2).profile.iccid] } });
    const seated = await rig.board.seated(1);
    expect(seated.sharedNumberWith).toEqual([rig.bank.card(1, 2).profile.iccid]);
  });

  it("a control port that is gone fails the switch as switch-gone and leaves the module as it was", async () => {
    rig = await startBankRig(1, 3, 19);
    await rig.control.close();
    expect(await rig.board.select(1, 2)).toMatchObject({ status: "failed", reason: "switch-gone" });
    expect(rig.bank.truth(1).iccid).toBe(rig.bank.card(1, 1).profile.iccid);
    expect((await rig.board.seated(1)).iccid).toBe(rig.bank.card(1, 1).profile.iccid);
  });

  it("refuses a slot outside the layout without touching the board, and park turns the radio off", async () => {
    rig = await startBankRig(1, 2, 18);
    expect(await rig.board.select(1, 3)).toMatchObject({ status: "failed", reason: "bad-address" });
    expect(rig.sim.bank.control.received.filter((l) => l.startsWith("AT+SWIT"))).toEqual([]);
    expect(await rig.board.park(1)).toMatchObject({ module: 1, radioOff: true });
    expect((await rig.board.seated(1)).registered).toBe(false);
  });
});
