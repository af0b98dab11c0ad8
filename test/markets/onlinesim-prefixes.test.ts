import { describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import { isExcluded, parseExceptionPhoneSet } from "../../src/markets/onlinesim/prefixes.js";

describe("parseExceptionPhoneSet", () => {
  it.each([
    [undefined, []],
    [null, []],
    [[], []],
    [[46950], ["46950"]],
    [["46950", 7916], ["46950", "7916"]],
    [[" +7903 "], ["7903"]],
    [[7916, "7916"], ["7916"]],
  ])("%j → %j", (raw, expected) => {
    expect(parseExceptionPhoneSet(raw)).toEqual(expected);
  });

  it.each([
    ["46950", /must be an array/],
    [[1.5], /not a positive integer prefix/],
    [[-7], /not a positive integer prefix/],
    [[0], /not a positive integer prefix/],
    [[""], /not a digit prefix/],
    [["79a"], /not a digit prefix/],
    [["0916"], /starts with 0/],
    [[{}], /expected an integer or a digit string/],
    [[null], /has type null/],
    [["1234567890123456"], /at most 15/],
    [[Number.MAX_SAFE_INTEGER + 2], /not a positive integer prefix/],
  ])("%j is rejected with a clear message", (raw, message) => {
    let caught: unknown;
    try {
      parseExceptionPhoneSet(raw);
    } catch (err) {
      caught = err;
    }
    expect(isSimgateError(caught, ErrorCode.EngineBadPrefix)).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it("matches on leading digits only", () => {
    expect(isExcluded("46950123456", ["46950"])).toBe(true);
    expect(isExcluded("46951123456", ["46950"])).toBe(false);
    expect(isExcluded("79161234567", ["1", "49", "7916"])).toBe(true);
    expect(isExcluded("79161234567", [])).toBe(false);
  });
});
