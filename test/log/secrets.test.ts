/**
 * The shared secret scrubber (src/log/secrets.ts): whatever form a marketplace answer puts
 * the key in (as sent, JSON-escaped once or twice, URL-encoded, in a header echo, cut short
 * by an excerpt), the scrubbed text holds no recognisable part of it; ordinary text passes
 * through unchanged.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REDACTED, scrubDeep, secretScrubber } from "../../src/log/secrets.js";

/** Secrets with the characters that change between encodings: quotes, backslashes, &, =, %, +, space, non-ASCII. */
const secretArb = fc
  .array(fc.constantFrom(..."abcXYZ0189-_.~/\\\"'&=%+ :?#é€😀"), { minLength: 8, maxLength: 40 })
  .map((cs) => cs.join(""))
  .filter((s) => s.trim().length >= 8);
/** Surrounding text that can hold no secret and no credential field. */
const plainArb = fc.array(fc.constantFrom(..."abcdefghij 0123456789.,!()"), { maxLength: 30 }).map((cs) => cs.join(""));

/** Every way an echoing server or our own bookkeeping may carry the secret. */
function carriers(secret: string): Record<string, string> {
  const body = JSON.stringify({ action: "PUSH_SMS", key: secret, text: "code 1234" });
  return {
    raw: `refused ${secret} here`,
    jsonBody: body,
    jsonInJson: JSON.stringify({ error: `HTTP 500: ${body}` }),
    jsonInJsonInJson: JSON.stringify({ lastError: JSON.stringify({ error: body }) }),
    query: `/v1/PUSH_SMS?apikey=${encodeURIComponent(secret)}&x=1`,
    queryLowerHex: `/x?key=${encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`,
    form: new URLSearchParams({ action: "PUSH_SMS", key: secret }).toString(),
    header: `Authorization: Bearer ${secret}`,
    headerJson: JSON.stringify({ headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" } }),
  };
}

describe("secretScrubber", () => {
  it("leaves no form of the secret in any carrier (property)", () => {
    fc.assert(
      fc.property(secretArb, plainArb, plainArb, (secret, before, after) => {
        const scrub = secretScrubber([secret]);
        for (const [name, carrier] of Object.entries(carriers(secret))) {
          const out = scrub(`${before}${carrier}${after}`);
          for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
            expect(out.includes(form), `${name}: ${out}`).toBe(false);
          }
          expect(out).toContain(REDACTED);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("removes a key cut short by an excerpt, and a wrong key echoed back (field rules, property)", () => {
    fc.assert(
      fc.property(secretArb, fc.integer({ min: 6, max: 40 }), (secret, keep) => {
        const echoed = JSON.stringify({ key: secret, text: "x" });
        const start = echoed.indexOf(JSON.stringify(secret).slice(1, -1));
        const cut = echoed.slice(0, start + Math.min(keep, JSON.stringify(secret).length - 2));
        // The scrubber does not know this value at all: only the field name gives it away.
        const out = secretScrubber([])(`HTTP 500: ${cut}…`);
        expect(out).toBe(`HTTP 500: {"key":"${REDACTED}`);
      }),
      { numRuns: 200 },
    );
  });

  it("passes ordinary text through unchanged (property)", () => {
    fc.assert(
      fc.property(secretArb, plainArb, (secret, text) => {
        expect(secretScrubber([secret])(text)).toBe(text);
      }),
    );
    const scrub = secretScrubber(["onlinesim-key-123456"]);
    for (const text of ["Your code is 800142", 'HTTP 503: {"status":"ERROR","error":"INJECTED_503"}', "timeout after 30000 ms", "monkey=banana keyboard=1", '{"keys":2}']) {
      expect(scrub(text)).toBe(text);
    }
  });

  it("scrubs field values that are numbers or other words, not null/true/false", () => {
    const scrub = secretScrubber([]);
    expect(scrub('{"key": 12345678, "apikey":abcdef}')).toBe(`{"key": ${REDACTED}, "apikey":${REDACTED}}`);
    expect(scrub('{"token":null,"key":true}')).toBe('{"token":null,"key":true}');
  });

  it("scrubDeep scrubs every string of a served document and keeps the rest", () => {
    const scrub = secretScrubber(["s3cret-value-99"]);
    const doc = { a: 1, b: null, c: ["x s3cret-value-99", { d: 'HTTP 500: {"key":"other-key"}' }], e: true };
    expect(scrubDeep(doc, scrub)).toEqual({ a: 1, b: null, c: [`x ${REDACTED}`, { d: `HTTP 500: {"key":"${REDACTED}"}` }], e: true });
  });
});
