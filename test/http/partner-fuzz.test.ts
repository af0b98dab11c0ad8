/**
 * Property fuzz over real HTTP: whatever arrives (random JSON values, strings, bytes, bodies
 * shaped like v1 calls with random actions and field types, random content types, codings
 * and keys), the answer is HTTP 200 or 4xx with a JSON object carrying `status`, never a
 * 5xx, never a dropped connection; afterwards the server still answers GET_SERVICES, and
 * the key appeared in no log line. numRuns are bounded so the file runs in a few seconds.
 */
import fc from "fast-check";
import { deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY, bodyOf, requestLines, startPartner, type Harness } from "./partner-harness.js";

let h: Harness;
let sent = 0;
beforeAll(async () => {
  // Everything on: rent paths, gzip replies, a small body limit so 413s happen too.
  h = await startPartner({ v1: { rent: true, gzipResponses: true }, rentService: true, http: { bodyLimitBytes: 2048 } });
});
afterAll(async () => {
  await h.close();
});

const PATHS = ["/", "/getServices", "/getNumber", "/finishActivation", "/getServicesRent", "/getNumberRent", "/finishActivationRent", "/other"];
const ACTIONS = ["GET_SERVICES", "GET_NUMBER", "FINISH_ACTIVATION", "PUSH_SMS", "get_number", ""];

/** Printable ASCII: what a header value may hold. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(KEY), fc.string({ maxLength: 20 }), fc.double(), fc.integer());
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Mostly the valid value, sometimes anything: so the fuzz reaches the engine as well as the refusals. */
const usually = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: anyValue, weight: 1 });
const FIELDS = ["action", "key", "country", "operator", "service", "sum", "exceptionPhoneSet", "activationId", "status"] as const;

/** Bodies shaped like v1 calls, with random actions, field types, missing fields, and the key (or not). */
const v1Like = fc
  .record({
    action: fc.oneof({ arbitrary: fc.constantFrom("GET_SERVICES", "GET_NUMBER", "FINISH_ACTIVATION"), weight: 4 }, { arbitrary: fc.constantFrom(...ACTIONS), weight: 1 }, { arbitrary: anyValue, weight: 1 }),
    key: fc.oneof({ arbitrary: fc.constant(KEY), weight: 4 }, { arbitrary: fc.constant(`${KEY}x`), weight: 1 }, { arbitrary: anyValue, weight: 1 }),
    country: usually(fc.constantFrom("russia", "germany", "atlantis")),
    operator: usually(fc.constantFrom("any", "mts", "ANY")),
    service: usually(fc.constantFrom("facebook", "telegram", "rent")),
    sum: usually(fc.double({ min: 0, max: 1000, noNaN: true })),
    exceptionPhoneSet: usually(fc.array(fc.oneof(fc.integer({ min: 1, max: 99999 }), fc.constantFrom("7", "+7900", "7x", "")), { maxLength: 4 })),
    activationId: usually(fc.integer({ min: 1, max: 40 })),
    status: usually(fc.constantFrom(1, 3, 4, 5, 2)),
    drop: fc.oneof({ arbitrary: fc.constant([] as string[]), weight: 3 }, { arbitrary: fc.subarray([...FIELDS], { maxLength: 3 }), weight: 1 }),
    extra: fc.dictionary(fc.string({ maxLength: 10 }), anyValue, { maxKeys: 2 }),
  })
  .map(({ drop, extra, ...fields }) => {
    const body: Record<string, unknown> = { ...extra, ...fields };
    for (const f of drop) delete body[f];
    return JSON.stringify(body);
  });

const rawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { arbitrary: v1Like, weight: 4 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 1 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 200 }), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 3000 }), weight: 1 },
  { arbitrary: fc.constant(`{"action":"GET_SERVICES","key":"${KEY}"`), weight: 1 },
  // Around the 2 KiB limit, plain or (with coding gzip) as a small body that decodes large.
  { arbitrary: fc.integer({ min: 1_500, max: 20_000 }).map((n) => JSON.stringify({ action: "GET_SERVICES", key: KEY, pad: "0".repeat(n) })), weight: 1 },
);

