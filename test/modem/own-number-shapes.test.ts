/**
 * Issue 14 §3, the number property: for every region in libphonenumber's metadata, its
 * example mobile number, written in every shape the own-number chain meets, normalises to
 * that one E.164 number, given the MCC a SIM of that region carries (drivers/generic/
 * mcc-regions.ts). The shapes:
 *
 *  - `AT+CNUM` answers (parsed by parseCnum, judged by numberFromCnum, as the chain does):
 *    international with "+" (145), the digits with calling code but type 145 or 129, "00"
 *    and the calling code, national with the trunk prefix, national without it;
 *  - operator replies (numberInReply, as the chain does), carried through a real `+CUSD`
 *    line and the USSD decoder: as text (DCS 15), UCS2 hex (DCS 72) and packed 7-bit hex,
 *    with the number in national or international form.
 *
 * fast-check varies the separators people and operators put between digits (spaces,
 * dashes, none) and the words around the number; every region and every shape is also
 * run once in its canonical form.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { getCountries, getExampleNumber, type CountryCode, type PhoneNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { MCC_MNC_REGION, MCC_REGIONS } from "../../drivers/generic/mcc-regions.js";
import { decodeUssd, encodeUssdResponse, parseCusd, type UssdResponseForm } from "../../src/codec/index.js";
import { numberFromCnum } from "../../src/modem/own-number.js";
import { numberInReply } from "../../src/modem/number-rules.js";

interface Sim {
  mcc: string;
  mnc: string | null;
}

/** The MCC (and where it decides the country, the MNC) a SIM of this region carries. */
function simOf(region: CountryCode): Sim | undefined {
  const byMnc = Object.entries(MCC_MNC_REGION).find(([, r]) => r === region)?.[0];
  if (byMnc) return { mcc: byMnc.slice(0, 3), mnc: byMnc.slice(3) };
  const mcc = Object.entries(MCC_REGIONS).find(([, regions]) => regions.includes(region))?.[0];
  return mcc ? { mcc, mnc: null } : undefined;
}

interface Case {
  region: CountryCode;
  sim: Sim;
  example: PhoneNumber;
}

const CASES: Case[] = getCountries().map((region) => {
  const example = getExampleNumber(region, examples);
  const sim = simOf(region);
  if (!example || !sim) throw new Error(`${region}: no example mobile number or no MCC`);
  return { region, sim, example };
});

/** Digits with a separator after each as chosen (the separators list is as long as the digits, the last one unused). */
const spaced = (digits: string, separators: readonly string[]) => [...digits].map((d, i) => (i < digits.length - 1 ? d + (separators[i] ?? "") : d)).join("");
const digitsOf = (s: string) => s.replace(/\D/g, "");

/** How the number is written: the forms a SIM stores and an operator prints. */
const WRITTEN = {
  international: (c: Case) => c.example.number,
  "international formatted": (c: Case) => c.example.formatInternational(),
  "calling code without +": (c: Case) => `${c.example.countryCallingCode}${c.example.nationalNumber}`,
  "00 and calling code": (c: Case) => `00${c.example.countryCallingCode}${c.example.nationalNumber}`,
  "national as dialled": (c: Case) => digitsOf(c.example.formatNational()),
  "national formatted": (c: Case) => c.example.formatNational(),
  "national significant": (c: Case) => c.example.nationalNumber,
} satisfies Record<string, (c: Case) => string>;
type Written = keyof typeof WRITTEN;

/** `+CNUM` lines the way modules print them: type 145 for international, 129 otherwise (and 145 without the "+" quirk). */
function cnumLine(written: string, form: Written): string {
  if (form === "international" || form === "international formatted") return `+CNUM: "","${digitsOf(written) === written ? written : `+${digitsOf(written)}`}",145`;
  if (form === "calling code without +") return `+CNUM: "","${written}",145`;
  return `+CNUM: ,"${digitsOf(written)}",129`;
}

