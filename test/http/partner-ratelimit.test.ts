/**
 * The per-IP rate limit (http.rateLimit, @fastify/rate-limit) and http.trustProxy: clients
 * are told apart by X-Forwarded-For from a trusted proxy (the test client is the proxy on
 * 127.0.0.1), so two "clients" can be simulated from one host. 429 in our JSON shape with
 * Retry-After, per IP, allowList and loopback never limited, one warn line per IP per
 * window; the source-IP allow-list and the logs see the client trustProxy resolves.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LEVEL, requestLines, startPartner, type Harness, type HarnessOptions } from "./partner-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const A = "203.0.113.10";
const B = "198.51.100.20";
const services = { action: "GET_SERVICES" };
const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });

/** Behind a proxy on 127.0.0.1 (the test client), 3 requests per minute per client. */
function behindProxy(rateLimit: Partial<NonNullable<HarnessOptions["http"]>["rateLimit"]> = {}, extra: HarnessOptions = {}): Promise<Harness> {
  return startPartner({ ...extra, http: { trustProxy: ["127.0.0.1"], rateLimit: { max: 3, windowMs: 60_000, allowList: [], ...rateLimit }, ...extra.http } });
}

describe("rate limit per client IP", () => {
  it("answers 429 {status: ERROR, error: RATE_LIMITED} with Retry-After after max requests, for that client only", async () => {
    h = await behindProxy();
    for (let i = 0; i < 3; i++) expect((await h.call("/", services, from(A))).status).toBe(200);
    const limited = await h.call("/", services, from(A));
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ status: "ERROR", error: "RATE_LIMITED" });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get("content-type")).toMatch(/^application\/json/);
    // Another client is not affected.
    const other = await h.call("/", services, from(B));
    expect(other).toMatchObject({ status: 200, json: { status: "SUCCESS" } });
    // Normal answers carry no rate-limit headers.
    expect(other.headers.get("x-ratelimit-remaining")).toBeNull();
    expect(h.infos.map((i) => [i.action, i.status])).toEqual([
      ["GET_SERVICES", 200],
      ["GET_SERVICES", 200],
      ["GET_SERVICES", 200],
      ["invalid", 429],
      ["GET_SERVICES", 200],
    ]);
  });

  it("one warn line per client per window, the 429s themselves at debug, with the client IP and the proxy as peer", async () => {
    h = await behindProxy({ max: 1 });
    await h.call("/", services, from(A));
    for (let i = 0; i < 5; i++) expect((await h.call("/", services, from(A))).status).toBe(429);
    await h.call("/", services, from(B));
    expect((await h.call("/", services, from(B))).status).toBe(429);
    const warns = h.logs().filter((l) => l["event"] === "v1-rate-limited");
    expect(warns).toHaveLength(2);
    expect(warns.map((w) => [w.level, w["ip"], w["max"], w["windowMs"]])).toEqual([
      [LEVEL.warn, A, 1, 60_000],
      [LEVEL.warn, B, 1, 60_000],
    ]);
    const refused = requestLines(h).filter((l) => l["status"] === 429);
    expect(refused).toHaveLength(6);
    for (const l of refused) expect(l).toMatchObject({ level: LEVEL.debug, error: "RATE_LIMITED", peer: "127.0.0.1" });
    expect(refused[0]).toMatchObject({ ip: A });
  });

  it("counts every request, also unknown paths, wrong methods and bad keys", async () => {
    h = await behindProxy();
    expect((await h.call("/nope", services, from(A))).status).toBe(404);
    expect((await fetch(h.url + "/getServices", from(A))).status).toBe(405);
    expect((await h.call("/", services, { ...from(A), key: "wrong" })).status).toBe(401);
    expect((await h.call("/", services, from(A))).status).toBe(429);
    expect((await h.call("/nope", services, from(A))).status).toBe(429);
  });

  it("groups an IPv6 client by its /64", async () => {
    h = await behindProxy({ max: 2 });
    expect((await h.call("/", services, from("2001:db8:1:2::a"))).status).toBe(200);
    expect((await h.call("/", services, from("2001:db8:1:2::b"))).status).toBe(200);
    expect((await h.call("/", services, from("2001:db8:1:2:ffff::1"))).status).toBe(429);
    expect((await h.call("/", services, from("2001:db8:1:3::a"))).status).toBe(200);
  });

  it("lets the client in again when its window is over", async () => {
    h = await behindProxy({ max: 1, windowMs: 1_000 });
    expect((await h.call("/", services, from(A))).status).toBe(200);
    expect((await h.call("/", services, from(A))).status).toBe(429);
    // Bounded: the window is 1 s; give it up to 5 s on a busy machine.
    const deadline = Date.now() + 5_000;
    let status = 429;
    while (status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await h.call("/", services, from(A))).status;
    }
    expect(status).toBe(200);
  });
});

