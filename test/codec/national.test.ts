import { describe, it, expect } from "vitest";
import { decodePdu, encodeDeliver, LANGUAGE_IDS, type NationalLanguage } from "../../src/codec/index.js";
import { LOCKING_SHIFT, SINGLE_SHIFT } from "../../src/codec/national-tables.js";
import { GSM7_DEFAULT } from "../../src/codec/gsm7.js";

describe("23.038 Annex A tables", () => {
  it("every language has a single shift table; all but Spanish a locking table of 128 entries", () => {
    for (const [name, id] of Object.entries(LANGUAGE_IDS)) {
      expect(SINGLE_SHIFT.has(id), name).toBe(true);
      if (name === "spanish") expect(LOCKING_SHIFT.has(id)).toBe(false);
      else expect(LOCKING_SHIFT.get(id)?.length, name).toBe(128);
    }
    expect([...GSM7_DEFAULT]).toHaveLength(128);
  });

  it.each([
    [1, 0x07, "ı"],
    [1, 0x40, "İ"],
    [1, 0x1c, "Ş"],
    [3, 0x05, "é"],
    [3, 0x15, "∞"],
    [6, 0x00, "\u0901"], // Hindi candrabindu
    [6, 0x24, "\u0921"],
    [13, 0x00, "\u0627"], // Urdu alef
    [4, 0x7f, "\u09F1"],
  ])("locking table %i position %i", (id, pos, ch) => {
    expect(LOCKING_SHIFT.get(id)![pos]).toBe(ch);
  });

  it.each([
    [1, 0x47, "Ğ"],
    [1, 0x63, "ç"],
    [2, 0x69, "í"],
    [2, 0x09, "ç"],
    [3, 0x1f, "Ê"],
    [6, 0x19, "\u0964"], // danda
    [13, 0x26, "\u060C"], // Arabic comma
  ])("single shift table %i position %i", (id, pos, ch) => {
    expect(SINGLE_SHIFT.get(id)!.get(pos)).toBe(ch);
  });
});

const SAMPLES: Record<NationalLanguage, string> = {
  turkish: "Şişli'de çok güzel ĞğİıŞş",
  spanish: "Buenos días ÁÍÓÚáíóú ç",
  portuguese: "Olá ação pão ê ô ∞",
  bengali: "আমি বাংলায় গান গাই",
  gujarati: "નમસ્તે",
  hindi: "नमस्ते दुनिया",
  kannada: "ನಮಸ್ಕಾರ",
  malayalam: "നമസ്കാരം",
  oriya: "ନମସ୍କାର",
  punjabi: "ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ",
  tamil: "வணக்கம்",
  telugu: "నమస్కారం",
  urdu: "سلام دنیا",
};

describe("encode with shift tables → decode", () => {
  it.each(Object.entries(SAMPLES))("%s", (lang, text) => {
    const l = lang as NationalLanguage;
    const nationalLanguage = l === "spanish" ? { single: l } : { locking: l, single: l };
    const pdus = encodeDeliver({ sender: "+911234567890", text, encoding: "gsm7", nationalLanguage });
    expect(pdus).toHaveLength(1);
    const d = decodePdu(pdus[0]!.hex);
    expect(d.ok && d.message.text).toBe(text);
    expect(d.ok && d.message.encoding).toBe("gsm7");
    expect(d.ok && d.warnings).toEqual([]);
  });

  it("an unknown language id falls back to the default table with a warning", () => {
    // UDH 03 25 01 0E: locking shift, language 14 (reserved); septet 1D → 'æ' by default.
    const hex = "0044" + "0B919761214365F7" + "0000" + "42305101020321" + "06" + "0325010E" + "E800";
    const d = decodePdu(hex);
    expect(d.ok && d.message.text).toBe("æ");
    expect(d.ok && d.warnings.join()).toMatch(/no locking shift table for language 14/);
  });
});
