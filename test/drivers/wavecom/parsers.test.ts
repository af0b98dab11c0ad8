import { describe, expect, it } from "vitest";
import { parseWind, windMeaning, wavecomDriver } from "../../../drivers/wavecom/index.js";
import { cpmsCommand, hasQuirk, parseCpin, parseCpmsSupported, parseCpmsUsage, parseIdentityLine } from "../../../drivers/generic/index.js";

const GARBAGE = ["", "\r\n", "OK", "ERROR", "+CME ERROR: 515", "+WIND:", "+WIND: x", "+CPMS:", "\u0000"];

describe("+WIND (Multi-Tech manual, Westermo GD-01, Sierra forum; docs/protocols/at-commands.md#sim-hot-swap-and-readiness)", () => {
  it.each([
    ["+WIND: 0", 0, "sim-removed", "removed"],
    ["+WIND: 1", 1, "sim-inserted", "inserted"],
    ["+WIND: 3", 3, "ready-partial", "unknown"],
    ["+WIND: 4", 4, "ready", "ready"],
    ["+WIND: 7", 7, "emergency-only", "unknown"],
    ["+WIND: 8", 8, "network-lost", "unknown"],
    ["+WIND: 13", 13, "rack-closed", "inserted"],
    ["+WIND: 5,1", 5, "other", "unknown"],
    ["+WIND:0\r\n", 0, "sim-removed", "removed"],
  ])("%j → %s", (line, code, event, meaning) => {
    const r = parseWind(line);
    expect(r.ok && r.value.code).toBe(code);
    expect(r.ok && r.value.event).toBe(event);
    expect(windMeaning(line)).toBe(meaning);
  });

  it.each(GARBAGE)("fails on %j", (line) => {
    expect(parseWind(line).ok).toBe(false);
    expect(windMeaning(line)).toBe("unknown");
  });
});

describe("Wavecom through the generic parsers (python-gsmmodem fakemodems, gammu)", () => {
  it("reads the padded identity strings", () => {
    expect(parseIdentityLine([" WAVECOM MODEM"])).toEqual({ ok: true, value: "WAVECOM MODEM" });
    expect(parseIdentityLine([" MULTIBAND  900E  1800 "])).toEqual({ ok: true, value: "MULTIBAND 900E 1800" });
  });

  it("reads +CPIN without a final OK (the channel returns the line alone)", () => {
    expect(hasQuirk(wavecomDriver, "cpinWithoutOk", "MULTIBAND 900E 1800")).toBe(true);
    expect(parseCpin(["+CPIN: READY"])).toEqual({ ok: true, value: "ready" });
  });

  it("reads name-less CPMS usage +CPMS: 14,50,14,50", () => {
    const r = parseCpmsUsage(["+CPMS: 14,50,14,50"]);
    expect(r.ok && r.value).toEqual([{ used: 14, total: 50 }, { used: 14, total: 50 }]);
  });

  it("picks SM from the two-list CPMS=? reply", () => {
    const r = parseCpmsSupported(['+CPMS: (("SM","BM","SR"),("SM"))']);
    expect(r.ok && r.value).toEqual([["SM", "BM", "SR"], ["SM"]]);
    expect(r.ok && cpmsCommand(wavecomDriver.storage.preferred, r.value)).toBe('AT+CPMS="SM","SM"');
  });

  it("restarts with AT+CFUN=1, keeps the tty, and expects 9600 with RTS/CTS", () => {
    expect(wavecomDriver.softReset).toBe("AT+CFUN=1");
    expect(wavecomDriver.resetReenumerates).toBe("never");
    expect(wavecomDriver.serial).toEqual({ baudRate: 9600, rtscts: true });
    expect(wavecomDriver.initSequence).toContain("AT+WIND=5");
  });
});