const request = fc.record({
  path: fc.constantFrom(...PATHS),
  query: fc.constantFrom("", `?apikey=${KEY}`, "?apikey=nope", "?apikey=&apikey=x"),
  body: rawBody,
  /** How the body travels: as is, gzip/deflate with the matching header, or with a header that lies. */
  coding: fc.oneof({ arbitrary: fc.constant("none"), weight: 5 }, { arbitrary: fc.constantFrom("gzip", "deflate", "lie-gzip", "br"), weight: 2 }),
  contentType: fc.oneof(
    { arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8"), weight: 5 },
    { arbitrary: fc.constantFrom(undefined, "text/plain", "application/json; charset=latin1"), weight: 2 },
    { arbitrary: headerText, weight: 1 },
  ),
  authorization: maybe(fc.oneof(fc.constant(`Bearer ${KEY}`), fc.constant("Bearer nope"), headerText)),
  acceptEncoding: maybe(fc.oneof(fc.constantFrom("gzip", "gzip;q=0", "*", "identity"), headerText)),
});

type Req = typeof request extends fc.Arbitrary<infer T> ? T : never;

async function sendOne(r: Req): Promise<{ status: number; json: unknown; text: string }> {
  let body: string | Uint8Array = r.body;
  const headers: Record<string, string> = {};
  const bytes = () => (typeof r.body === "string" ? Buffer.from(r.body) : r.body);
  if (r.coding === "gzip") body = gzipSync(bytes());
  if (r.coding === "deflate") body = deflateSync(bytes());
  if (r.coding === "gzip" || r.coding === "lie-gzip") headers["content-encoding"] = "gzip";
  if (r.coding === "deflate") headers["content-encoding"] = "deflate";
  if (r.coding === "br") headers["content-encoding"] = "br";
  // Send bytes so fetch adds no Content-Type of its own; set ours when the case has one.
  if (r.contentType !== undefined) headers["content-type"] = r.contentType;
  if (r.authorization !== undefined) headers["authorization"] = r.authorization;
  if (r.acceptEncoding !== undefined) headers["accept-encoding"] = r.acceptEncoding;
  const res = await fetch(h.url + r.path + r.query, { method: "POST", headers, body: bodyOf(typeof body === "string" ? Buffer.from(body) : body) });
  sent++;
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

describe("fuzz: any request gets a JSON answer with a status, never a 5xx", () => {
  it("holds for random requests", async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const a = await sendOne(r);
        expect(a.status === 200 || (a.status >= 400 && a.status < 500), `HTTP ${a.status}: ${a.text.slice(0, 200)}`).toBe(true);
        expect(a.json, a.text.slice(0, 200)).toBeTypeOf("object");
        expect(a.json).not.toBeNull();
        expect(typeof (a.json as Record<string, unknown>)["status"]).toBe("string");
        expect(a.text).not.toContain(KEY);
      }),
      { numRuns: 600 },
    );
  });

  it("holds for v1-shaped JSON with the right key on every path (the engine sees all of it)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), v1Like, async (path, json) => {
        const body = JSON.stringify({ ...(JSON.parse(json) as Record<string, unknown>), key: KEY });
        const a = await sendOne({ path, query: "", body, coding: "none", contentType: "application/json", authorization: undefined, acceptEncoding: undefined });
        expect(a.status === 200 || (a.status >= 400 && a.status < 500), `HTTP ${a.status}: ${a.text.slice(0, 200)}`).toBe(true);
        expect(typeof (a.json as Record<string, unknown> | undefined)?.["status"]).toBe("string");
      }),
      { numRuns: 400 },
    );
  });

  it("afterwards the server still serves GET_SERVICES, logged every request, and never logged the key", async () => {
    const a = await h.call("/getServices", { action: "GET_SERVICES" });
    expect(a).toMatchObject({ status: 200, json: { status: "SUCCESS" } });
    expect(requestLines(h).length).toBe(sent + 1);
    expect(h.rawLogs.join("")).not.toContain(KEY);
    expect(h.infos.some((i) => i.status >= 500)).toBe(false);
  });
});