describe("never limited", () => {
  it("addresses in http.rateLimit.allowList (e.g. Onlinesim's)", async () => {
    h = await behindProxy({ max: 2, allowList: [A, "2001:db8::5"] });
    for (let i = 0; i < 8; i++) expect((await h.call("/", services, from(A))).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await h.call("/", services, from("2001:db8::5"))).status).toBe(200);
    expect((await h.call("/", services, from(B))).status).toBe(200);
    expect((await h.call("/", services, from(B))).status).toBe(200);
    expect((await h.call("/", services, from(B))).status).toBe(429);
    expect(h.logs().filter((l) => l["event"] === "v1-rate-limited").map((l) => l["ip"])).toEqual([B]);
  });

  it("loopback clients (a local proxy without trustProxy would otherwise put everyone in one bucket)", async () => {
    h = await startPartner({ http: { rateLimit: { max: 2, windowMs: 60_000, allowList: [] } } });
    // trustProxy off: X-Forwarded-For is ignored, every request is from 127.0.0.1.
    for (let i = 0; i < 8; i++) expect((await h.call("/", services, from(A))).status).toBe(200);
    expect(requestLines(h).every((l) => l["ip"] === "127.0.0.1" && l["peer"] === undefined)).toBe(true);
  });

  it("refuses an allowList entry that is not an exact IP at build time", async () => {
    await expect(behindProxy({ allowList: ["203.0.113.0/24"] })).rejects.toThrow(/http\.rateLimit\.allowList: "203\.0\.113\.0\/24" is not an IP address/);
  });
});

describe("trustProxy and the source-IP allow-list (onlinesim.auth.allowIps)", () => {
  it("with a trusted proxy, the allow-list judges the client the proxy names", async () => {
    h = await behindProxy({}, { auth: { allowIps: [A] } });
    expect((await h.call("/", services, from(A))).status).toBe(200);
    const refused = await h.call("/", services, from(B));
    expect(refused).toMatchObject({ status: 403, json: { status: "ERROR", error: "IP_NOT_ALLOWED" } });
    // The proxy's own chain: the rightmost untrusted address is the client.
    expect((await h.call("/", services, from(`${B}, ${A}`))).status).toBe(200);
    expect((await h.call("/", services, from(`${A}, ${B}`))).status).toBe(403);
    const lines = requestLines(h);
    expect(lines[1]).toMatchObject({ level: LEVEL.warn, status: 403, ip: B, peer: "127.0.0.1" });
  });

  it("without trustProxy, X-Forwarded-For is ignored: the TCP peer is the client (no spoofing past the allow-list)", async () => {
    h = await startPartner({ auth: { allowIps: [A] } });
    expect((await h.call("/", services, from(A))).status).toBe(403);
    expect(requestLines(h)[0]).toMatchObject({ ip: "127.0.0.1" });
  });

  it("a proxy list that does not include the peer is not trusted either", async () => {
    h = await startPartner({ auth: { allowIps: [A] }, http: { trustProxy: ["10.9.8.7"] } });
    expect((await h.call("/", services, from(A))).status).toBe(403);
  });

  it("trustProxy: true believes any sender (the documented danger): a direct client can claim an allowed IP", async () => {
    h = await startPartner({ auth: { allowIps: [A] }, http: { trustProxy: true } });
    expect((await h.call("/", services, from(`${A}`))).status).toBe(200);
    // The leftmost address of the chain is taken, whatever the client put there.
    expect((await h.call("/", services, from(`${A}, ${B}`))).status).toBe(200);
  });
});
