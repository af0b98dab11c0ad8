/**
 * V2Client against the fake over real HTTP: Bearer auth, URL joining, the answer classes
 * (ok / config / not-found / rejected / transient / aborted / unconfigured).
 */
import { freePort } from "../helpers/daemon.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeOnlinesim, type FakeOnlinesimUrls } from "../../src/onlinesim/fake/index.js";
import { V2Client } from "../../src/outbound/index.js";
import { captureLogger, KEY, v2Config } from "./helpers.js";

let fake: FakeOnlinesim;
let urls: FakeOnlinesimUrls;
beforeEach(async () => {
  fake = new FakeOnlinesim({ key: KEY });
  urls = await fake.start();
});
afterEach(async () => {
  await fake.stop();
});

const client = (over: { key?: string; baseUrl?: string | undefined; timeoutMs?: number; test?: "none" | "test1" | "test2" } = {}) =>
  new V2Client({
    key: over.key ?? KEY,
    v2: v2Config({ ...("baseUrl" in over ? (over.baseUrl === undefined ? {} : { baseUrl: over.baseUrl }) : { baseUrl: urls.base }), test: over.test ?? "none" }),
    logger: captureLogger().logger,
    ...(over.timeoutMs ? { timeoutMs: over.timeoutMs } : {}),
  });

const item = { number: "+79161234567", country_id: 7, operator: 25001, date_start: 1_790_000_000, port_id: "usb-1-1" };

describe("V2Client", () => {
  it("POSTs sendNumbersOnline with the Bearer key and JSON content type; returns the ids", async () => {
    const r = await client().sendNumbersOnline([item]);
    expect(r).toEqual({ ok: true, status: 200, body: { response: 1, ids: { "+79161234567": 1 } }, ids: { "+79161234567": 1 } });
    const seen = fake.recorder.on("sendNumbersOnline")[0]!;
    expect(seen).toMatchObject({ method: "POST", path: "/api/resellers/sendNumbersOnline", keyOk: true, problems: [], warnings: [] });
    expect(seen.headers["authorization"]).toBe("Bearer ***");
    expect(fake.v2.stats.lastNumbers).toEqual([item]);
  });

  it("accepts a baseUrl that already ends in /api/resellers (with or without a trailing slash)", async () => {
    expect(client({ baseUrl: `${urls.v2}/` }).url("addMessages")).toBe(`${urls.v2}/addMessages`);
    expect((await client({ baseUrl: urls.v2 }).checkWork()).ok).toBe(true);
    expect(fake.v2.stats.checkWork).toBe(1);
  });

  it("carries v2.test on sendNumbersOnline and addMessage (nothing is stored in test1)", async () => {
    const c = client({ test: "test1" });
    expect((await c.sendNumbersOnline([item])).ok).toBe(true);
    expect(fake.recorder.on("sendNumbersOnline")[0]!.body).toMatchObject({ test: "test1" });
    expect(fake.v2.stats.lastNumbers).toEqual([]);
  });

  it("removeNumber is a DELETE the fake applies; addNumber sends rent", async () => {
    const c = client();
    await c.sendNumbersOnline([item]);
    expect((await c.addNumber({ number: "+79161234568", country_id: 7, rent: 0 })).ok).toBe(true);
    expect((await c.removeNumber("+79161234567")).ok).toBe(true);
    expect(fake.recorder.on("removeNumber")[0]).toMatchObject({ method: "DELETE", problems: [] });
    expect(fake.v2.stats.lastNumbers.map((n) => n.number)).toEqual(["+79161234568"]);
  });

  it("a wrong key is a config error with the remedy", async () => {
    const r = await client({ key: "wrong-key-000" }).sendNumbersOnline([item]);
    expect(r).toMatchObject({ ok: false, kind: "config", code: "ERROR_WRONG_KEY", status: 401, remedy: expect.stringMatching(/SIMGATE_ONLINESIM_KEY/) });
  });

  it.each(["API_ACCESS_IP", "API_ACCESS_DISABLED", "ACCOUNT_BLOCKED", "ERROR_NO_KEY"] as const)("%s is a config error", async (code) => {
    fake.fail({ path: "sendNumbersOnline", terminal: code });
    const r = await client().sendNumbersOnline([item]);
    expect(r).toMatchObject({ ok: false, kind: "config", code });
  });

  it("REQUEST_NOT_FOUND (unknown method, HTTP 405) is not-found", async () => {
    fake.fail({ path: "addMessages", terminal: "REQUEST_NOT_FOUND" });
    expect(await client().addMessages([{ date: "1", number: "+79161234567", from: "x", message: "y" }])).toMatchObject({ ok: false, kind: "not-found", status: 405 });
  });

  it("a payload the fake refuses (400 string body) is rejected; an unlisted number (404) too", async () => {
    const bad = await client().sendNumbersOnline([{ ...item, number: "79161234567" }]);
    expect(bad).toMatchObject({ ok: false, kind: "rejected", status: 400, error: expect.stringMatching(/^HTTP 400: Bad Request: numbers\.0\.number/) });
    const unlisted = await client().addMessage({ date: "1", number: "+70000000000", from: "x", message: "y" });
    expect(unlisted).toMatchObject({ ok: false, kind: "rejected", status: 404 });
  });

  it("5xx, a slow answer and a refused connection are transient", async () => {
    fake.fail({ path: "checkWork", status: 503 });
    expect(await client().checkWork()).toMatchObject({ ok: false, kind: "transient", status: 503 });
    fake.fail({ path: "checkWork", delayMs: 5_000 });
    expect(await client({ timeoutMs: 150 }).checkWork()).toEqual({ ok: false, kind: "transient", status: null, error: "timeout after 150 ms", timedOut: true });
    const port = await freePort();
    expect(await client({ baseUrl: `http://127.0.0.1:${port}` }).checkWork()).toEqual({ ok: false, kind: "transient", status: null, error: "connection refused", timedOut: false });
  });

  it("an aborted call is 'aborted', and no baseUrl means no I/O at all", async () => {
    fake.fail({ path: "checkWork", delayMs: 5_000 });
    const controller = new AbortController();
    const pending = client().checkWork(controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, kind: "aborted" });
    const none = client({ baseUrl: undefined });
    expect(none.configured).toBe(false);
    expect(await none.checkWork()).toMatchObject({ ok: false, kind: "unconfigured" });
  });
});
