/**
 * Bad input gets a 4xx JSON answer in our shape ({status: ERROR, error, detail?}), never a
 * 5xx and never fastify's own error format; plus media types (docs/protocols/onlinesim.md#content-type), content codings and
 * the body limit (Q26), reply compression, and the request timeout.
 */
import { connect } from "node:net";
import { deflateRawSync, deflateSync, gunzipSync, gzipSync } from "node:zlib";
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { acceptsGzip } from "../../src/http/partner/compress.js";
import { KEY, LEVEL, answerOf, bodyOf, requestLines, startPartner, type Answer, type Harness } from "./partner-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SERVICES = JSON.stringify({ action: "GET_SERVICES", key: KEY });
const send = (path: string, body: string | Uint8Array | undefined, headers: Record<string, string> = { "content-type": "application/json" }, method = "POST"): Promise<Answer> =>
  fetch(h!.url + path, { method, headers, ...(body === undefined ? {} : { body: bodyOf(body) }) }).then(answerOf);

const expectError = (a: Answer, status: number, error: string, detail?: RegExp) => {
  expect(a.status).toBe(status);
  expect(a.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(a.json).toMatchObject({ status: "ERROR", error });
  if (detail) expect(a.json["detail"]).toMatch(detail);
};

describe("malformed bodies", () => {
  it("answers 400 BAD_JSON for broken JSON, an empty body or invalid UTF-8", async () => {
    h = await startPartner();
    expectError(await send("/", '{"action":"GET_SERVICES",'), 400, "BAD_JSON", /^body is not valid JSON$/);
    expectError(await send("/", "{'action':'GET_SERVICES'}"), 400, "BAD_JSON");
    expectError(await send("/", ""), 400, "BAD_JSON", /empty body/);
    expectError(await send("/", "   \n"), 400, "BAD_JSON", /empty body/);
    expectError(await send("/", undefined), 400, "BAD_JSON", /empty body/);
    expectError(await send("/", Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, "BAD_JSON", /UTF-8/);
  });

  it("accepts a UTF-8 byte-order mark in front of the JSON", async () => {
    h = await startPartner();
    expect((await send("/", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SERVICES)]))).json["status"]).toBe("SUCCESS");
  });

  it.each([["[]"], ['"x"'], ["null"], ["5"], ["true"], [`[${SERVICES}]`]])("answers 400 BAD_REQUEST for the non-object JSON %s", async (body) => {
    h = await startPartner();
    expectError(await send("/", body), 400, "BAD_REQUEST", /body must be a JSON object/);
  });

  it("refuses a body with a __proto__ key (prototype poisoning), as fastify's own parser does", async () => {
    h = await startPartner();
    expectError(await send("/", `{"action":"GET_SERVICES","key":"${KEY}","__proto__":{"admin":true}}`), 400, "BAD_REQUEST", /__proto__/);
  });
});