const REPLY_TEMPLATES = [
  (n: string) => `Your number is ${n}`,
  (n: string) => `Ваш номер: ${n}. Спасибо!`,
  (n: string) => `Ihre Rufnummer lautet ${n}.`,
  (n: string) => n,
];

/** The reply as the modem prints it in `+CUSD`, then parsed and decoded the way the chain does. */
function throughUssd(text: string, form: UssdResponseForm): string {
  const dcs = form === "ucs2-hex" ? 72 : 15;
  const parsed = parseCusd(`+CUSD: 0,"${encodeUssdResponse(text, form)}",${dcs}`);
  if (!parsed.ok || parsed.raw === null) throw new Error(`unparsable +CUSD for ${text}`);
  return decodeUssd(parsed.raw, parsed.dcs).text;
}

const isGsm7Safe = (text: string) => /^[A-Za-z0-9 +().:!-]*$/.test(text);

function fromCnum(c: Case, form: Written, written: string) {
  return numberFromCnum([cnumLine(written, form)], c.sim);
}

function fromReply(c: Case, text: string, form: UssdResponseForm) {
  return numberInReply(throughUssd(text, form), c.sim);
}

const CNUM_FORMS: Written[] = ["international", "calling code without +", "00 and calling code", "national as dialled", "national significant"];
const REPLY_FORMS = Object.keys(WRITTEN) as Written[];

describe("own number shapes, every region of libphonenumber's metadata", () => {
  it(`covers ${CASES.length} regions, each with an MCC from the table`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(240);
  });

  it("every region, every +CNUM form, canonical: the example's E.164", () => {
    const wrong: string[] = [];
    for (const c of CASES) {
      for (const form of CNUM_FORMS) {
        const written = WRITTEN[form](c);
        const v = fromCnum(c, form, written);
        if (!v?.ok || v.e164 !== c.example.number) wrong.push(`${c.region} (MCC ${c.sim.mcc}) ${form} ${cnumLine(written, form)} → ${v ? (v.ok ? v.e164 : v.reason) : "nothing"}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("every region, every reply form, through +CUSD text, UCS2 and packed 7-bit: the example's E.164", () => {
    const wrong: string[] = [];
    for (const c of CASES) {
      for (const form of REPLY_FORMS) {
        const written = WRITTEN[form](c);
        for (const template of REPLY_TEMPLATES) {
          const text = template(written);
          const encodings: UssdResponseForm[] = isGsm7Safe(text) ? ["text", "ucs2-hex", "gsm7-packed-hex"] : ["ucs2-hex"];
          for (const encoding of encodings) {
            const v = fromReply(c, text, encoding);
            if (!v?.ok || v.e164 !== c.example.number) wrong.push(`${c.region} (MCC ${c.sim.mcc}) ${encoding} "${text}" → ${v ? (v.ok ? v.e164 : v.reason) : "nothing"}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("any region, any form, any spacing and dashes: the example's E.164 (property)", () => {
    const separator = fc.constantFrom("", "", " ", "-");
    fc.assert(
      fc.property(
        fc.constantFrom(...CASES),
        fc.constantFrom(...CNUM_FORMS),
        fc.array(separator, { minLength: 20, maxLength: 20 }),
        fc.constantFrom(...REPLY_TEMPLATES),
        fc.constantFrom<UssdResponseForm>("text", "ucs2-hex"),
        (c, form, separators, template, encoding) => {
          const written = WRITTEN[form](c);
          const plus = written.startsWith("+") ? "+" : "";
          const shown = plus + spaced(digitsOf(written), separators);
          // A +CNUM entry keeps only the digits (and "+"), whatever the SIM stored between them.
          const cnum = fromCnum(c, form, shown);
          expect(cnum, `${c.region} +CNUM ${shown}`).toMatchObject({ ok: true, e164: c.example.number });
          const text = template(shown);
          const reply = fromReply(c, text, isGsm7Safe(text) ? encoding : "ucs2-hex");
          expect(reply, `${c.region} reply "${text}"`).toMatchObject({ ok: true, e164: c.example.number });
        },
      ),
      { numRuns: 5000 },
    );
  });
});
