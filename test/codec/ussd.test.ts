import { describe, it, expect } from "vitest";
import { decodeUssd, encodeUssdRequest, encodeUssdResponse, parseCusd } from "../../src/codec/index.js";

/** Shapes of real +CUSD replies (docs/protocols/at-commands.md#ussd); the hex strings are our own texts encoded the same way. */
describe("parseCusd", () => {
  it.each([
    ['+CUSD: 0,"Available Balance: R 96.45 .",15', { status: 0, raw: "Available Balance: R 96.45 .", dcs: 15, quoted: true }],
    ["+CUSD: 0, 49B41C74ACD3", { status: 0, raw: "49B41C74ACD3", dcs: null, quoted: false }],
    ['+CUSD: 0,"49B4",15', { status: 0, raw: "49B4", dcs: 15 }],
    ["+CUSD: 2", { status: 2, raw: null, dcs: null }],
    ["+CUSD:2", { status: 2, raw: null, dcs: null }],
    ['  +cusd :  1 ,  "Menu: 1) a, 2) b" ,  15  \r\n', { status: 1, raw: "Menu: 1) a, 2) b", dcs: 15 }],
    ['+CUSD: 1,"He said "hi"",15', { status: 1, raw: 'He said "hi"', dcs: 15 }],
    ['+CUSD: 0,"line one\nline two",15', { status: 0, raw: "line one\nline two", dcs: 15 }],
    ['+CUSD: 2,"Initiating Release"', { status: 2, raw: "Initiating Release", dcs: null }],
    ["+CUSD: 4", { status: 4, statusText: "operation not supported" }],
    ['+CUSD: 0,"unterminated,15', { status: 0, raw: "unterminated", dcs: 15 }],
    ["+CUSD: 0,Balance 1,50 EUR,15", { status: 0, raw: "Balance 1,50 EUR", dcs: 15, quoted: false }],
  ])("%j", (line, expected) => {
    const r = parseCusd(line);
    expect(r.ok).toBe(true);
    expect(r).toMatchObject(expected);
  });

  it.each([
    ["OK", 0, /does not start/],
    ["+CUSD: x", 7, /status/],
    ['+CUSD: 0 "x"', 9, /','/],
    ['+CUSD: 0,"x" junk', 12, /unexpected/],
  ])("rejects %j at offset %i", (line, offset, reason) => {
    const r = parseCusd(line);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.offset).toBe(offset);
      expect(r.error.reason).toMatch(reason);
    }
  });
});

const RU = "Для справки о балансе наберите *105#.";
const DE = "Ihr Guthaben beträgt 5.78 Euro";

