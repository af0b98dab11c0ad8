/**
 * Property-based tests (fast-check): encode → decode round trips in every alphabet and
 * every national table, and fuzzing that proves the decoders never throw.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import {
  decodePdu,
  decodeUssd,
  encodeDeliver,
  encodeSubmit,
  encodeUssdResponse,
  parseCusd,
  Reassembler,
  LANGUAGE_IDS,
  type NationalLanguage,
  type EncodedPdu,
} from "../../src/codec/index.js";
import { GSM7_DEFAULT, GSM7_EXTENSION } from "../../src/codec/gsm7.js";
import { LOCKING_SHIFT, SINGLE_SHIFT } from "../../src/codec/national-tables.js";
import { toHex } from "../../src/codec/hex-reader.js";
import { V } from "./vectors.js";

const RUNS = 150;

const GSM_CHARS = [...GSM7_DEFAULT].filter((c) => c !== "\x1b").concat([...GSM7_EXTENSION.values()]);
const gsmText = (max: number) => fc.array(fc.constantFrom(...GSM_CHARS), { maxLength: max }).map((a) => a.join(""));
const senders = fc.oneof(
  fc.constantFrom("Instagram", "Telegram", "FONIC", "www.tim.it", "A1", "Bank"),
  fc.stringMatching(/^\+[1-9][0-9]{6,14}$/),
  fc.stringMatching(/^[0-9]{3,12}$/),
);

function decodeAll(pdus: EncodedPdu[]): { text: string; warnings: string[] } {
  const reasm = new Reassembler();
  let text: string | null = null;
  const warnings: string[] = [];
  // Feed the parts in reverse to exercise out-of-order assembly too.
  for (const p of [...pdus].reverse()) {
    const d = decodePdu(p.hex, { tpduLength: p.tpduLength });
    if (!d.ok) throw new Error(`decode failed: ${JSON.stringify(d.error)} for ${p.hex}`);
    warnings.push(...d.warnings);
    const out = reasm.addSms("sim", d.message, 0);
    if (out.kind === "complete") text = out.message.text;
  }
  if (text === null) throw new Error("not complete");
  return { text, warnings };
}

describe("round trips (encode → decode → reassemble)", () => {
  it("GSM 7-bit with extension characters, any length, any sender kind", () => {
    fc.assert(
      fc.property(gsmText(500), senders, fc.constantFrom(8 as const, 16 as const), fc.integer({ min: -48, max: 56 }), (text, sender, refWidth, tz) => {
        const pdus = encodeDeliver({ sender, text, refWidth, tzQuarterHours: tz, timestamp: new Date(1_700_000_000_000), encoding: "gsm7" });
        const r = decodeAll(pdus);
        expect(r.text).toBe(text);
        expect(r.warnings).toEqual([]);
        const first = decodePdu(pdus[0]!.hex);
        expect(first.ok && first.message.type === "deliver" && first.message.sender).toBe(sender);
      }),
      { numRuns: RUNS },
    );
  });

  it("UCS2 with any code point (surrogate pairs included)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        const r = decodeAll(encodeDeliver({ sender: "+79161234567", text, encoding: "ucs2" }));
        expect(r.text).toBe(text);
        expect(r.warnings).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("8-bit data", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 400 }), (codes) => {
        const text = String.fromCharCode(...codes);
        expect(decodeAll(encodeDeliver({ sender: "900", text, encoding: "8bit" })).text).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(Object.keys(LANGUAGE_IDS) as NationalLanguage[])("national tables: %s", (lang) => {
    const id = LANGUAGE_IDS[lang];
    const lock = LOCKING_SHIFT.get(id);
    const chars = new Set<string>([...(lock ?? GSM7_DEFAULT)].filter((c) => c !== "" && c !== "\x1b"));
    for (const c of SINGLE_SHIFT.get(id)!.values()) chars.add(c);
    const nationalLanguage = lock ? { locking: lang, single: lang } : { single: lang };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 300 }), (a) => {
        const text = a.join("");
        expect(decodeAll(encodeDeliver({ sender: "+911234567890", text, encoding: "gsm7", nationalLanguage })).text).toBe(text);
      }),
      { numRuns: 40 },
    );
  });

  it("SMS-SUBMIT in every alphabet", () => {
    fc.assert(
      fc.property(fc.oneof(gsmText(300), fc.string({ unit: "binary", maxLength: 150 })), fc.boolean(), (text, srr) => {
        const pdus = encodeSubmit({ recipient: "+4915783647410", text, requestStatusReport: srr });
        const r = decodeAll(pdus);
        expect(r.text).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it("USSD: UCS2 hex (DCS 72) and packed 7-bit hex (DCS 15) of natural texts", () => {
    // Reply-like texts: words and numbers. (Punctuation soup of a few characters is truly
    // ambiguous between readings; docs/codecs.md says so.)
    const word = fc.oneof({ weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z]{1,10}$/) }, { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{1,6}([.,][0-9]{2})?$/) });
    const natural = fc.tuple(fc.array(word, { minLength: 3, maxLength: 12 }), fc.constantFrom("", ".", "!", ":", " *100#")).map(([w, p]) => w.join(" ") + p);
    const cyr = fc.array(fc.constantFrom(..."абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВ 0123456789.,:"), { minLength: 2, maxLength: 80 }).map((a) => a.join(""));
    fc.assert(
      fc.property(natural, cyr, (latin, russian) => {
        expect(decodeUssd(encodeUssdResponse(latin, "gsm7-packed-hex"), 15).text).toBe(latin);
        expect(decodeUssd(encodeUssdResponse(latin, "8bit-hex"), 68).text).toBe(latin);
        expect(decodeUssd(encodeUssdResponse(russian, "ucs2-hex"), 72).text).toBe(russian);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("fuzz: decoders never throw", () => {
  const checkOutcome = (r: ReturnType<typeof decodePdu>, len: number) => {
    if (r.ok) {
      expect(typeof r.message.text).toBe("string");
      expect(Array.isArray(r.warnings)).toBe(true);
    } else {
      expect(r.error.offset).toBeGreaterThanOrEqual(0);
      expect(r.error.offset).toBeLessThanOrEqual(Math.max(len, 1));
      expect(r.error.reason.length).toBeGreaterThan(0);
    }
  };

  it("random bytes, with every SMSC option", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.option(fc.boolean()), fc.option(fc.integer({ min: -5, max: 250 })), (bytes, smsc, len) => {
        const opts = { ...(smsc === null ? {} : { smsc }), ...(len === null ? {} : { tpduLength: len }) };
        checkOutcome(decodePdu(toHex(bytes), opts), bytes.length);
      }),
      { numRuns: 3000 },
    );
  });

  it("valid PDUs truncated, extended and with flipped bytes", () => {
    const seeds = Object.values(V);
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.uint8Array({ maxLength: 8 }), (hex, cut, flips, tail) => {
        const bytes = Uint8Array.from(Buffer.from(hex, "hex"));
        for (const [i, v] of flips) if (bytes.length) bytes[i % bytes.length] = v;
        const mutated = toHex(bytes.subarray(0, bytes.length - (cut % (bytes.length + 1)))) + toHex(tail);
        checkOutcome(decodePdu(mutated), mutated.length / 2);
        checkOutcome(decodePdu(mutated, { smsc: false }), mutated.length / 2);
      }),
      { numRuns: 3000 },
    );
  });

  it("arbitrary strings and values", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), fc.option(fc.integer({ min: -10, max: 300 })), (s, dcs) => {
        const r = decodePdu(s);
        expect(typeof r.ok).toBe("boolean");
        const c = parseCusd(s);
        expect(typeof c.ok).toBe("boolean");
        const c2 = parseCusd(`+CUSD: 1,${s}`);
        if (c2.ok && c2.raw !== null) expect(typeof decodeUssd(c2.raw, c2.dcs).text).toBe("string");
        expect(typeof decodeUssd(s, dcs).text).toBe("string");
      }),
      { numRuns: 2000 },
    );
  });

  it("random hex as a USSD string", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), fc.option(fc.integer({ min: 0, max: 255 })), (b, dcs) => {
        const r = decodeUssd(toHex(b), dcs);
        expect(["text", "ucs2-hex", "gsm7-packed-hex", "8bit-hex"]).toContain(r.decodedAs);
      }),
      { numRuns: 2000 },
    );
  });

  it("Reassembler.add / fromJSON take anything", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (a, b) => {
        const r = new Reassembler();
        expect(() => r.add(a as never, b as never)).not.toThrow();
        expect(() => Reassembler.fromJSON(a)).not.toThrow();
        expect(() => Reassembler.fromJSON({ version: 1, groups: [a, b] })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
