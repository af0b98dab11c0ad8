import { describe, expect, it } from "vitest";
import { cpmsCommand, parseCmgl, parseCmgr, parseCpmsSupported, parseCpmsUsage, parseStoredIndication } from "../../../drivers/generic/sms.js";

const PDU = "07919730071111F1040B919701119905F80000211062320150610CC8329BFD065DDF72363904";
const GARBAGE = ["", "\r\n", "OK", "ERROR", "+CMS ERROR: 321", "+CPMS:", "+CMTI:", "+CMGL:", "+CMGR:", "\u0000\u00ff"];

describe("+CPMS? usage (docs/protocols/at-commands.md#receiving-sms)", () => {
  it.each([
    ['+CPMS: "ME",0,23,"ME",0,23,"SM",10,10', [{ memory: "ME", used: 0, total: 23 }, { memory: "ME", used: 0, total: 23 }, { memory: "SM", used: 10, total: 10 }]],
    ['+CPMS: "SM",3,20,"SM",3,20,"SM",3,20\r\n', [{ memory: "SM", used: 3, total: 20 }, { memory: "SM", used: 3, total: 20 }, { memory: "SM", used: 3, total: 20 }]],
    ['+CPMS: "sm", 1, 50, "sm", 1, 50', [{ memory: "SM", used: 1, total: 50 }, { memory: "SM", used: 1, total: 50 }]],
    ["+CPMS: 14,50,14,50", [{ used: 14, total: 50 }, { used: 14, total: 50 }]],
    ["+CPMS: 0,23,0,23,10,10", [{ used: 0, total: 23 }, { used: 0, total: 23 }, { used: 10, total: 10 }]],
  ])("%j", (line, value) => {
    expect(parseCpmsUsage([line])).toEqual({ ok: true, value });
  });

  it.each([...GARBAGE, '+CPMS: ("ME","SM"),("ME","SM")', "+CPMS: 1,2,3", '+CPMS: "ME",x,23'])("fails on %j", (line) => {
    expect(parseCpmsUsage([line]).ok).toBe(false);
  });
});

describe("+CPMS=? lists and the CPMS command", () => {
  it.each([
    ['+CPMS: ("ME","SM"),("ME","SM"),("ME","SM")', [["ME", "SM"], ["ME", "SM"], ["ME", "SM"]]],
    ['+CPMS: (("SM","BM","SR"),("SM"))', [["SM", "BM", "SR"], ["SM"]]],
    ['+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME")', [["SM", "ME", "MT"], ["SM", "ME", "MT"], ["SM", "ME"]]],
    ["+CPMS: (),(),()", [[], [], []]],
  ])("%j", (line, value) => {
    expect(parseCpmsSupported([line])).toEqual({ ok: true, value });
  });
  it.each([...GARBAGE, '+CPMS: "ME",0,23'])("fails on %j", (line) => expect(parseCpmsSupported([line]).ok).toBe(false));

  it.each<[("ME" | "SM")[], string[][], string | null]>([
    [["ME", "SM"], [["ME", "SM"], ["ME", "SM"], ["ME", "SM"]], 'AT+CPMS="ME","ME","ME"'],
    [["ME", "SM"], [["SM", "BM", "SR"], ["SM"]], 'AT+CPMS="SM","SM"'],
    [["SM"], [["SM", "ME"], ["SM", "ME"], ["SM", "ME"]], 'AT+CPMS="SM","SM","SM"'],
    // No memory offered everywhere: read the preferred one, the others take what they offer
    // (the modem layer must then follow +CMTI's memory before reading, chan-dongle #31).
    [["ME", "SM"], [["ME", "BM"], ["SM"], ["SM"]], 'AT+CPMS="ME","SM","SM"'],
    [["ME"], [["SM"], ["SM"], ["SM"]], null],
    [["ME"], [[], [], []], null],
  ])("%j from %j → %s", (preferred, supported, command) => {
    expect(cpmsCommand(preferred, supported)).toBe(command);
  });
});

describe("+CMTI / +CDSI", () => {
  it.each([
    ['+CMTI: "SM",3', { kind: "sms", memory: "SM", index: 3 }],
    ['+CMTI: "ME",0\r', { kind: "sms", memory: "ME", index: 0 }],
    ["+CMTI: SM,12", { kind: "sms", memory: "SM", index: 12 }],
    ['+CDSI: "SR",1', { kind: "status-report", memory: "SR", index: 1 }],
  ])("%j", (line, value) => {
    expect(parseStoredIndication(line)).toEqual({ ok: true, value });
  });
  it.each([...GARBAGE, '+CMTI: "SM"', '+CMTI: "SM",x', "+CMTI: 3"])("fails on %j", (line) => {
    expect(parseStoredIndication(line).ok).toBe(false);
  });
});

describe("+CMGL=4 list (PDU mode)", () => {
  it("reads header/PDU pairs, with spaces in the header (faucamp commit)", () => {
    const r = parseCmgl(["+CMGL: 1,0,,39", PDU, "+CMGL: 2, 1, ,39", PDU.toLowerCase(), '+CMGL: 5,0,"Alice",39', PDU]);
    expect(r.ok && r.value.entries.map((e) => [e.index, e.stat, e.length, e.alpha])).toEqual([
      [1, 0, 39, undefined],
      [2, 1, 39, undefined],
      [5, 0, 39, "Alice"],
    ]);
    expect(r.ok && r.value.entries.every((e) => e.pdu === PDU)).toBe(true);
    expect(r.ok && r.value.skipped).toEqual([]);
  });

  it("skips a header without its PDU and text-mode headers, reporting them", () => {
    const r = parseCmgl(["+CMGL: 1,0,,39", "+CMGL: 2,0,,39", PDU, '+CMGL: 3,"REC UNREAD","+7916",,"21/01/01"', "hello", "+CMGL: 4,0,,39"]);
    expect(r.ok && r.value.entries.map((e) => e.index)).toEqual([2]);
    expect(r.ok && r.value.skipped).toHaveLength(4);
  });

  it.each([[[]], [["OK"]], [[""]], [GARBAGE]])("never throws on %j", (lines) => {
    const r = parseCmgl(lines);
    expect(r.ok && r.value.entries).toEqual([]);
  });
});

describe("+CMGR", () => {
  it.each([
    [["+CMGR: 0,,39", PDU], { stat: 0, length: 39, pdu: PDU }],
    [["+CMGR: 1,,39\r\n", `${PDU}\r\n`], { stat: 1, length: 39, pdu: PDU }],
    [['+CMGR: 1,"Bob",39', PDU], { stat: 1, alpha: "Bob", length: 39, pdu: PDU }],
  ])("%j", (lines, value) => {
    expect(parseCmgr(lines)).toEqual({ ok: true, value });
  });
  it.each([[[]], [["+CMGR: 0,,0"]], [["+CMGR: 0,,39", "zz"]], [['+CMGR: "REC READ","+7916",,"21/01/01"', "hi"]], [GARBAGE]])(
    "fails on %j (empty slot, text mode, junk)",
    (lines) => expect(parseCmgr(lines).ok).toBe(false),
  );
});
