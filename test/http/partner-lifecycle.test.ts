/**
 * What the daemon relies on around the requests: close() does not hang on idle keep-alive
 * sockets and lets an in-flight request finish; one log line per request at the right level;
 * the onRequest callback for metrics.
 */
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { KEY, LEVEL, requestLines, startPartner, type Harness } from "./partner-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const order = { action: "GET_NUMBER", country: "russia", operator: "any", service: "facebook", sum: 10 };

describe("close()", () => {
  it("returns at once with idle keep-alive connections open (fastify would otherwise wait keepAliveTimeout, 72 s)", async () => {
    const harness = await startPartner();
    // Several answered requests over undici's keep-alive pool leave idle sockets behind.
    await Promise.all(Array.from({ length: 5 }, () => harness.call("/", { action: "GET_SERVICES" })));
    const started = Date.now();
    await harness.close();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("lets a request that is in flight finish, then closes", async () => {
    let headersIn!: () => void;
    const arrived = new Promise<void>((resolve) => (headersIn = resolve));
    const harness = await startPartner({ beforeListen: (app) => app.addHook("onRequest", async () => headersIn()) });
    const body = JSON.stringify({ ...order, key: KEY });
    const half = Math.floor(body.length / 2);
    const socket = connect(harness.port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d) => (answer += d.toString()));
    const ended = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.write(`POST /getNumber HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`);
    await arrived; // the server is reading this request's body

    const closed = harness.close();
    socket.write(body.slice(half));
    await closed;
    await ended;
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toEqual({ status: "SUCCESS", number: 79000000001, activationId: 1 });
  });
});

describe("keep-alive", () => {
  it("reuses an idle keep-alive connection after more than http.requestTimeoutMs (the timeout is per request, not per idle socket)", async () => {
    h = await startPartner({ http: { requestTimeoutMs: 500 } });
    let connections = 0;
    h.app.server.on("connection", () => connections++);
    expect((await h.call("/", { action: "GET_SERVICES" })).status).toBe(200);
    // The behaviour under test is idle time itself; there is no event to wait for instead.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await h.call("/", { action: "GET_SERVICES" })).status).toBe(200);
    expect(connections).toBe(1);
  });
});

describe("request log", () => {
  it("one line per request: debug for polls and for successful orders and finishes (the engine logs those), info for NO_NUMBERS and bad input, warn for a refused key with the source IP", async () => {
    h = await startPartner();
    await h.call("/getServices", { action: "GET_SERVICES" });
    await h.call("/getNumber", order);
    await h.call("/getNumber", { ...order, country: "atlantis" });
    await h.call("/finishActivation", { action: "FINISH_ACTIVATION", activationId: 1, status: 3, sum: 9.5 });
    await h.call("/", { action: "GET_SERVICES" }, { key: "wrong" });
    await h.call("/", { action: "FINISH_ACTIVATION", activationId: "x", status: 3 });
    const lines = requestLines(h);
    expect(lines).toHaveLength(6);
    const [poll, issued, none, finish, badKey, badField] = lines;
    expect(poll).toMatchObject({ level: LEVEL.debug, action: "GET_SERVICES", status: 200, path: "/getServices" });
    expect(issued).toMatchObject({ level: LEVEL.debug, action: "GET_NUMBER", status: 200, result: "SUCCESS", number: 79000000001, activationId: 1, service: "facebook" });
    expect(none).toMatchObject({ level: LEVEL.info, action: "GET_NUMBER", result: "NO_NUMBERS", country: "atlantis" });
    expect(finish).toMatchObject({ level: LEVEL.debug, action: "FINISH_ACTIVATION", activationId: 1, finishStatus: 3, sum: 9.5, result: "SUCCESS" });
    expect(badKey).toMatchObject({ level: LEVEL.warn, status: 401, ip: "127.0.0.1", error: "BAD_KEY" });
    expect(badField).toMatchObject({ level: LEVEL.info, status: 400, error: "BAD_REQUEST" });
    for (const l of lines) expect(typeof l["ms"]).toBe("number");
  });
});

describe("onRequest (metrics)", () => {
  it("reports every answered request: the dispatched action or 'invalid', the HTTP status and the duration", async () => {
    h = await startPartner();
    await h.call("/", { action: "GET_SERVICES" });
    await h.call("/", order);
    await h.call("/", { action: "FINISH_ACTIVATION", activationId: 1, status: 4 });
    await h.call("/", { action: "GET_SERVICES" }, { key: "bad" });
    await h.call("/", { action: "SOMETHING" });
    await h.call("/missing", { action: "GET_SERVICES" });
    await fetch(h.url + "/getServices").then((r) => r.arrayBuffer());
    expect(h.infos.map(({ action, status }) => [action, status])).toEqual([
      ["GET_SERVICES", 200],
      ["GET_NUMBER", 200],
      ["FINISH_ACTIVATION", 200],
      ["invalid", 401],
      ["invalid", 200],
      ["invalid", 404],
      ["invalid", 405],
    ]);
    for (const info of h.infos) expect(info.durationMs).toBeGreaterThanOrEqual(0);
  });
});

describe("our own failures", () => {
  it("an engine that throws (a bug) gets an honest 500 in our JSON shape, logged at error, and the server keeps serving", async () => {
    h = await startPartner({
      wrapEngine: (engine) => ({
        getServices: () => engine.getServices(),
        orderNumber: () => Promise.reject(new Error("engine bug")),
        finishActivation: (req) => engine.finishActivation(req),
        withdrawUndelivered: (id, reason) => engine.withdrawUndelivered(id, reason),
      }),
    });
    const a = await h.call("/", order);
    expect(a).toMatchObject({ status: 500, json: { status: "ERROR", error: "INTERNAL_ERROR" } });
    expect(requestLines(h)[0]).toMatchObject({ level: LEVEL.error, status: 500, err: { message: "engine bug" } });
    expect((await h.call("/", { action: "GET_SERVICES" })).status).toBe(200);
    expect(h.infos.map((i) => i.status)).toEqual([500, 200]);
  });

  it("an answer slower than http.requestTimeoutMs is still sent (never abandoned mid-order) and logged at warn", async () => {
    h = await startPartner({
      http: { requestTimeoutMs: 500 },
      wrapEngine: (engine) => ({
        getServices: () => engine.getServices(),
        // A slow commit; the time itself is what is under test.
        orderNumber: (req) => new Promise((resolve) => setTimeout(resolve, 600)).then(() => engine.orderNumber(req)),
        finishActivation: (req) => engine.finishActivation(req),
        withdrawUndelivered: (id, reason) => engine.withdrawUndelivered(id, reason),
      }),
    });
    const a = await h.call("/", order);
    expect(a.json).toMatchObject({ status: "SUCCESS", activationId: 1 });
    expect(requestLines(h)[0]).toMatchObject({ level: LEVEL.warn, slow: true, result: "SUCCESS", activationId: 1 });
  });

  it("a throwing onRequest callback does not affect the answer; it is logged", async () => {
    h = await startPartner({
      onRequest: () => {
        throw new Error("metrics bug");
      },
    });
    expect((await h.call("/", { action: "GET_SERVICES" })).json["status"]).toBe("SUCCESS");
    expect(h.logs().find((l) => l["event"] === "v1-metrics-callback-failed")).toMatchObject({ level: LEVEL.warn });
  });
});
