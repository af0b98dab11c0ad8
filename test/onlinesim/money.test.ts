/**
 * Money on the v1 wire (GET_NUMBER `sum`, FINISH_ACTIVATION `sum`): a bounded decimal of
 * RUB. A valid amount, as a JSON number or a numeric string, is accepted and keeps its exact
 * decimal value; anything else (1e300, NaN-like strings, negatives, absurd precision, other
 * types) is refused with a message naming the field, and never throws.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check, FinishActivationRequest, GetNumberRequest, MAX_RUB, RUB_DECIMALS } from "../../src/onlinesim/schemas.js";

const order = (sum: unknown) => ({ action: "GET_NUMBER", country: "germany", operator: "any", service: "facebook", key: "k", sum });
const finish = (sum: unknown) => ({ action: "FINISH_ACTIVATION", activationId: 7, status: 3, key: "k", sum });

/** A decimal in range as text: integer part, then 0..RUB_DECIMALS fraction digits (trailing zeros allowed). */
const decimalText = fc
  .tuple(fc.integer({ min: 0, max: MAX_RUB }), fc.stringMatching(new RegExp(`^[0-9]{0,${RUB_DECIMALS}}$`)))
  .filter(([int, frac]) => int < MAX_RUB || /^0*$/.test(frac))
  .map(([int, frac]) => (frac === "" ? String(int) : `${int}.${frac}`));

/** The decimal's value written the shortest way (what String(number) prints for it). */
const canonical = (text: string): string => (text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text);

function sumOf(r: ReturnType<typeof check>): unknown {
  if (!r.ok) throw new Error(`refused: ${r.problems.join("; ")}`);
  return (r.value as { sum?: unknown }).sum;
}

function expectRefused(r: ReturnType<typeof check>): void {
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.problems.some((p) => p.startsWith("sum: "))).toBe(true);
}

describe("money (GET_NUMBER and FINISH_ACTIVATION sum)", () => {
  it("accepts every decimal in range, as a number or a numeric string, and keeps its exact value", () => {
    fc.assert(
      fc.property(decimalText, fc.boolean(), fc.constantFrom(order, finish), (text, asString, body) => {
        const parsed = sumOf(check(body === order ? GetNumberRequest : FinishActivationRequest, body(asString ? text : Number(text))));
        expect(typeof parsed).toBe("number");
        expect(String(parsed)).toBe(canonical(text));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["1e300", 1e300],
    ["just above the bound", MAX_RUB + 0.01],
    ["Infinity", Infinity],
    ["NaN", NaN],
    ["negative", -1],
    ["a negative cent", -0.01],
    ["five decimal places", 1.00001],
    ["float noise", 0.1 + 0.2],
    ["a tiny exponent", 1e-7],
    ["the string 1e300", "1e300"],
    ["the string NaN", "NaN"],
    ["the string Infinity", "Infinity"],
    ["a negative string", "-5"],
    ["a hex string", "0x10"],
    ["a string with spaces", " 40"],
    ["an empty string", ""],
    ["a string with a comma", "40,5"],
    ["a string with five decimals", "4.00001"],
    ["a string with leading zeros", "007"],
    ["a string with a trailing dot", "40."],
    ["a string above the bound", "1000000.01"],
    ["a boolean", true],
    ["null", null],
    ["an object", { value: 40 }],
    ["an array", [40]],
  ])("refuses %s", (_name, sum) => {
    expectRefused(check(GetNumberRequest, order(sum)));
    expectRefused(check(FinishActivationRequest, finish(sum)));
  });

  it("refuses everything that is not a bounded decimal, without throwing", () => {
    const valid = (v: unknown): boolean =>
      (typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= MAX_RUB && new RegExp(`^\\d+(\\.\\d{1,${RUB_DECIMALS}})?$`).test(String(v))) ||
      (typeof v === "string" && new RegExp(`^(0|[1-9]\\d*)(\\.\\d{1,${RUB_DECIMALS}})?$`).test(v) && Number(v) <= MAX_RUB);
    const candidates = fc.oneof(
      fc.double(),
      fc.double({ min: -1e9, max: 1e9 }),
      fc.string(),
      fc.stringMatching(/^[-+]?[0-9]{0,9}([.,][0-9]{0,8})?(e[-+]?[0-9]{1,3})?$/),
      fc.anything(),
    );
    fc.assert(
      fc.property(candidates, (sum) => {
        const r = check(GetNumberRequest, order(sum));
        expect(r.ok).toBe(valid(sum));
        if (!r.ok) expectRefused(r);
      }),
      { numRuns: 2_000 },
    );
  });

  it("a missing sum is refused on GET_NUMBER (required) and accepted on FINISH_ACTIVATION (older copies have none)", () => {
    const { sum: _omit, ...noSum } = order(0);
    expectRefused(check(GetNumberRequest, noSum));
    const { sum: _omit2, ...finishNoSum } = finish(0);
    expect(check(FinishActivationRequest, finishNoSum).ok).toBe(true);
  });
});