describe("fields", () => {
  it("answers 400 BAD_REQUEST naming the field for a missing or non-string action and wrong field types", async () => {
    h = await startPartner();
    expectError(await h.call("/", {}), 400, "BAD_REQUEST", /^action: missing$/);
    expectError(await h.call("/", { action: 5 }), 400, "BAD_REQUEST", /^action: must be a string$/);
    expectError(await h.call("/", { action: "FINISH_ACTIVATION", activationId: "abc", status: 3 }), 400, "BAD_REQUEST", /^activationId: /);
    expectError(await h.call("/", { action: "FINISH_ACTIVATION", activationId: 0, status: 3 }), 400, "BAD_REQUEST", /activationId/);
    expectError(await h.call("/", { action: "FINISH_ACTIVATION", activationId: 7, status: "3" }), 400, "BAD_REQUEST", /^status: /);
    expectError(await h.call("/", { action: "GET_NUMBER", country: 5, operator: "any", service: "facebook", sum: 1 }), 400, "BAD_REQUEST", /^country: /);
    // Money is a bounded decimal (schemas.ts): a numeric string is fine, anything else is not.
    const priced = await h.call("/", { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: "40.50" });
    expect(priced.json["status"]).toBe("SUCCESS");
    expect((await h.call("/", { action: "FINISH_ACTIVATION", activationId: priced.json["activationId"], status: 4, sum: "4.5" })).json).toEqual({ status: "SUCCESS" });
    for (const sum of ["forty", 1e300, "1e300", "NaN", -5, 1.23456])
      expectError(await h.call("/", { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum }), 400, "BAD_REQUEST", /^sum: expected RUB as a decimal/);
    // A FINISH whose sum is not money still closes the operation (refusing it would keep the
    // module busy while Onlinesim re-sends the same FINISH forever); the sum is not booked, and
    // the request line says which value was ignored, at warn.
    const badSum = await h.call("/", { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: 10 });
    expect((await h.call("/", { action: "FINISH_ACTIVATION", activationId: badSum.json["activationId"], status: 3, sum: 1e300 })).json).toEqual({ status: "SUCCESS" });
    expect(requestLines(h).find((l) => l["action"] === "FINISH_ACTIVATION" && l["activationId"] === badSum.json["activationId"])).toMatchObject({ level: LEVEL.warn, ignoredSum: "1e+300", result: "SUCCESS" });
    expect(h.engine.openActivations().some((a) => a.id === badSum.json["activationId"])).toBe(false);
    expectError(await h.call("/", { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook" }), 400, "BAD_REQUEST", /^sum: /);
    expectError(
      await h.call("/", { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: 1, exceptionPhoneSet: ["7x"] }),
      400,
      "BAD_REQUEST",
      /^exceptionPhoneSet\.0: /,
    );
    expect(h.engine.openActivations()).toEqual([]);
  });

  it("answers an unknown action UNKNOWN_ACTION with HTTP 200 by default, or v1.unknownActionStatus (Q30)", async () => {
    h = await startPartner();
    expectError(await h.call("/", { action: "PUSH_SMS" }), 200, "UNKNOWN_ACTION");
    expectError(await h.call("/", { action: "get_services" }), 200, "UNKNOWN_ACTION");
    expect(requestLines(h).map((l) => l["action"])).toEqual(["PUSH_SMS", "(not an action name)"]);
    await h.close();
    h = await startPartner({ v1: { unknownActionStatus: 400 } });
    expectError(await h.call("/", { action: "PUSH_SMS" }), 400, "UNKNOWN_ACTION");
  });
});

describe("media types (docs/protocols/onlinesim.md#content-type)", () => {
  it("accepts application/json with or without a UTF-8 charset, in any case, and a body sent without Content-Type", async () => {
    h = await startPartner();
    for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON;Charset=\"UTF-8\"", "application/json; charset=utf8"]) {
      expect((await send("/", SERVICES, { "content-type": type })).json["status"], type).toBe("SUCCESS");
    }
    // A Uint8Array body: fetch adds no Content-Type of its own.
    expect((await send("/", Buffer.from(SERVICES), {})).json["status"]).toBe("SUCCESS");
  });

  it.each([["text/plain"], ["application/x-www-form-urlencoded"], ["multipart/form-data; boundary=x"], ["application/json; charset=iso-8859-1"], ["application/jsonx"]])(
    "answers 415 UNSUPPORTED_MEDIA_TYPE for %s",
    async (type) => {
      h = await startPartner();
      expectError(await send("/", SERVICES, { "content-type": type }), 415, "UNSUPPORTED_MEDIA_TYPE");
    },
  );
});

describe("paths and methods", () => {
  it("answers GET (or PUT, DELETE) on a v1 path 405 with Allow: POST, an unknown path 404, and ignores one trailing slash", async () => {
    h = await startPartner();
    for (const method of ["GET", "PUT", "DELETE"]) {
      const a = await send("/getServices", method === "GET" ? undefined : SERVICES, { "content-type": "application/json" }, method);
      expectError(a, 405, "METHOD_NOT_ALLOWED");
      expect(a.headers.get("allow")).toBe("POST");
    }
    expectError(await send("/", undefined, {}, "GET"), 405, "METHOD_NOT_ALLOWED");
    expectError(await send("/v1/getServices", SERVICES), 404, "NOT_FOUND");
    expect((await send("/getServices/", SERVICES)).json["status"]).toBe("SUCCESS");
    expectError(await send("/%zz", SERVICES), 400, "BAD_REQUEST", /malformed URL/);
  });

  it("serves exactly the configured v1.paths", async () => {
    h = await startPartner({ v1: { paths: ["/partner/v1"] } });
    expect((await send("/partner/v1", SERVICES)).json["status"]).toBe("SUCCESS");
    expectError(await send("/", SERVICES), 404, "NOT_FOUND");
    expectError(await send("/getServices", SERVICES), 404, "NOT_FOUND");
  });
});

describe("content codings and the body limit", () => {
  const zipped = (s: string) => gzipSync(Buffer.from(s));

  it("accepts gzip, x-gzip, and deflate (zlib-wrapped or raw) request bodies", async () => {
    h = await startPartner();
    const ok = async (body: Buffer, encoding: string) => expect((await send("/", body, { "content-type": "application/json", "content-encoding": encoding })).json["status"], encoding).toBe("SUCCESS");
    await ok(zipped(SERVICES), "gzip");
    await ok(zipped(SERVICES), "x-gzip");
    await ok(zipped(SERVICES), "GZIP");
    await ok(deflateSync(Buffer.from(SERVICES)), "deflate");
    await ok(deflateRawSync(Buffer.from(SERVICES)), "deflate");
    await ok(Buffer.from(SERVICES), "identity");
  });

  it("answers 400 BAD_ENCODING for a body that is not what Content-Encoding says, 415 for codings we do not speak", async () => {
    h = await startPartner();
    expectError(await send("/", Buffer.from(SERVICES), { "content-type": "application/json", "content-encoding": "gzip" }), 400, "BAD_ENCODING");
    expectError(await send("/", zipped(SERVICES).subarray(0, 20), { "content-type": "application/json", "content-encoding": "gzip" }), 400, "BAD_ENCODING");
    expectError(await send("/", Buffer.from(SERVICES), { "content-type": "application/json", "content-encoding": "br" }), 415, "UNSUPPORTED_MEDIA_TYPE", /Content-Encoding/);
    expectError(await send("/", zipped(SERVICES), { "content-type": "application/json", "content-encoding": "gzip, gzip" }), 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 413 for a body above http.bodyLimitBytes", async () => {
    h = await startPartner({ http: { bodyLimitBytes: 1024 } });
    const big = JSON.stringify({ action: "GET_SERVICES", key: KEY, pad: "x".repeat(2_000) });
    expectError(await send("/", big), 413, "BODY_TOO_LARGE");
    const exact = JSON.stringify({ action: "GET_SERVICES", key: KEY, pad: "" });
    const fits = JSON.stringify({ action: "GET_SERVICES", key: KEY, pad: "x".repeat(1024 - exact.length) });
    expect(Buffer.byteLength(fits)).toBe(1024);
    expect((await send("/", fits)).json["status"]).toBe("SUCCESS");
  });

  it("answers 413 for a zip bomb: a small gzip body whose decoded size passes the limit", async () => {
    h = await startPartner({ http: { bodyLimitBytes: 64 * 1024 } });
    const bomb = zipped(JSON.stringify({ action: "GET_SERVICES", key: KEY, pad: "0".repeat(5 * 1024 * 1024) }));
    expect(bomb.length).toBeLessThan(64 * 1024); // passes the wire limit…
    const a = await send("/", bomb, { "content-type": "application/json", "content-encoding": "gzip" });
    expectError(a, 413, "BODY_TOO_LARGE", /decoded/); // …but not the decoded one
    expect((await send("/", SERVICES)).json["status"]).toBe("SUCCESS");
  });
});

describe("reply compression (v1.gzipResponses, Q26)", () => {
  /** Raw bytes of an answer, without fetch's transparent decoding. */
  const raw = (acceptEncoding: string | undefined) =>
    new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const req = httpRequest(h!.url + "/", { method: "POST", headers: { "content-type": "application/json", ...(acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding }) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(SERVICES);
    });

  it("gzips replies for clients that accept gzip when on", async () => {
    h = await startPartner({ v1: { gzipResponses: true } });
    const zippedAnswer = await raw("gzip, deflate");
    expect(zippedAnswer.headers["content-encoding"]).toBe("gzip");
    expect(zippedAnswer.headers["vary"]).toBe("Accept-Encoding");
    expect(JSON.parse(gunzipSync(zippedAnswer.body).toString())).toMatchObject({ status: "SUCCESS" });
    expect(Number(zippedAnswer.headers["content-length"])).toBe(zippedAnswer.body.length);
    for (const ae of [undefined, "identity", "gzip;q=0", "br"]) {
      const plain = await raw(ae);
      expect(plain.headers["content-encoding"], String(ae)).toBeUndefined();
      expect(JSON.parse(plain.body.toString())).toMatchObject({ status: "SUCCESS" });
    }
    // Error answers too, and fetch reads them transparently.
    const err = await fetch(h.url + "/", { method: "POST", headers: { "content-type": "application/json", "accept-encoding": "gzip" }, body: "{" });
    expect(err.headers.get("content-encoding")).toBe("gzip");
    expect(await err.json()).toMatchObject({ status: "ERROR", error: "BAD_JSON" });
  });

  it("never compresses when off", async () => {
    h = await startPartner();
    expect((await raw("gzip")).headers["content-encoding"]).toBeUndefined();
  });

  it.each([
    ["gzip", true],
    ["GZIP;q=0.5", true],
    ["x-gzip", true],
    ["deflate, gzip;q=0", false],
    ["*", true],
    ["*, gzip;q=0", false],
    ["*;q=0", false],
    ["identity", false],
    ["", false],
  ])("Accept-Encoding %j → gzip %s", (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

describe("request timeout (http.requestTimeoutMs)", () => {
  /** Open a raw connection, send `head` (and no more), and collect what comes back until the server closes. */
  const stall = (head: string) =>
    new Promise<{ text: string; ms: number }>((resolve, reject) => {
      const started = Date.now();
      const socket = connect(h!.port, "127.0.0.1", () => socket.write(head));
      let text = "";
      socket.on("data", (d) => (text += d.toString()));
      socket.on("close", () => resolve({ text, ms: Date.now() - started }));
      socket.on("error", reject);
    });

  it("answers 408 TIMEOUT in JSON and closes when a body does not arrive in time", async () => {
    h = await startPartner({ http: { requestTimeoutMs: 500 } });
    const { text, ms } = await stall(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"action":`);
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text).toContain("Content-Type: application/json; charset=utf-8");
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: "ERROR", error: "TIMEOUT" });
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(3_000); // node's default check interval (30 s) would blow this
  });

  it("also for headers that never finish (slowloris)", async () => {
    h = await startPartner({ http: { requestTimeoutMs: 500 } });
    const { text } = await stall("POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("answers malformed HTTP 400 in our JSON shape", async () => {
    h = await startPartner();
    const { text } = await stall("BREW /pot HTCPCP/1.0\r\n\r\n");
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4))).toMatchObject({ status: "ERROR", error: "BAD_REQUEST" });
  });
});