describe("decodeUssd by evidence", () => {
  it("UCS2 hex with DCS 72 (Huawei E3276 shape)", () => {
    expect(decodeUssd(encodeUssdResponse(RU, "ucs2-hex"), 72)).toMatchObject({ text: RU, decodedAs: "ucs2-hex", warnings: [] });
  });

  it.each([15, 0, 7, null])("UCS2 hex with a lying DCS %s (Quectel M35, ZTE MF286D shapes)", (dcs) => {
    const r = decodeUssd(encodeUssdResponse("Havi keret: 0Ft. Feltöltés", "ucs2-hex"), dcs);
    expect(r.text).toBe("Havi keret: 0Ft. Feltöltés");
    expect(r.decodedAs).toBe("ucs2-hex");
    if (dcs !== null) expect(r.warnings.join()).toMatch(/by evidence/);
  });

  it("lowercase UCS2 hex", () => {
    expect(decodeUssd(encodeUssdResponse(RU, "ucs2-hex").toLowerCase(), 72).text).toBe(RU);
  });

  it("packed 7-bit hex with DCS 15 and with no DCS (Huawei E160 shape)", () => {
    const hex = encodeUssdResponse(DE, "gsm7-packed-hex");
    expect(decodeUssd(hex, 15)).toMatchObject({ text: DE, decodedAs: "gsm7-packed-hex" });
    expect(decodeUssd(hex, null)).toMatchObject({ text: DE, decodedAs: "gsm7-packed-hex" });
  });

  it("packed 7-bit with 7 spare bits of zeros instead of CR (lax encoders)", () => {
    // "1234567" = 49 bits in 7 octets; the last 7 bits are zero here → a trailing '@' that is not text.
    expect(decodeUssd("31D98C56B3DD00", 15).text).toBe("1234567");
  });

  it("Latin UCS2 with DCS 15 is not mistaken for packed 7-bit ('@' runs from zero octets)", () => {
    expect(decodeUssd(encodeUssdResponse("Ihr Guthaben: 5 EUR", "ucs2-hex"), 15).decodedAs).toBe("ucs2-hex");
  });

  it("8-bit ASCII hex with DCS 0", () => {
    const text = "Sisa pulsa Rp.3000.\n1.YA\n2.Cek Kuota\n";
    const r = decodeUssd(encodeUssdResponse(text, "8bit-hex"), 0);
    expect(r).toMatchObject({ text, decodedAs: "8bit-hex" });
  });

  it("UCS2 with trailing garbage after a NUL (Telit HE910-D shape), DCS 17 with language prefix", () => {
    // 23.038 §5 DCS 0x11: "ar" as two packed septets (61 39), then UCS2, then U+0000 and junk.
    const raw = "6139" + encodeUssdResponse("رصيدك 107.93", "ucs2-hex") + "0000FFFF60B16260EEEEFFFF";
    const r = decodeUssd(raw, 17);
    expect(r).toMatchObject({ text: "رصيدك 107.93", decodedAs: "ucs2-hex", language: "ar" });
    expect(r.warnings.join()).toMatch(/NUL/);
  });

  it("UCS2 with trailing FFFF padding", () => {
    const r = decodeUssd(encodeUssdResponse("Баланс 10", "ucs2-hex") + "FFFF", 72);
    expect(r.text).toBe("Баланс 10");
  });

  it.each([
    ["Available Balance: R 96.45 .", 15],
    ["Maaf, permintaan Anda tidak dapat kami proses.", 0],
    ["100", 15],
    ["12345678", 15],
    ["1234", null],
    ["Add", 15],
  ])("plain text %j stays text", (text, dcs) => {
    expect(decodeUssd(text, dcs)).toMatchObject({ text, decodedAs: "text" });
  });

  it("digits-only UCS2 still decodes ('0031003200330034' = '1234')", () => {
    expect(decodeUssd("0031003200330034", 15)).toMatchObject({ text: "1234", decodedAs: "ucs2-hex" });
  });

  it("GSM characters printed as ASCII by a CSCS=\"GSM\" modem are mapped back", () => {
    const r = decodeUssd("Bitte w{hlen Sie: 1 Konto", null);
    expect(r.text).toBe("Bitte wählen Sie: 1 Konto");
  });

  it("empty text", () => {
    expect(decodeUssd("", 15)).toEqual({ text: "", decodedAs: "text", warnings: [] });
  });
});

describe("USSD encoders", () => {
  it("*100# packed is AA180C3602 (what Huawei on MTS wants)", () => {
    expect(encodeUssdRequest("*100#", "gsm7-packed-hex")).toBe("AA180C3602");
    expect(encodeUssdRequest("*100#", "text")).toBe("*100#");
  });

  it("7 spare bits are filled with CR (23.038 §6.1.2.3.1) and the receiver strips it", () => {
    const hex = encodeUssdRequest("1234567", "gsm7-packed-hex"); // 49 bits → 7 octets, 7 spare bits
    expect(hex).toHaveLength(14);
    expect(hex.slice(-2)).toBe("1A"); // last octet: top bit of '7' (0x37>>6 = 0) | CR (0x0D) << 1
    expect(decodeUssd(hex, 15).text).toBe("1234567");
  });

  it("round-trips every response form", () => {
    for (const form of ["text", "ucs2-hex", "gsm7-packed-hex", "8bit-hex"] as const) {
      const text = form === "ucs2-hex" ? "Баланс: 12,50 руб." : "Balance: 12.50 EUR. Reply 1 for menu";
      expect(decodeUssd(encodeUssdResponse(text, form), form === "ucs2-hex" ? 72 : 15).text, form).toBe(text);
    }
  });

  it("rejects requests that cannot be sent", () => {
    expect(() => encodeUssdRequest('*1"#', "text")).toThrow(/quotes/);
    expect(() => encodeUssdRequest("*1Ж#", "gsm7-packed-hex")).toThrow(/GSM 7-bit/);
  });
});
