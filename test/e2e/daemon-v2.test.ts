/**
 * End to end, v2 reseller push: the real daemon process on simulated modems pushes its
 * live numbers to the fake Onlinesim (sendNumbersOnline), withdraws a SIM that is pulled
 * within seconds, lists it again when it is back, and forwards SMS with addMessages.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { E2E_KEY, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

describe("simgate run --simulate 8 with the fake Onlinesim (v2)", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess;
  let ready: any[];

  const listed = () => new Set(fake.stats().v2.lastNumbers.map((n) => n.number));

  beforeAll(async () => {
    fake = new FakeOnlinesim({ key: E2E_KEY });
    await fake.start();
    daemon = await startDaemonProcess({
      config: { onlinesim: { mode: "v2", v2: { baseUrl: fake.urls.v2, debounceMs: 500, addMessagesBatchMs: 300 } } },
    });
    ready = await waitSettled(daemon, 3);
  }, 120_000);

  afterAll(async () => {
    await daemon?.proc.stop();
    await fake?.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("lists exactly the sellable numbers, in the documented shape", async () => {
    const want = new Set(ready.map((p) => p.number));
    await waitFor("the full list", () => {
      const got = listed();
      return got.size === want.size && [...want].every((n) => got.has(n)) ? true : undefined;
    });
    const entry = fake.stats().v2.lastNumbers[0]!;
    expect(entry.number).toMatch(/^\+\d+$/);
    expect(entry.country_id).toBeGreaterThan(0);
    expect(fake.stats().rejected).toEqual([]);
  });

  it("withdraws a pulled SIM within 5 s and lists it again when it is back", async () => {
    const port = ready[0];
    const pulledAt = Date.now();
    expect((await daemon.adminPost(`/api/simulator/ports/${encodeURIComponent(port.id)}/pull-sim`, {})).status).toBe(200);
    await waitFor("the withdrawal", () => !listed().has(port.number) || undefined, 5_000, 20);
    const withdrawalMs = Date.now() - pulledAt;
    expect(withdrawalMs).toBeLessThanOrEqual(5_000);
    expect((await daemon.adminPost(`/api/simulator/ports/${encodeURIComponent(port.id)}/insert-sim`, {})).status).toBe(200);
    await waitFor("the number listed again", () => listed().has(port.number) || undefined, 20_000);
  }, 40_000);

  it("forwards an SMS on a live number with addMessages, exact text, once", async () => {
    const port = ready[1];
    const text = `Ваш код 7731 — v2 ${Date.now()} ✅`;
    expect((await daemon.adminPost("/api/simulator/sms", { number: port.number, sender: "Instagram", text })).status).toBe(200);
    const [item] = await waitFor("addMessages", () => {
      const hits = fake.v2.messages.filter((m) => m.message === text);
      return hits.length > 0 ? hits : undefined;
    });
    expect(item).toMatchObject({ number: port.number, from: "Instagram", message: text });
    expect(Number(item!.date)).toBeGreaterThan(1_600_000_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(fake.v2.messages.filter((m) => m.message === text)).toHaveLength(1);
  }, 30_000);

  it("an SMS arriving while Onlinesim's v2 API fails is sent once it recovers", async () => {
    const port = ready[2];
    fake.fail({ path: "addMessages", status: 503, times: 3 });
    const text = `after the outage ${Date.now()}`;
    await daemon.adminPost("/api/simulator/sms", { number: port.number, sender: "Viber", text });
    await waitFor("the message after retries", () => fake.v2.messages.some((m) => m.message === text) || undefined, 30_000);
    expect(fake.v2.messages.filter((m) => m.message === text)).toHaveLength(1);
  }, 40_000);

  it("withdraws every number on a clean stop (a stopped gateway has nothing live)", async () => {
    expect(await daemon.proc.stop()).toBe(0);
    expect(fake.stats().v2.lastNumbers).toEqual([]);
  }, 20_000);
});
