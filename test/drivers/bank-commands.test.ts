/**
 * The multi-slot and bank-board command builders and parsers. The answers are the shapes
 * public sources document (docs/sim-banks.md#multi-slot-modules, #sim-bank-boards); no
 * raw capture of these commands was found in the public corpus, so each example names the
 * document it follows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  activeSlotQuery,
  boardSwitchCommand,
  classifyBoardAnswer,
  classifySwitchUrc,
  parseActiveSlot,
  parseSlotRange,
  selectSlotCommand,
  slotRangeQuery,
  MULTI_SLOT_FAMILIES,
} from "../../drivers/bank/index.js";

describe("multi-slot commands", () => {
  it("3GPP AT+CSUS counts slots from 0, simgate from 1 (27.007 §8.66)", () => {
    expect(selectSlotCommand("3gpp", 1)).toBe("AT+CSUS=0");
    expect(selectSlotCommand("3gpp", 2)).toBe("AT+CSUS=1");
    expect(parseActiveSlot("3gpp", ["+CSUS: 1"])).toEqual({ ok: true, value: 2 });
    expect(parseSlotRange("3gpp", ["+CSUS: (0-1)"])).toEqual({ ok: true, value: [1, 2] });
    expect(slotRangeQuery("3gpp")).toBe("AT+CSUS=?");
  });

  it("Quectel AT+QUIMSLOT counts from 1 (RooterSource simsel.sh; RM520N-GL `AT+QUIMSLOT=?` → `(1,2)`)", () => {
    expect(selectSlotCommand("quectel", 2)).toBe("AT+QUIMSLOT=2");
    expect(activeSlotQuery("quectel")).toBe("AT+QUIMSLOT?");
    expect(parseActiveSlot("quectel", ["+QUIMSLOT: 1"])).toEqual({ ok: true, value: 1 });
    expect(parseSlotRange("quectel", ["+QUIMSLOT: (1,2)"])).toEqual({ ok: true, value: [1, 2] });
  });

  it("SIMCom AT+SMSIMCFG=1,<slot>; the read form in its one-line and per-slot shapes", () => {
    expect(selectSlotCommand("simcom", 2)).toBe("AT+SMSIMCFG=1,2");
    expect(parseActiveSlot("simcom", ["+SMSIMCFG: 1,2"])).toEqual({ ok: true, value: 2 });
    expect(parseActiveSlot("simcom", ["+SMSIMCFG: 1,1,2", "+SMSIMCFG: 1,2,1"])).toEqual({ ok: true, value: 2 });
    expect(parseActiveSlot("simcom", ["+SMSIMCFG: 1,1,2", "+SMSIMCFG: 1,2,2"]).ok).toBe(false);
  });

  it("an answer without the family's prefix or slot number is a parse failure, not a guess", () => {
    for (const family of MULTI_SLOT_FAMILIES) {
      expect(parseActiveSlot(family, ["OK"]).ok).toBe(false);
      expect(parseActiveSlot(family, []).ok).toBe(false);
      expect(parseSlotRange(family, ["+CSUS: (a-b)", "+QUIMSLOT: (x)", "+SMSIMCFG: (y)"]).ok).toBe(false);
    }
    expect(() => selectSlotCommand("quectel", 0)).toThrow(RangeError);
  });

  it("select then read back gives the same slot for every family (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...MULTI_SLOT_FAMILIES), fc.integer({ min: 1, max: 99 }), (family, slot) => {
        const wire = selectSlotCommand(family, slot).replace(/^AT(\+[A-Z]+)=/, "$1: ");
        expect(parseActiveSlot(family, [wire])).toEqual({ ok: true, value: slot });
      }),
    );
  });
});

describe("SIM-bank board commands (rotador-simbank README/CHANGELOG)", () => {
  it("AT+SWIT<port, 2 digits>-<slot, 4 digits>", () => {
    expect(boardSwitchCommand(1, 3)).toBe("AT+SWIT01-0003");
    expect(boardSwitchCommand(8, 32)).toBe("AT+SWIT08-0032");
    expect(() => boardSwitchCommand(0, 1)).toThrow(RangeError);
    expect(() => boardSwitchCommand(1, 10_000)).toThrow(RangeError);
  });

  it("OK accepted, ERROR refused, nothing silent (some boards never answer)", () => {
    expect(classifyBoardAnswer("OK")).toBe("accepted");
    expect(classifyBoardAnswer("ERROR")).toBe("refused");
    expect(classifyBoardAnswer(null)).toBe("silent");
  });
});

describe("URCs around a switch", () => {
  it("names the +CPIN transitions and the Quectel/SIMCom readiness lines", () => {
    expect(classifySwitchUrc("+CPIN: NOT READY")).toEqual({ kind: "sim-not-ready" });
    expect(classifySwitchUrc("+CPIN: NOT INSERTED")).toEqual({ kind: "sim-absent" });
    expect(classifySwitchUrc("+CPIN: READY")).toEqual({ kind: "sim-ready" });
    expect(classifySwitchUrc("+CPIN: SIM PIN")).toEqual({ kind: "sim-locked" });
    expect(classifySwitchUrc("+QUSIM: 1")).toEqual({ kind: "sim-initialised" });
    expect(classifySwitchUrc("+QSIMSTAT: 1,0")).toEqual({ kind: "sim-detect", inserted: false });
    expect(classifySwitchUrc("SMS Ready")).toEqual({ kind: "stack-ready" });
    expect(classifySwitchUrc("+CMTI: \"SM\",1")).toBeNull();
  });
});
