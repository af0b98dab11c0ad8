/** The key check: where a request may carry a key, and the comparison in constant time. */
import { describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../../src/errors.js";
import { authenticate, KeyCheck, presentedKeys } from "../../../src/http/edge/index.js";

const KEY = "sk-partner-7Qx9Zr2Lm4Vb";

describe("KeyCheck", () => {
  it("matches only the exact key (not a prefix, an extension, or a case variant)", () => {
    const check = new KeyCheck(KEY);
    expect(check.matches(KEY)).toBe(true);
    for (const other of ["", KEY.slice(0, -1), `${KEY} `, KEY.toUpperCase(), "x".repeat(10_000)]) expect(check.matches(other)).toBe(false);
  });

  it("refuses an empty key, naming it", () => {
    expect(() => new KeyCheck("", "the admin token")).toThrow(/^the admin token must not be empty/);
    let err: unknown;
    try {
      new KeyCheck("");
    } catch (e) {
      err = e;
    }
    expect(isSimgateError(err, ErrorCode.HttpOptionsInvalid)).toBe(true);
  });
});

describe("key sources", () => {
  const req = { body: { key: "from-body" }, headers: { authorization: "bearer  from-header" }, query: { apikey: ["from-query", 7] } };

  it("reads only the sources the caller accepts, and only strings", () => {
    expect(presentedKeys(req, ["body", "bearer", "apikey"])).toEqual([
      { source: "body", value: "from-body" },
      { source: "bearer", value: "from-header" },
      { source: "apikey", value: "from-query" },
    ]);
    expect(presentedKeys(req, ["bearer"])).toEqual([{ source: "bearer", value: "from-header" }]);
    expect(presentedKeys({ body: [KEY], headers: {}, query: undefined }, ["body", "bearer", "apikey"])).toEqual([]);
  });

  it("authenticates when any accepted source carries the key, and says why not otherwise", () => {
    const check = new KeyCheck("from-query");
    expect(authenticate(check, ["body", "apikey"], req)).toEqual({ ok: true, source: "apikey" });
    expect(authenticate(check, ["body"], req)).toEqual({ ok: false, reason: "wrong" });
    expect(authenticate(check, ["body"], { body: {}, headers: {}, query: {} })).toEqual({ ok: false, reason: "missing" });
  });
});
