import { describe, it, expect } from "vitest";
import { decodePdu, encodeDeliver, encodeSubmit, splitUserData } from "../../src/codec/index.js";
import { isSimgateError, ErrorCode } from "../../src/errors.js";
import { SCTS, V } from "./vectors.js";

const TS = new Date("2024-03-15T07:20:30Z"); // 10:20:30 at UTC+3

describe("encodeDeliver", () => {
  it("reproduces the hand-built vectors byte for byte", () => {
    expect(encodeDeliver({ sender: "900", text: "hellohello", timestamp: TS, tzQuarterHours: 12 })).toEqual([{ hex: V.shortCode, tpduLength: V.shortCode.length / 2 - 1 }]);
    const tel = encodeDeliver({ sender: "Telegram", text: "hellohello", timestamp: new Date("2024-03-15T04:35:30Z"), tzQuarterHours: 23, smsc: "+79168999100" });
    expect(tel[0]!.hex).toBe(V.telegram);
    expect(tel[0]!.tpduLength).toBe(V.telegram.length / 2 - 8);
    expect(encodeDeliver({ sender: "+79161234567", text: "€[]", timestamp: TS, tzQuarterHours: 12 })[0]!.hex).toBe(V.extension);
    expect(encodeDeliver({ sender: "+79161234567", text: "hellohello", timestamp: TS, tzQuarterHours: 12, messageClass: 0 })[0]!.hex).toBe(V.flash);
  });

  it("negative and quarter-hour zones in SCTS", () => {
    const hex = encodeDeliver({ sender: "900", text: "x", timestamp: new Date("2024-03-15T15:20:30Z"), tzQuarterHours: -20 })[0]!.hex;
    expect(hex).toContain(SCTS.minus5);
    const d = decodePdu(hex);
    expect(d.ok && d.message.timestamp).toBe("2024-03-15T10:20:30-05:00");
  });

  it("auto encoding picks UCS2 for non-GSM text; 8-bit on request", () => {
    const u = decodePdu(encodeDeliver({ sender: "+1", text: "Привет" })[0]!.hex);
    expect(u.ok && u.message.encoding).toBe("ucs2");
    const b = decodePdu(encodeDeliver({ sender: "+1", text: "abc\u00ff", encoding: "8bit" })[0]!.hex);
    expect(b.ok && [b.message.encoding, b.message.text]).toEqual(["8bit", "abc\u00ff"]);
  });

  it("alphanumeric senders of odd length round-trip", () => {
    for (const sender of ["Instagram", "Telegram", "FONIC", "www.tim.it", "A", "Bank-0123"]) {
      const d = decodePdu(encodeDeliver({ sender, text: "x" })[0]!.hex);
      expect(d.ok && d.message.type === "deliver" && d.message.sender).toBe(sender);
    }
  });

  it("SMSC null → length octet 00", () => {
    expect(encodeDeliver({ sender: "900", text: "x", smsc: null })[0]!.hex.startsWith("0004")).toBe(true);
  });

  it("rejects options that cannot be encoded with SimgateError(CodecMalformed)", () => {
    const attempts = [
      () => encodeDeliver({ sender: "900", text: "Привет", encoding: "gsm7" }),
      () => encodeDeliver({ sender: "900", text: "€", encoding: "8bit" }),
      () => encodeDeliver({ sender: "ThisIsTooLongForAnAddress", text: "x" }),
      () => encodeDeliver({ sender: "900", text: "x".repeat(200), concatRef: 300 }),
    ];
    for (const a of attempts) {
      try {
        a();
        expect.unreachable();
      } catch (err) {
        expect(isSimgateError(err, ErrorCode.CodecMalformed)).toBe(true);
      }
    }
  });
});

describe("splitting into concatenated parts", () => {
  const sizes = (o: Parameters<typeof splitUserData>[0]) => splitUserData(o).parts.map((p) => [...p.text].length);

  it.each([
    ["160 GSM chars fit one part", "a".repeat(160), [160]],
    ["161 GSM chars → 153 + 8", "a".repeat(161), [153, 8]],
    ["306 → 153 + 153", "a".repeat(306), [153, 153]],
    ["80 € (160 septets) fit one part", "€".repeat(80), [80]],
    ["81 € → 76 + 5 (an escape pair is never split)", "€".repeat(81), [76, 5]],
    ["70 UCS2 fit one part", "я".repeat(70), [70]],
    ["71 UCS2 → 67 + 4", "я".repeat(71), [67, 4]],
  ])("%s", (_n, text, expected) => {
    expect(sizes({ text })).toEqual(expected);
  });

  it("152 septets per part with a 16-bit reference, 66 UCS2", () => {
    expect(sizes({ text: "a".repeat(161), refWidth: 16 })).toEqual([152, 9]);
    expect(sizes({ text: "я".repeat(71), refWidth: 16 })).toEqual([66, 5]);
  });

  it("a surrogate pair is never split across parts", () => {
    const text = "я".repeat(66) + "😀" + "я".repeat(3); // 71 units: 66 + 2 would be 68 > 67
    const parts = splitUserData({ text }).parts;
    expect(parts.map((p) => p.text)).toEqual(["я".repeat(66), "😀яяя"]);
  });

  it("an escape pair at the boundary moves whole to the next part", () => {
    const text = "a".repeat(152) + "€" + "b".repeat(10); // 164 septets; 152 + 2 would be 154 > 153
    expect(splitUserData({ text }).parts.map((p) => p.text)).toEqual(["a".repeat(152), "€" + "b".repeat(10)]);
  });

  it("parts carry ref/total/seq and decode back in order", () => {
    const pdus = encodeDeliver({ sender: "+79161234567", text: "x".repeat(400), concatRef: 7 });
    const decoded = pdus.map((p) => decodePdu(p.hex, { tpduLength: p.tpduLength }));
    expect(decoded.map((d) => d.ok && d.message.concat)).toEqual([
      { ref: 7, total: 3, seq: 1, refWidth: 8 },
      { ref: 7, total: 3, seq: 2, refWidth: 8 },
      { ref: 7, total: 3, seq: 3, refWidth: 8 },
    ]);
    expect(decoded.map((d) => (d.ok ? d.message.text : "")).join("")).toBe("x".repeat(400));
  });
});

describe("encodeSubmit", () => {
  it("reproduces the textbook SUBMIT (VP AA = 4 days)", () => {
    expect(encodeSubmit({ recipient: "+46708251358", text: "hellohello", validityMinutes: 4 * 1440 })).toEqual([{ hex: V.submit, tpduLength: V.submit.length / 2 - 1 }]);
  });

  it("status report request, no validity, multipart", () => {
    const parts = encodeSubmit({ recipient: "+79161234567", text: "Ж".repeat(100), requestStatusReport: true, validityMinutes: null, refWidth: 16, concatRef: 0xbeef });
    expect(parts).toHaveLength(2);
    const d = decodePdu(parts[1]!.hex);
    expect(d.ok && d.message.type === "submit" && [d.message.statusReportRequest, d.message.validityPeriod, d.message.concat]).toEqual([
      true,
      { format: "none" },
      { ref: 0xbeef, total: 2, seq: 2, refWidth: 16 },
    ]);
  });
});
