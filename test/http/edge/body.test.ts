/**
 * The body reader on its own (every endpoint on the edge uses it): media type, content
 * coding, the decoded-size cap, JSON. test/http/partner-input.test.ts drives the same
 * through a real partner endpoint.
 */
import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isSimgateError } from "../../../src/errors.js";
import { readBody } from "../../../src/http/edge/index.js";

const JSON_TYPE = { "content-type": "application/json" };

/** The refusal as { status, error }, or "ok". */
async function verdict(raw: Buffer, headers: Record<string, string>, limit = 1024): Promise<unknown> {
  try {
    await readBody(raw, headers, limit);
    return "ok";
  } catch (err) {
    if (!isSimgateError(err)) throw err;
    return { status: err.context["status"], error: err.context["error"] };
  }
}

describe("readBody", () => {
  it("reads JSON in identity, gzip, x-gzip and deflate (zlib-wrapped or raw)", async () => {
    const text = Buffer.from(JSON.stringify({ action: "GET_SERVICES", n: 1 }));
    const cases: Array<[string | undefined, Buffer]> = [
      [undefined, text],
      ["identity", text],
      ["gzip", gzipSync(text)],
      ["x-gzip", gzipSync(text)],
      ["deflate", deflateSync(text)],
      ["deflate", deflateRawSync(text)],
    ];
    for (const [coding, raw] of cases) {
      const headers = coding === undefined ? JSON_TYPE : { ...JSON_TYPE, "content-encoding": coding };
      expect(await readBody(raw, headers, 1024), String(coding)).toEqual({ action: "GET_SERVICES", n: 1 });
    }
  });

  it("accepts no Content-Type or JSON in UTF-8; refuses other types and charsets with 415", async () => {
    const raw = Buffer.from("{}");
    expect(await verdict(raw, {})).toBe("ok");
    expect(await verdict(raw, { "content-type": "Application/JSON; charset=\"UTF-8\"" })).toBe("ok");
    expect(await verdict(raw, { "content-type": "text/plain" })).toEqual({ status: 415, error: "UNSUPPORTED_MEDIA_TYPE" });
    expect(await verdict(raw, { "content-type": "application/json; charset=latin1" })).toEqual({ status: 415, error: "UNSUPPORTED_MEDIA_TYPE" });
    expect(await verdict(raw, { ...JSON_TYPE, "content-encoding": "br" })).toEqual({ status: 415, error: "UNSUPPORTED_MEDIA_TYPE" });
  });

  it("caps the decoded size: a small gzip body that inflates past the limit is a 413", async () => {
    const bomb = gzipSync(Buffer.from(`{"pad":"${"a".repeat(100_000)}"}`));
    expect(bomb.length).toBeLessThan(1024);
    expect(await verdict(bomb, { ...JSON_TYPE, "content-encoding": "gzip" })).toEqual({ status: 413, error: "BODY_TOO_LARGE" });
  });

  it("refuses bytes that are not what Content-Encoding says, invalid UTF-8, broken JSON and __proto__", async () => {
    expect(await verdict(Buffer.from("{}"), { ...JSON_TYPE, "content-encoding": "gzip" })).toEqual({ status: 400, error: "BAD_ENCODING" });
    expect(await verdict(Buffer.from([0x7b, 0xff, 0x7d]), JSON_TYPE)).toEqual({ status: 400, error: "BAD_JSON" });
    expect(await verdict(Buffer.from("{"), JSON_TYPE)).toEqual({ status: 400, error: "BAD_JSON" });
    expect(await verdict(Buffer.from("  "), JSON_TYPE)).toEqual({ status: 400, error: "BAD_JSON" });
    expect(await verdict(Buffer.from('{"__proto__":{"x":1}}'), JSON_TYPE)).toEqual({ status: 400, error: "BAD_REQUEST" });
  });
});
