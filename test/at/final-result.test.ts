import { describe, expect, it } from "vitest";
import { classifyFinal, cmeText, cmsText, finalResultError, type ErrorFinal, type FinalResult } from "../../src/at/final-result.js";
import { ErrorCode, isTransient } from "../../src/errors.js";

describe("classifyFinal", () => {
  it.each<[string, Partial<FinalResult> | null]>([
    ["OK", { kind: "ok" }],
    ["  OK  ", { kind: "ok", line: "OK" }],
    ["ok", { kind: "ok" }],
    ["ERROR", { kind: "error" }],
    ["COMMAND NOT SUPPORT", { kind: "error" }],
    ["TOO MANY PARAMETERS", { kind: "error" }],
    ["NO CARRIER", { kind: "no-carrier" }],
    ["BUSY", { kind: "busy" }],
    ["NO ANSWER", { kind: "no-answer" }],
    ["NO DIALTONE", { kind: "no-dialtone" }],
    ["NO DIAL TONE", { kind: "no-dialtone" }],
    ["+CME ERROR: 10", { kind: "cme", code: 10, text: "SIM not inserted" }],
    ["+CME ERROR: 515", { kind: "cme", code: 515 }],
    ["+CME ERROR:14", { kind: "cme", code: 14, text: "SIM busy" }],
    ["+cme error: 11", { kind: "cme", code: 11 }],
    ["+CME ERROR: 9999", { kind: "cme", code: 9999, text: "unknown CME error 9999" }],
    ["+CME ERROR: SIM not inserted", { kind: "cme", code: 10, text: "SIM not inserted" }],
    ["+CME ERROR: SIM PIN required", { kind: "cme", code: 11, text: "SIM PIN required" }],
    ["+CME ERROR: SIM busy", { kind: "cme", code: 14 }],
    ['+CME ERROR: "operation not allowed"', { kind: "cme", code: 3, text: "operation not allowed" }],
    ["+CME ERROR: frobnicator on fire", { kind: "cme", code: null, text: "frobnicator on fire" }],
    ["+CME ERROR:", { kind: "cme", code: null, text: "" }],
    ["+CMS ERROR: 321", { kind: "cms", code: 321, text: "invalid memory index" }],
    ["+CMS ERROR: 500", { kind: "cms", code: 500 }],
    ["+CMS ERROR: SMSC address unknown", { kind: "cms", code: 330 }],
    // Not finals: whole-line matching, never substring.
    ["+CSQ: 17,99", null],
    ['+CMT: "",23', null],
    ["OK then", null],
    ["SERVICE ERROR NOTICE", null],
    ['+CUSD: 0,"ERROR in balance",15', null],
    ["+CNUM: \"\",\"+79001234567\",145+CME ERROR: 25", null],
    ["ERRORS", null],
    ["", null],
    ["BUSY SIGNAL", null],
  ])("%j", (line, expected) => {
    const result = classifyFinal(line);
    if (expected === null) expect(result).toBeNull();
    else expect(result).toMatchObject(expected);
  });
});

describe("finalResultError", () => {
  it.each<[string, ErrorCode, Record<string, unknown>]>([
    ["ERROR", ErrorCode.AtError, { final: "ERROR" }],
    ["COMMAND NOT SUPPORT", ErrorCode.AtError, { final: "COMMAND NOT SUPPORT" }],
    ["+CME ERROR: 10", ErrorCode.AtCmeError, { cme: 10, cmeText: "SIM not inserted" }],
    ["+CME ERROR: SIM busy", ErrorCode.AtCmeError, { cme: 14, cmeText: "SIM busy" }],
    ["+CME ERROR: weird", ErrorCode.AtCmeError, { cme: null, cmeText: "weird" }],
    ["+CMS ERROR: 330", ErrorCode.AtCmsError, { cms: 330 }],
    ["NO CARRIER", ErrorCode.AtNoCarrier, {}],
    ["BUSY", ErrorCode.AtBusy, {}],
    ["NO ANSWER", ErrorCode.AtNoAnswer, {}],
    ["NO DIALTONE", ErrorCode.AtNoDialtone, {}],
  ])("%s → code %i", (line, code, context) => {
    const err = finalResultError("AT+X", classifyFinal(line) as ErrorFinal);
    expect(err.code).toBe(code);
    expect(err.context).toMatchObject({ command: "AT+X", ...context });
    expect(err.message).toContain(`(SG${code})`);
  });

  it("names the CME text in the message and stays transient for SIM busy", () => {
    const err = finalResultError("AT+CPIN?", classifyFinal("+CME ERROR: 14") as ErrorFinal);
    expect(err.message).toBe("AT+CPIN? failed: +CME ERROR: 14 (SIM busy) (SG202)");
    expect(isTransient(err)).toBe(true);
  });

  it("has readable texts for common CME and CMS numbers", () => {
    expect(cmeText(11)).toBe("SIM PIN required");
    expect(cmeText(30)).toBe("no network service");
    expect(cmsText(310)).toBe("SIM not inserted");
    expect(cmeText(12345)).toBeUndefined();
  });
});
