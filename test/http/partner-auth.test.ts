/**
 * Who may call: the partner key in the body, a Bearer header or the `apikey` query
 * (docs/protocols/onlinesim.md#authentication, Q10), each only when auth.accept lists it; the source-IP allow-list; and the key
 * never reaching a log line.
 */
import { gzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError, type SimgateError } from "../../src/errors.js";
import { buildPartnerServer } from "../../src/http/partner/index.js";
import { silentLogger } from "../../src/log/logger.js";
import { DEFAULTS, KEY, LEVEL, answerOf, bodyOf, makeEngine, requestLines, startPartner, type Harness } from "./partner-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SERVICES = { action: "GET_SERVICES" };
const post = (h: Harness, path: string, body: string | Uint8Array, headers: Record<string, string> = {}) =>
  fetch(h.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: bodyOf(body) }).then(answerOf);

describe("key sources", () => {
  it("accepts the key in the body, as Authorization: Bearer, or as ?apikey=", async () => {
    h = await startPartner();
    expect((await h.call("/", SERVICES)).json["status"]).toBe("SUCCESS");
    expect((await h.call("/", SERVICES, { key: null, headers: { authorization: `Bearer ${KEY}` } })).json["status"]).toBe("SUCCESS");
    expect((await h.call("/", SERVICES, { key: null, headers: { authorization: `bearer ${KEY}` } })).json["status"]).toBe("SUCCESS"); // RFC 7235: scheme case-insensitive
    expect((await h.call(`/?apikey=${KEY}`, SERVICES, { key: null })).json["status"]).toBe("SUCCESS");
    // Which source Onlinesim really uses is unknown (docs/protocols/onlinesim.md#authentication [U]); the log says.
    expect(requestLines(h).map((l) => l["auth"])).toEqual(["body", "bearer", "bearer", "apikey"]);
  });

  it("answers a wrong or missing key with HTTP 401 and exactly {status: ERROR, error: BAD_KEY}", async () => {
    h = await startPartner();
    for (const init of [{ key: "wrong" }, { key: null }, { key: KEY.slice(0, -1) }, { key: `${KEY}x` }, { key: "" }]) {
      const a = await h.call("/getNumber", { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: 1 }, init);
      expect(a.status).toBe(401);
      expect(a.json).toEqual({ status: "ERROR", error: "BAD_KEY" });
      expect(a.headers.get("www-authenticate")).toMatch(/^Bearer /);
    }
    expect(h.engine.openActivations()).toEqual([]);
    // A key of the wrong type is no key.
    expect((await post(h, "/", JSON.stringify({ ...SERVICES, key: 42 }))).status).toBe(401);
  });

  it("checks the key before judging the body's fields (an unauthenticated caller learns nothing about them)", async () => {
    h = await startPartner();
    expect((await h.call("/", { action: "NOPE", country: 5 }, { key: "wrong" })).status).toBe(401);
    expect((await h.call("/", { action: "FINISH_ACTIVATION", activationId: "abc" }, { key: null })).status).toBe(401);
  });

  it("uses auth.errorCode as the error token", async () => {
    h = await startPartner({ auth: { errorCode: "WRONG_KEY" } });
    expect((await h.call("/", SERVICES, { key: "nope" })).json).toEqual({ status: "ERROR", error: "WRONG_KEY" });
  });

  it("honours auth.accept: a source not listed does not authenticate, even with the right key", async () => {
    h = await startPartner({ auth: { accept: ["body"] } });
    expect((await h.call("/", SERVICES, { key: null, headers: { authorization: `Bearer ${KEY}` } })).status).toBe(401);
    expect((await h.call(`/?apikey=${KEY}`, SERVICES, { key: null })).status).toBe(401);
    expect((await h.call("/", SERVICES)).status).toBe(200);
    await h.close();

    h = await startPartner({ auth: { accept: ["bearer"] } });
    expect((await h.call("/", SERVICES)).status).toBe(401);
    expect((await h.call("/", SERVICES, { key: null, headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    expect(requestLines(h)[0]).toMatchObject({ status: 401, reason: "no key in bearer" });
  });

  it("authenticates when any accepted source carries the key (Onlinesim may send the body key and a header)", async () => {
    h = await startPartner();
    expect((await h.call("/", SERVICES, { key: "stale", headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
  });
});

describe("source-IP allow-list", () => {
  it("serves a listed address and refuses others with 403 IP_NOT_ALLOWED, before reading the body, logged at warn with the IP", async () => {
    h = await startPartner({ auth: { allowIps: ["127.0.0.1"] } });
    expect((await h.call("/", SERVICES)).status).toBe(200);
    await h.close();

    h = await startPartner({ auth: { allowIps: ["10.9.8.7", "2001:db8::1"] } });
    const refused = await h.call("/", SERVICES);
    expect(refused).toMatchObject({ status: 403, json: { status: "ERROR", error: "IP_NOT_ALLOWED" } });
    // Malformed JSON, wrong path: still 403 first.
    expect((await post(h, "/", "{not json")).status).toBe(403);
    expect((await post(h, "/elsewhere", "{}")).status).toBe(403);
    const line = requestLines(h)[0]!;
    expect(line).toMatchObject({ level: LEVEL.warn, status: 403, ip: "127.0.0.1", error: "IP_NOT_ALLOWED" });
  });

  it("matches IPv4 peers of a dual-stack listener (::ffff:127.0.0.1) against plain IPv4 entries, and the reverse", async () => {
    for (const entry of ["127.0.0.1", "::ffff:127.0.0.1", "::FFFF:7f00:1"]) {
      const app = await buildPartnerServer({
        engine: await makeEngine(),
        key: KEY,
        http: DEFAULTS.http,
        v1: DEFAULTS.onlinesim.v1,
        auth: { ...DEFAULTS.onlinesim.auth, allowIps: [entry] },
        logger: silentLogger(),
      });
      await app.listen({ host: "::", port: 0 }); // dual stack: IPv4 peers arrive as ::ffff:a.b.c.d
      const addr = app.server.address();
      if (addr === null || typeof addr === "string") throw new Error("no address");
      const res = await fetch(`http://127.0.0.1:${addr.port}/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...SERVICES, key: KEY }) });
      await res.arrayBuffer();
      await app.close();
      expect(res.status, entry).toBe(200);
    }
  });

  it("refuses to build with an allow-list entry that is not an IP, or with an empty key (SG1100)", async () => {
    const base = { engine: await makeEngine(), key: KEY, http: DEFAULTS.http, v1: DEFAULTS.onlinesim.v1, auth: DEFAULTS.onlinesim.auth, logger: silentLogger() };
    const err1 = await buildPartnerServer({ ...base, auth: { ...base.auth, allowIps: ["10.0.0.0/8"] } }).catch((e: unknown) => e);
    expect(isSimgateError(err1, ErrorCode.HttpOptionsInvalid)).toBe(true);
    expect((err1 as Error).message).toContain('onlinesim.auth.allowIps: "10.0.0.0/8" is not an IP address');
    const err2 = await buildPartnerServer({ ...base, key: "" }).catch((e: unknown) => e);
    expect(isSimgateError(err2, ErrorCode.HttpOptionsInvalid)).toBe(true);
    expect((err2 as SimgateError).plainMessage).toBe("the partner key must not be empty");
  });
});

describe("the key never reaches a log line", () => {
  it("not for good, bad, missing or misplaced keys, malformed bodies that carry it, or the key in odd places", async () => {
    h = await startPartner({ auth: { accept: ["body", "bearer", "apikey"] } });
    const sends: Array<() => Promise<unknown>> = [
      () => h!.call("/", SERVICES),
      () => h!.call("/getNumber", { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: 1 }),
      () => h!.call("/", SERVICES, { key: `${KEY}-but-longer` }),
      () => h!.call("/", SERVICES, { key: null, headers: { authorization: `Bearer ${KEY}x` } }),
      () => h!.call(`/?apikey=${KEY}`, { action: "NOT_AN_ACTION" }, { key: null }),
      () => h!.call(`/nowhere?apikey=${KEY}`, SERVICES),
      () => h!.call(`/${KEY}`, SERVICES),
      () => h!.call("/", { action: KEY }),
      () => h!.call("/", { action: "GET_NUMBER", country: KEY, operator: KEY, service: 5, sum: 1 }),
      () => h!.call("/", { [KEY]: 1, action: "FINISH_ACTIVATION", activationId: KEY, status: 3 }),
      () => post(h!, "/", `{"action":"GET_SERVICES","key":"${KEY}"`), // cut off: V8's parse error would quote it
      () => post(h!, "/", `{"key":"${KEY}", oops}`),
      () => post(h!, "/", `["${KEY}"]`),
      () => post(h!, "/", `"${KEY}"`),
      () => post(h!, "/", gzipSync(`{"key":"${KEY}",`), { "content-encoding": "gzip" }),
      () => post(h!, "/", Buffer.from(`{"key":"${KEY}"}`), { "content-encoding": "gzip" }), // not gzip
      () => post(h!, "/", `{"key":"${KEY}"}`, { "content-type": "text/plain" }),
      () => post(h!, "/", `{"key":"${KEY}","__proto__":{}}`),
      () => fetch(`${h!.url}/getServices?apikey=${KEY}`, { headers: { authorization: `Bearer ${KEY}` } }).then(answerOf),
    ];
    for (const send of sends) await send();
    const lines = requestLines(h);
    expect(lines).toHaveLength(sends.length); // every request was logged: the search below is not vacuous
    expect(h.rawLogs.join("")).not.toContain(KEY);
    // …while what was logged is still useful: the refused key is logged as a reason, not a value.
    expect(lines.find((l) => l["status"] === 401)).toMatchObject({ level: LEVEL.warn, error: "BAD_KEY", reason: "wrong key", ip: "127.0.0.1" });
  });

  it("answers never echo the key either", async () => {
    h = await startPartner();
    const answers = await Promise.all([
      h.call("/", { action: "GET_NUMBER", country: KEY, operator: "any", service: "x", sum: "1" }),
      h.call("/", { [KEY]: true, action: KEY }),
      post(h, "/", `{"key":"${KEY}"`),
    ]);
    for (const a of answers) expect(JSON.stringify(a.json)).not.toContain(KEY);
  });
});
