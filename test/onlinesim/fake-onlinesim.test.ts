/**
 * The fake Onlinesim over real HTTP on loopback: PUSH_SMS (accepted, duplicate,
 * NO_OPERATION, bad key, bad body), v2 methods with and without the Bearer key, and
 * failure injection (5xx, slow answers, terminal errors, echo pages, going down, answer
 * latency) and the request events.
 */
import { once } from "node:events";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXAMPLES } from "../../src/onlinesim/schemas.js";
import { FakeOnlinesim, type FakeOnlinesimUrls } from "../../src/onlinesim/fake/index.js";
import { until } from "./tiny-partner.js";

const KEY = "k-secret-123";
const JSON_UTF8 = { "content-type": "application/json; charset=utf-8" };

async function call(url: string, body: unknown, init: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {}) {
  const res = await fetch(url, {
    method: init.method ?? "POST",
    headers: { ...JSON_UTF8, ...init.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 5_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // v2 400/404 bodies are strings (docs/protocols/onlinesim-v2.md#addnumber, docs/protocols/onlinesim-v2.md#addmessage)
  }
  return { status: res.status, body: parsed };
}

const sms = (over: Record<string, unknown> = {}) => ({ ...EXAMPLES.pushSmsRequest, key: KEY, smsId: 7, phone: "79088081050", ...over });
const bearer = { authorization: `Bearer ${KEY}` };

let fake: FakeOnlinesim;
let urls: FakeOnlinesimUrls;

beforeEach(async () => {
  fake = new FakeOnlinesim({ key: KEY });
  urls = await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

describe("PUSH_SMS (docs/protocols/onlinesim-v1.md#push_sms)", () => {
  it("listens on 127.0.0.1 with a free port", () => {
    expect(urls.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.pushSms).toBe(`${urls.base}/v1/PUSH_SMS`);
  });

  it("accepts an SMS for an open operation with HTTP 200 {status:SUCCESS}", async () => {
    const op = fake.openOperation({ activationId: 7, number: "+79088081050" });
    expect(await call(urls.pushSms, sms())).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(op.sms).toEqual([expect.objectContaining({ smsId: 7, from: "Instagram", text: "Your verification code is 800142" })]);
    expect(fake.stats()).toMatchObject({ pushSms: 1, pushSmsDuplicates: 0 });
  });

  it("counts a second delivery of the same payload as a duplicate (and still answers SUCCESS)", async () => {
    fake.openOperation({ activationId: 7, number: "79088081050" });
    await call(urls.pushSms, sms());
    expect((await call(urls.pushSms, sms())).status).toBe(200);
    await call(urls.pushSms, sms({ text: "a second, different SMS" }));
    expect(fake.duplicates).toBe(1);
    expect(fake.push.stats.bySmsId[7]).toBe(3);
    expect(fake.book.get(7)?.sms).toHaveLength(2);
  });

  it("answers NO_OPERATION (HTTP 200, status form, Q14) for a number without an open operation", async () => {
    expect(await call(urls.pushSms, sms())).toEqual({ status: 200, body: { status: "NO_OPERATION" } });
    expect(fake.stats().pushSmsNoOperation).toBe(1);
    await call(urls.pushSms, sms());
    expect(fake.stats().pushSmsAfterTerminal).toBe(1); // retries must stop at a terminal error (Q15)
  });

  it.each([
    ["error-400", { status: "ERROR", error: "NO_OPERATION" }],
    ["text-400", "NO_OPERATION"],
  ] as const)("can put errors on the wire in form %s (HTTP 400)", async (form, body) => {
    const other = new FakeOnlinesim({ key: KEY, pushErrorForm: form });
    const u = await other.start();
    try {
      expect(await call(u.pushSms, sms())).toEqual({ status: 400, body });
    } finally {
      await other.stop();
    }
  });

  it("refuses a wrong or missing key with 401 and never records the key", async () => {
    expect(await call(urls.pushSms, sms({ key: "wrong" }))).toEqual({ status: 401, body: { status: "ERROR", error: "ERROR_WRONG_KEY" } });
    expect(await call(urls.pushSms, sms({ key: undefined }))).toMatchObject({ status: 401, body: { error: "ERROR_NO_KEY" } });
    const seen = JSON.stringify(fake.log());
    expect(seen).not.toContain("wrong");
    expect(seen).not.toContain(KEY);
    expect(fake.stats().rejected).toHaveLength(2);
  });

  it("refuses a payload that breaks the schema with 400 and the problems", async () => {
    const r = await call(urls.pushSms, sms({ phone: "+79088081050", smsId: 0 }));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain("phone");
    expect(fake.log()[0]?.problems.some((p) => p.startsWith("smsId"))).toBe(true);
  });

  it("refuses invalid JSON and records a missing charset as a warning", async () => {
    const res = await fetch(urls.pushSms, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(res.status).toBe(400);
    await res.text();
    expect(fake.log()[0]?.warnings.join()).toContain("charset=utf-8");
  });

  it("accepts a gzip-encoded body (Q26) and warns when smsId is not the activationId (Q12)", async () => {
    fake.openOperation({ activationId: 7, number: "79088081050" });
    const res = await fetch(urls.pushSms, {
      method: "POST",
      headers: { ...JSON_UTF8, "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify(sms({ smsId: 8 }))),
    });
    expect(await res.json()).toEqual({ status: "SUCCESS" });
    expect(fake.log()[0]?.warnings).toEqual(["smsId 8 is not the operation's activationId 7 (Q12 default: activationId)"]);
  });

  it("PUSH_SMS (RENT) needs service RENT, on both documented paths", async () => {
    fake.openOperation({ activationId: 9, number: "79281234567" });
    const rent = { ...EXAMPLES.pushSmsRentRequest, key: KEY };
    expect((await call(urls.pushSmsRent, rent)).body).toEqual({ status: "SUCCESS" });
    expect((await call(`${urls.base}/pushSmsRent`, { ...rent, text: "other" })).body).toEqual({ status: "SUCCESS" });
    expect((await call(urls.pushSmsRent, sms({ phone: "79281234567" }))).status).toBe(400);
  });
});

describe("v2 reseller methods (docs/protocols/onlinesim-v2.md)", () => {
  const list = { numbers: [{ number: "+46050910804", country_id: 46, operator: 24012, date_start: 1658209063, port_id: "Port1", rent: 0 }] };

  it("needs the Bearer key: ERROR_NO_KEY / ERROR_WRONG_KEY with 401", async () => {
    expect(await call(`${urls.v2}/sendNumbersOnline`, list)).toEqual({ status: 401, body: { response: "ERROR_NO_KEY" } });
    expect(await call(`${urls.v2}/sendNumbersOnline`, list, { headers: { authorization: "Bearer nope" } })).toEqual({ status: 401, body: { response: "ERROR_WRONG_KEY" } });
    expect(JSON.stringify(fake.log())).not.toContain("nope");
  });

  it("sendNumbersOnline answers {response:1, ids} and keeps the list; the apikey query works too", async () => {
    const r = await call(`${urls.v2}/sendNumbersOnline`, list, { headers: bearer });
    expect(r).toEqual({ status: 200, body: { response: 1, ids: { "+46050910804": 1 } } });
    const again = await call(`${urls.v2}/sendNumbersOnline?apikey=${KEY}`, list);
    expect(again.body).toEqual({ response: 1, ids: { "+46050910804": 1 } });
    expect(fake.stats().v2).toMatchObject({ sendNumbersOnline: 2, lastNumbers: list.numbers });
    expect(JSON.stringify(fake.log())).not.toContain(KEY);
  });

  it("test1 saves nothing, test2 echoes the request (docs/protocols/onlinesim-v2.md#conventions)", async () => {
    expect((await call(`${urls.v2}/sendNumbersOnline`, { ...list, test: "test1" }, { headers: bearer })).body).toEqual({ response: 1 });
    expect((await call(`${urls.v2}/sendNumbersOnline`, { ...list, test: "test2" }, { headers: bearer })).body).toEqual({ response: 1, request: { ...list, test: "test2" } });
    expect(fake.stats().v2.lastNumbers).toEqual([]);
  });

  it("addMessage/addMessages store messages for listed numbers (number or id), 404 otherwise", async () => {
    await call(`${urls.v2}/sendNumbersOnline`, list, { headers: bearer });
    const m = { date: "1658209069", number: "+46050910804", from: "Instagram", message: "code 1" };
    expect((await call(`${urls.v2}/addMessage`, m, { headers: bearer })).body).toEqual({ response: 1 });
    expect((await call(`${urls.v2}/addMessages`, { messages: [m, { ...m, number: "1", message: "code 2" }] }, { headers: bearer })).body).toEqual({ response: 1 });
    const unknown = await call(`${urls.v2}/addMessage`, { ...m, number: "+4400000000" }, { headers: bearer });
    expect(unknown.status).toBe(404);
    expect(fake.stats().v2).toMatchObject({ addMessages: 1, messages: 3 });
    expect(fake.v2.messages.map((x) => x.message)).toEqual(["code 1", "code 1", "code 2"]);
  });

  it("rejects a malformed body with 400 and a string body", async () => {
    const r = await call(`${urls.v2}/addMessages`, { messages: [{ date: "1", number: "+46050910804", from: "x", text: "y" }] }, { headers: bearer });
    expect(r.status).toBe(400);
    expect(typeof r.body).toBe("string");
    expect(r.body).toContain("messages.0");
  });

  it("addNumber / removeNumber (DELETE) / checkWork; unknown method and wrong HTTP method → 405", async () => {
    expect((await call(`${urls.v2}/addNumber`, EXAMPLES.addNumberRequest, { headers: bearer })).body).toEqual({ response: 1, ids: { "+4695000051": 1 } });
    expect(fake.stats().v2.lastNumbers.map((n) => n.number)).toEqual(["+4695000051"]);
    expect((await call(`${urls.v2}/removeNumber`, { number: "+4695000051" }, { headers: bearer })).status).toBe(405);
    expect((await call(`${urls.v2}/removeNumber?number=%2B4695000051`, undefined, { method: "DELETE", headers: bearer })).body).toEqual({ response: 1 });
    expect(fake.stats().v2.lastNumbers).toEqual([]);
    expect((await call(`${urls.v2}/checkWork`, undefined, { method: "GET", headers: bearer })).body).toEqual({ response: 1 });
    expect(await call(`${urls.v2}/nope`, {}, { headers: bearer })).toEqual({ status: 405, body: { response: "REQUEST_NOT_FOUND" } });
  });
});

describe("failure injection", () => {
  it("5xx for the given number of times, then normal answers", async () => {
    fake.openOperation({ activationId: 7, number: "79088081050" });
    fake.fail({ path: "/v1/PUSH_SMS", status: 503, times: 2 });
    expect((await call(urls.pushSms, sms())).status).toBe(503);
    expect((await call(urls.pushSms, sms())).status).toBe(503);
    expect((await call(urls.pushSms, sms())).status).toBe(200);
    expect(fake.log().map((e) => e.injected !== undefined)).toEqual([true, true, false]);
    fake.fail({ path: "addMessages", status: 500 });
    expect((await call(`${urls.v2}/addMessages`, { messages: [] }, { headers: bearer })).status).toBe(500);
    expect(fake.log().at(-1)?.problems).toEqual([expect.stringContaining("messages")]); // validated even when a failure answers
    expect(fake.stats().pushSms).toBe(1);
  });

  it("a slow answer passes the caller's deadline; the late-processed SMS makes a retry a duplicate", async () => {
    fake.openOperation({ activationId: 7, number: "79088081050" });
    fake.fail({ path: "PUSH_SMS", delayMs: 400 });
    await expect(call(urls.pushSms, sms(), { timeoutMs: 100 })).rejects.toThrow();
    await until(() => fake.log()[0]?.status === 200, 3_000, "the held request to be handled");
    expect((await call(urls.pushSms, sms())).status).toBe(200);
    expect(fake.duplicates).toBe(1);
  });

  it("terminal PUSH_SMS errors and v2 errors with their documented HTTP codes", async () => {
    fake.openOperation({ activationId: 7, number: "79088081050" });
    fake.fail({ path: "PUSH_SMS", terminal: "BAD_SERVICE" });
    expect(await call(urls.pushSms, sms())).toEqual({ status: 200, body: { status: "BAD_SERVICE" } });
    expect(await call(urls.pushSms, sms())).toEqual({ status: 200, body: { status: "SUCCESS" } });
    expect(fake.stats().pushSmsAfterTerminal).toBe(1);
    fake.fail({ path: "addMessages", terminal: "ERROR_WRONG_KEY" });
    fake.fail({ path: "sendNumbersOnline", terminal: "API_ACCESS_IP" });
    expect(await call(`${urls.v2}/addMessages`, EXAMPLES.addMessagesRequest, { headers: bearer })).toEqual({ status: 401, body: { response: "ERROR_WRONG_KEY" } });
    expect(await call(`${urls.v2}/sendNumbersOnline`, { numbers: [] }, { headers: bearer })).toEqual({ status: 403, body: { response: "API_ACCESS_IP" } });
    expect(fake.failures.pending()).toEqual([]);
    fake.fail({ path: "PUSH_SMS", terminal: "ERROR_WRONG_KEY" });
    expect(await call(urls.pushSms, sms())).toEqual({ status: 401, body: { status: "ERROR", error: "ERROR_WRONG_KEY" } });
  });

  it("stop() releases an answer held by a long delay (no open handles)", async () => {
    fake.fail({ delayMs: 60_000 });
    const pending = call(urls.pushSms, sms(), { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await fake.stop();
    await pending;
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("echo: an error page with everything the request carried, unredacted; the fake's own log stays redacted", async () => {
    fake.fail({ path: "/v1/PUSH_SMS", echo: true });
    const res = await fetch(`${urls.pushSms}?apikey=${KEY}`, { method: "POST", headers: { ...JSON_UTF8, ...bearer }, body: JSON.stringify(sms()) });
    expect(res.status).toBe(500);
    const page = (await res.json()) as { error: string; received: { authorization: string; body: string; form: string; url: string; headers: Record<string, string> } };
    expect(page.error).toBe("INJECTED_ECHO");
    expect(page.received.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(page.received.body)).toMatchObject({ key: KEY, smsId: 7 });
    expect(new URLSearchParams(page.received.form).get("key")).toBe(KEY);
    expect(page.received.url).toBe(`/v1/PUSH_SMS?apikey=${KEY}`);
    expect(JSON.stringify(fake.log())).not.toContain(KEY);
    fake.fail({ path: "addMessages", echo: true, status: 400 });
    const v2 = await call(`${urls.v2}/addMessages`, EXAMPLES.addMessagesRequest, { headers: bearer });
    expect(v2).toMatchObject({ status: 400, body: { response: "INJECTED_ECHO", received: { authorization: `Bearer ${KEY}` } } });
  });

  it("goDown refuses connections on the same port until comeBack; state is kept", async () => {
    fake.openOperation({ activationId: 7, number: "79088081050" });
    expect((await call(urls.pushSms, sms())).status).toBe(200);
    await fake.goDown();
    expect(fake.isDown).toBe(true);
    const refused = await call(urls.pushSms, sms()).catch((e: unknown) => e as Error & { cause?: { code?: string } });
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe("ECONNREFUSED");
    await fake.comeBack();
    expect((await call(urls.pushSms, sms({ text: "after" }))).status).toBe(200);
    expect(fake.stats().pushSms).toBe(2);
  });

  it("answerDelayMs: the SMS is accepted at once, its answer leaves later; events report both moments", async () => {
    await fake.stop();
    fake = new FakeOnlinesim({ key: KEY, answerDelayMs: 300 });
    urls = await fake.start();
    fake.openOperation({ activationId: 7, number: "79088081050" });
    const arrived = once(fake.events, "request");
    const answered = once(fake.events, "answered");
    const reply = call(urls.pushSms, sms());
    await arrived;
    await until(() => fake.stats().pushSms === 1, 3_000, "acceptance");
    const acceptedAt = Date.now();
    const [entry] = (await answered) as [{ status: number }];
    expect(entry.status).toBe(200);
    expect(Date.now() - acceptedAt).toBeGreaterThanOrEqual(150);
    expect((await reply).status).toBe(200);
  });
});
