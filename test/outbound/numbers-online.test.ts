/**
 * NumbersOnlinePublisher against the fake over real HTTP: the list at start, fast withdrawal,
 * debounced additions, the periodic push, backoff with loud config errors, incremental diffs
 * with their fallbacks, no baseUrl, and withdraw-on-stop.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { FakeOnlinesim, type FakeOnlinesimUrls } from "../../src/onlinesim/fake/index.js";
import { NumbersOnlinePublisher, V2Client, type LiveNumber, type NumbersOnlineOptions } from "../../src/outbound/index.js";
import { captureLogger, KEY, sleep, until, v2Config } from "./helpers.js";

let fake: FakeOnlinesim;
let urls: FakeOnlinesimUrls;
const stops: Array<() => Promise<void>> = [];
beforeEach(async () => {
  fake = new FakeOnlinesim({ key: KEY });
  urls = await fake.start();
});
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
  await fake.stop();
});

const SINCE = 1_790_000_000_000;
const num = (n: number, over: Partial<LiveNumber> = {}): LiveNumber => ({ number: `7916000000${n}`, mcc: "250", mnc: "01", portId: `usb-1-${n}`, since: SINCE + n * 1000, ...over });

function publisher(live: { set: LiveNumber[] }, v2: Partial<Config["onlinesim"]["v2"]> = {}, over: Partial<NumbersOnlineOptions> = {}) {
  const log = captureLogger();
  const cfg = v2Config({ baseUrl: urls.base, ...v2 });
  const client = new V2Client({ key: KEY, v2: cfg, logger: log.logger, timeoutMs: 2_000 });
  const p = new NumbersOnlinePublisher({ client, v2: cfg, source: () => live.set, logger: log.logger, random: () => 0.5, withdrawOnStop: false, ...over });
  stops.push(() => p.stop());
  return { p, log };
}

const lists = () => fake.recorder.on("sendNumbersOnline").filter((e) => e.status === 200);
const listed = () => fake.v2.stats.lastNumbers.map((n) => n.number);

describe("NumbersOnlinePublisher", () => {
  it("pushes the full list at start in the documented shape (the fake validates it)", async () => {
    const live = { set: [num(2), num(1, { mcc: "310", mnc: "260", number: "12025550101" })] };
    const { p } = publisher(live);
    p.start();
    await until(() => p.stats().pushes === 1);
    expect(fake.v2.stats.lastNumbers).toEqual([
      { number: "+12025550101", country_id: 1, operator: 310260, date_start: (SINCE + 1000) / 1000, port_id: "usb-1-1" },
      { number: "+79160000002", country_id: 7, operator: 25001, date_start: (SINCE + 2000) / 1000, port_id: "usb-1-2" },
    ]);
    expect(fake.recorder.on("sendNumbersOnline")[0]).toMatchObject({ problems: [], warnings: [], keyOk: true });
    expect(p.stats()).toMatchObject({ pushes: 1, failures: 0, lastAcceptedCount: 2, lastError: null, mode: "full", withdrawalPending: false });
    expect(p.stats().lastPushAt).toBeGreaterThan(0);
    expect(p.ids()).toEqual({ "+12025550101": expect.any(Number), "+79160000002": expect.any(Number) });
  });

  it("withdraws a removed number well within debounceMs", async () => {
    const live = { set: [num(1), num(2)] };
    const { p } = publisher(live, { debounceMs: 2_000 });
    p.start();
    await until(() => p.stats().pushes === 1);
    live.set = [num(1)];
    const t0 = Date.now();
    p.changed();
    expect(p.stats().withdrawalPending).toBe(true);
    await until(() => p.stats().pushes === 2, 2_000, "the withdrawal");
    // Well before the 2 s debounce an addition would wait (the withdrawal delay is 200 ms).
    expect(lists()[1]!.at - t0).toBeLessThan(1_500);
    expect(listed()).toEqual(["+79160000001"]);
    expect(p.stats().withdrawalPending).toBe(false);
  });

  it("pushes an addition after debounceMs, coalescing changes, and never postpones the deadline", async () => {
    const live = { set: [num(1)] };
    const { p } = publisher(live, { debounceMs: 400 });
    p.start();
    await until(() => p.stats().pushes === 1);
    const t0 = Date.now();
    live.set = [num(1), num(2)];
    p.changed();
    await sleep(200);
    live.set = [num(1), num(2), num(3)];
    p.changed(); // a later change must not push the first deadline out
    await sleep(100);
    expect(lists()).toHaveLength(1);
    await until(() => lists().length === 2, 2_000, "the debounced push");
    expect(lists()[1]!.at - t0).toBeGreaterThanOrEqual(390);
    expect(lists()[1]!.at - t0).toBeLessThan(700);
    expect(listed()).toEqual(["+79160000001", "+79160000002", "+79160000003"]);
    await sleep(500);
    expect(lists()).toHaveLength(2);
  });

  it("does not push when changed() finds the accepted list", async () => {
    const live = { set: [num(1)] };
    const { p } = publisher(live, { debounceMs: 50 });
    p.start();
    await until(() => p.stats().pushes === 1);
    p.changed();
    live.set = [{ ...num(1) }];
    p.changed();
    await sleep(250);
    expect(lists()).toHaveLength(1);
  });

  it("pushes the full list every sendNumbersOnlineMs even when nothing changed", async () => {
    const { p } = publisher({ set: [num(1)] }, { sendNumbersOnlineMs: 250, jitterMs: 50 });
    p.start();
    await until(() => lists().length === 4, 3_000, "three periodic pushes");
    const at = lists().map((e) => e.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(190);
  });

  it("a config error (API_ACCESS_IP) is logged at error with the remedy and backs off to ~10 s, not a hot loop", async () => {
    fake.fail({ path: "sendNumbersOnline", terminal: "API_ACCESS_IP", times: Infinity });
    const { p, log } = publisher({ set: [num(1)] }, { sendNumbersOnlineMs: 100 });
    p.start();
    await until(() => p.stats().failures === 1);
    await sleep(400);
    expect(fake.recorder.on("sendNumbersOnline")).toHaveLength(1);
    const [line] = log.at("error");
    expect(line!.msg).toMatch(/^Onlinesim v2 sendNumbersOnline: API_ACCESS_IP: .*add this host's public IP in the Onlinesim cabinet.*; retrying in 9\.0 s/);
    expect(p.stats().lastError).toBe("sendNumbersOnline: API_ACCESS_IP (HTTP 403)");
  });

  it("retries 5xx with growing backoff and recovers", async () => {
    fake.fail({ path: "sendNumbersOnline", status: 503, times: 2 });
    const { p, log } = publisher({ set: [num(1)] }, {}, { withdrawRetryMaxMs: 60_000 });
    p.start();
    await until(() => p.stats().pushes === 1, 5_000, "recovery");
    const at = fake.recorder.on("sendNumbersOnline").map((e) => e.at);
    expect(at).toHaveLength(3);
    // random 0.5 with 20 % jitter: 900 ms, then 1800 ms
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(850);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1_700);
    expect(p.stats()).toMatchObject({ pushes: 1, failures: 2 });
    expect(log.lines.filter((l) => /sendNumbersOnline failed: HTTP 503/.test(l.msg))).toHaveLength(2);
  });

  it("retries a failed withdrawal quickly (capped at withdrawRetryMaxMs)", async () => {
    const live = { set: [num(1), num(2)] };
    const { p, log } = publisher(live, {}, { withdrawRetryMaxMs: 150 });
    p.start();
    await until(() => p.stats().pushes === 1);
    fake.fail({ path: "sendNumbersOnline", status: 500, times: 3 });
    live.set = [num(1)];
    p.changed();
    await until(() => lists().length === 2, 2_000, "the withdrawal despite 3 failures");
    expect(listed()).toEqual(["+79160000001"]);
    expect(log.at("error").filter((l) => /may still list a number that is not live/.test(l.msg))).toHaveLength(3);
  });

  it("leaves out a number whose country is unknown, with one warning", async () => {
    const live = { set: [num(1), num(2, { number: "2101234567", mcc: null })] };
    const { p, log } = publisher(live, { sendNumbersOnlineMs: 150 });
    p.start();
    await until(() => lists().length === 3);
    expect(listed()).toEqual(["+79160000001"]);
    expect(log.at("warn").filter((l) => /2101234567 left out/.test(l.msg))).toHaveLength(1);
  });

  it("sends nothing without a baseUrl and says so once", async () => {
    const log = captureLogger();
    const cfg = v2Config({ sendNumbersOnlineMs: 100 });
    const p = new NumbersOnlinePublisher({ client: new V2Client({ key: KEY, v2: cfg, logger: log.logger }), v2: cfg, source: () => [num(1)], logger: log.logger });
    stops.push(() => p.stop());
    p.start();
    p.changed();
    await sleep(250);
    expect(fake.log()).toHaveLength(0);
    expect(log.at("warn").map((l) => l.msg)).toEqual(["onlinesim.v2.baseUrl not set: the number list is not sent to Onlinesim"]);
  });

  it("stop() is bounded: a hanging push is aborted and nothing runs afterwards", async () => {
    fake.fail({ path: "sendNumbersOnline", delayMs: 20_000 });
    const { p } = publisher({ set: [num(1)] }, { sendNumbersOnlineMs: 100 }, { stopTimeoutMs: 150, withdrawOnStop: true });
    p.start();
    await until(() => fake.recorder.on("sendNumbersOnline").length === 1);
    const t0 = Date.now();
    await p.stop();
    expect(Date.now() - t0).toBeLessThan(1_000);
    p.changed();
    await sleep(300);
    // Nothing was accepted, so there is nothing to withdraw, and no timer fires after stop.
    expect(fake.recorder.on("sendNumbersOnline")).toHaveLength(1);
    expect(p.stats()).toMatchObject({ pushes: 0, failures: 0 });
  });

  it("stop() withdraws every number by default", async () => {
    const { p } = publisher({ set: [num(1), num(2)] }, {}, { withdrawOnStop: true });
    p.start();
    await until(() => p.stats().pushes === 1);
    await p.stop();
    expect(lists()).toHaveLength(2);
    expect(fake.v2.stats.lastNumbers).toEqual([]);
    expect(p.stats().lastAcceptedCount).toBe(0);
  });
});

describe("NumbersOnlinePublisher, incremental (v2.incremental)", () => {
  it("starts with a full list, then sends removeNumber/addNumber diffs and checkWork as the liveness tick", async () => {
    const live = { set: [num(1), num(2)] };
    const { p } = publisher(live, { incremental: true, debounceMs: 50, sendNumbersOnlineMs: 300 });
    p.start();
    await until(() => p.stats().pushes === 1);
    live.set = [num(1), num(3)];
    p.changed();
    await until(() => p.stats().pushes === 2, 2_000, "the diff");
    expect(fake.v2.stats).toMatchObject({ addNumber: 1, removeNumber: 1, sendNumbersOnline: 1 });
    expect(listed().sort()).toEqual(["+79160000001", "+79160000003"]);
    const order = fake.log().map((e) => e.path.split("/").pop());
    expect(order.indexOf("removeNumber")).toBeLessThan(order.indexOf("addNumber")); // withdrawal first
    expect(fake.recorder.on("addNumber")[0]!.body).toEqual({ number: "+79160000003", country_id: 7, operator: 25001, date_start: (SINCE + 3000) / 1000, port_id: "usb-1-3", rent: 0 });
    await until(() => p.stats().checkWorks >= 1, 2_000, "checkWork");
    expect(fake.v2.stats.checkWork).toBeGreaterThanOrEqual(1);
    expect(lists()).toHaveLength(1);
    expect(p.stats()).toMatchObject({ mode: "incremental", pushes: 2, failures: 0 });
  });

  it("falls back to a full sendNumbersOnline when a diff call fails", async () => {
    const live = { set: [num(1), num(2)] };
    const { p } = publisher(live, { incremental: true, debounceMs: 50 });
    p.start();
    await until(() => p.stats().pushes === 1);
    fake.fail({ path: "removeNumber", status: 500 });
    live.set = [num(1)];
    p.changed();
    await until(() => lists().length === 2, 2_000, "the fallback list");
    expect(listed()).toEqual(["+79160000001"]);
    expect(p.stats().mode).toBe("incremental");
  });

  it("switches to full lists for good when Onlinesim does not know addNumber", async () => {
    const live = { set: [num(1)] };
    const { p, log } = publisher(live, { incremental: true, debounceMs: 50 });
    p.start();
    await until(() => p.stats().pushes === 1);
    fake.fail({ path: "addNumber", terminal: "REQUEST_NOT_FOUND" });
    live.set = [num(1), num(2)];
    p.changed();
    await until(() => lists().length === 2, 2_000, "the fallback list");
    expect(p.stats().mode).toBe("full");
    expect(log.at("warn").some((l) => /does not know addNumber: using full sendNumbersOnline lists/.test(l.msg))).toBe(true);
    live.set = [num(1), num(2), num(3)];
    p.changed();
    await until(() => lists().length === 3, 2_000, "a full list for the next change");
    expect(fake.v2.stats.addNumber).toBe(0);
  });
});
