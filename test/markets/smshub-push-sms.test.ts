/**
 * PUSH_SMS towards the SMSHUB family: the request on the wire per dialect, the verdict on
 * each kind of answer (only SUCCESS delivers; nothing is terminal; 5xx/408/429/no answer
 * back off the destination), and one attempt over real HTTP including the failures.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { deliverSms } from "../../src/markets/deliver-sms.js";
import type { HeldSms } from "../../src/markets/market-port.js";
import { DIALECTS } from "../../src/markets/smshub/dialects.js";
import { FakeSmshub } from "../../src/markets/smshub/fake/fake-smshub.js";
import { classifySmshubPushAnswer, SmshubSmsDelivery } from "../../src/markets/smshub/push-sms.js";

const KEY = "push-key";
const SMS: HeldSms = { market: "hub", reservationId: 9, smsId: 41, number: "79281234567", sender: "VK", text: "VK: 33708 – ваш код 🔐" };

const servers: FastifyInstance[] = [];
let fake: FakeSmshub | undefined;
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  await fake?.stop();
  fake = undefined;
});

async function serve(handler: (raw: Buffer, headers: Record<string, unknown>) => { status: number; body: string; gzip?: boolean; delayMs?: number }): Promise<string> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_r, body, done) => done(null, body));
  app.post("/sms", async (req, reply) => {
    const a = handler(req.body as Buffer, req.headers);
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    reply.code(a.status).header("content-type", "application/json");
    if (a.gzip) return reply.header("content-encoding", "gzip").send(gzipSync(a.body));
    return reply.send(a.body);
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  servers.push(app);
  return `http://127.0.0.1:${(app.server.address() as { port: number }).port}/sms`;
}

describe("the PUSH_SMS request", () => {
  it.each(["smshub", "smsbower", "grizzly"] as const)("%s: JSON with numbers as numbers, gzip where every request must be, a User-Agent", async (dialect) => {
    const d = new SmshubSmsDelivery({ market: "hub", dialect: DIALECTS[dialect], url: "http://127.0.0.1:1/sms", key: KEY });
    const req = await d.request(SMS);
    const gzip = dialect !== "grizzly";
    expect(req.headers).toMatchObject({ "content-type": "application/json; charset=utf-8", "accept-encoding": "gzip", "user-agent": expect.stringMatching(/^simgate\//) });
    expect(req.headers["content-encoding"]).toBe(gzip ? "gzip" : undefined);
    const text = (gzip ? gunzipSync(req.body) : Buffer.from(req.body)).toString("utf8");
    expect(JSON.parse(text)).toEqual({ action: "PUSH_SMS", key: KEY, smsId: 41, phone: 79281234567, phoneFrom: "VK", text: SMS.text });
    expect(text).toContain('"phone":79281234567');
    expect(d.retryMs).toBe(10_000);
  });
});

describe("the verdict on an answer", () => {
  const cases: Array<[number, string, unknown, ReturnType<typeof classifySmshubPushAnswer>["kind"], boolean?]> = [
    [200, '{"status":"SUCCESS"}', { status: "SUCCESS" }, "delivered"],
    [201, '{"status":"SUCCESS"}', { status: "SUCCESS" }, "delivered"],
    [200, '{"status":"ERROR","error":"NO_ACTIVATION"}', { status: "ERROR", error: "NO_ACTIVATION" }, "retry", false],
    [200, "", undefined, "retry", false],
    [200, '"SUCCESS"', "SUCCESS", "retry", false],
    [200, "OK", undefined, "retry", false],
    [401, '{"status":"ERROR","error":"BAD_KEY"}', { status: "ERROR", error: "BAD_KEY" }, "retry", false],
    [500, '{"status":"SUCCESS"}', { status: "SUCCESS" }, "retry", true],
    [503, "busy", undefined, "retry", true],
    [429, "", undefined, "retry", true],
    [408, "", undefined, "retry", true],
  ];
  it.each(cases)("HTTP %i %s → %s", (status, text, json, kind, transient) => {
    const v = classifySmshubPushAnswer({ status, text, json });
    expect(v.kind).toBe(kind);
    if (v.kind === "retry") {
      expect(v.transient).toBe(transient);
      expect(v.error).toContain(`HTTP ${status}`);
    }
  });
});

describe("one attempt over HTTP", () => {
  it("delivered to the fake marketplace, which saw a well-formed gzip PUSH_SMS for a number it holds", async () => {
    fake = new FakeSmshub({ dialect: "smshub", key: KEY });
    const { pushSms } = await fake.start();
    fake.openOrder({ activationId: 9, number: SMS.number });
    const d = new SmshubSmsDelivery({ market: "hub", dialect: DIALECTS.smshub, url: pushSms, key: KEY });
    expect((await deliverSms(d, SMS)).verdict).toEqual({ kind: "delivered" });
    expect(fake.violations).toEqual([]);
    expect(fake.book.get(9)!.sms.map((s) => [s.smsId, s.text])).toEqual([[41, SMS.text]]);
  });

  it("a gzip-compressed SUCCESS is read as SUCCESS", async () => {
    const url = await serve(() => ({ status: 200, body: '{"status":"SUCCESS"}', gzip: true }));
    const d = new SmshubSmsDelivery({ market: "hub", dialect: DIALECTS.smshub, url, key: KEY });
    expect(await deliverSms(d, SMS)).toMatchObject({ verdict: { kind: "delivered" }, answer: { status: 200, json: { status: "SUCCESS" } } });
  });

  it("no listener, or no answer in time: retry, backing off the destination", async () => {
    // A port that was just listening and is closed now: nothing accepts there.
    const closed = Fastify({ logger: false });
    await closed.listen({ host: "127.0.0.1", port: 0 });
    const port = (closed.server.address() as { port: number }).port;
    await closed.close();
    const refused = new SmshubSmsDelivery({ market: "hub", dialect: DIALECTS.smshub, url: `http://127.0.0.1:${port}/sms`, key: KEY });
    expect((await deliverSms(refused, SMS)).verdict).toEqual({ kind: "retry", error: "connection refused", transient: true });
    const url = await serve(() => ({ status: 200, body: '{"status":"SUCCESS"}', delayMs: 1_000 }));
    const slow = new SmshubSmsDelivery({ market: "hub", dialect: DIALECTS.smshub, url, key: KEY });
    expect((await deliverSms(slow, SMS, { timeoutMs: 200 })).verdict).toEqual({ kind: "retry", error: "timeout after 200 ms", transient: true });
  });

  it("an SMS the protocol cannot carry (a number that is not E.164) is given up once, not retried for ever", async () => {
    const d = new SmshubSmsDelivery({ market: "hub", dialect: DIALECTS.smshub, url: "http://127.0.0.1:1/sms", key: KEY });
    const v = (await deliverSms(d, { ...SMS, number: "SIM-7" })).verdict;
    expect(v).toMatchObject({ kind: "terminal", token: expect.stringMatching(/^UNSENDABLE: PUSH_SMS: 'SIM-7' is not an E.164 number/) });
  });
});
