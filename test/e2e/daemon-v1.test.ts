/**
 * End to end, v1: the real daemon process (`simgate run --simulate 8`) on simulated modems
 * over pseudo-terminals, the fake Onlinesim over real HTTP buying from it and receiving
 * its PUSH_SMS. Services → order → SMS injected at the modem → PUSH_SMS with the exact
 * text → FINISH with every status → counts right; Onlinesim down then back; SIGKILL.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { E2E_KEY, freePort, readyPorts, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const SERVICES = ["telegram", "whatsapp"];

function anyCount(services: any, service: string): number {
  return (services.countryList as any[]).reduce((sum, c) => sum + (c.operatorMap.any[service] ?? 0), 0);
}

describe("simgate run --simulate 8 with the fake Onlinesim (v1)", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess;
  let partnerPort: number;
  const dirs: string[] = [];

  const config = () => ({
    onlinesim: { mode: "v1", push: { url: fake.urls.pushSms, rentUrl: fake.urls.pushSmsRent, retryMs: 1000 } },
    engine: { services: SERVICES },
  });
  /** One Onlinesim order round: refresh the offers (GET_SERVICES), then GET_NUMBER. */
  const order = async () => {
    expect(await fake.marketplace!.pollOnce()).toBe(true);
    return fake.marketplace!.orderOnce();
  };
  const pushesFor = (activationId: number) => fake.log().filter((r) => r.path === "/v1/PUSH_SMS" && (r.body as any)?.smsId === activationId && r.status === 200 && !r.injected);

  beforeAll(async () => {
    partnerPort = await freePort();
    fake = new FakeOnlinesim({ key: E2E_KEY, marketplace: { partnerUrl: `http://127.0.0.1:${partnerPort}`, pollMs: 0, orderEveryMs: 0, autoFinish: false, exceptionRate: 0, moduleCount: 8 } });
    await fake.start();
    daemon = await startDaemonProcess({ config: config(), partnerPort });
    dirs.push(daemon.stateDir);
    await waitSettled(daemon, 3);
  }, 120_000);

  afterAll(async () => {
    await daemon?.proc.stop();
    await fake?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("answers GET_SERVICES with a count per ready SIM, never more than the modules", async () => {
    const ready = await readyPorts(daemon);
    const { status, json } = await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY });
    expect(status).toBe(200);
    expect(json.status).toBe("SUCCESS");
    for (const s of SERVICES) expect(anyCount(json, s)).toBe(ready.length);
    expect(await fake.marketplace!.pollOnce()).toBe(true);
    expect(fake.stats().violations).toBe(0);
  });

  it("refuses a wrong key with 401 and a JSON error, and keeps serving", async () => {
    const { status, json } = await daemon.partner({ action: "GET_SERVICES", key: "wrong-key-123" });
    expect(status).toBe(401);
    expect(json.status).toBe("ERROR");
    expect((await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY })).status).toBe(200);
  });

  it("full cycle: order → SMS at the modem → PUSH_SMS with the exact text → FINISH 3 → counts right", async () => {
    const before = await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY });
    const op = await order();
    expect(op).toBeDefined();
    const text = "Telegram code 48213. Не сообщайте код 👋";
    const injected = await daemon.adminPost("/api/simulator/sms", { number: `+${op!.number}`, sender: "Telegram", text });
    expect(injected.status).toBe(200);
    const [push] = await waitFor("the PUSH_SMS", () => (pushesFor(op!.activationId).length > 0 ? pushesFor(op!.activationId) : undefined), 15_000);
    expect(push!.body).toMatchObject({ action: "PUSH_SMS", smsId: op!.activationId, phone: op!.number, phoneFrom: "Telegram", text });
    expect(push!.problems).toEqual([]);
    // While the activation is open the number is busy for every service.
    const during = await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY });
    for (const s of SERVICES) expect(anyCount(during.json, s)).toBe(anyCount(before.json, s) - 1);
    expect(await fake.marketplace!.finish(op!.activationId, 3)).toBe(true);
    const after = await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY });
    // Sold for this service: not offered for it again; free again for the others.
    expect(anyCount(after.json, op!.service)).toBe(anyCount(before.json, op!.service) - 1);
    for (const s of SERVICES.filter((x) => x !== op!.service)) expect(anyCount(after.json, s)).toBe(anyCount(before.json, s));
    expect(fake.stats().pushSmsDuplicates).toBe(0);
  }, 60_000);

  it("FINISH with statuses 1, 4 and 5 releases the number; a repeated FINISH answers SUCCESS", async () => {
    for (const status of [1, 4, 5] as const) {
      const op = await order();
      expect(op, `order for status ${status}`).toBeDefined();
      expect(await fake.marketplace!.finish(op!.activationId, status)).toBe(true);
      const again = await daemon.partner({ action: "FINISH_ACTIVATION", activationId: op!.activationId, status, key: E2E_KEY });
      expect(again.json).toEqual({ status: "SUCCESS" });
    }
    expect(fake.stats().finishes).toMatchObject({ 1: 1, 3: 1, 4: 1, 5: 1 });
    expect(fake.stats().violations).toBe(0);
  }, 60_000);

  it("Onlinesim down for a while: the SMS is delivered once when it is back", async () => {
    const op = await order();
    expect(op).toBeDefined();
    fake.fail({ path: "/v1/PUSH_SMS", status: 503, times: Infinity });
    const text = `down-then-up ${Date.now()}`;
    await daemon.adminPost("/api/simulator/sms", { number: `+${op!.number}`, sender: "WhatsApp", text });
    await waitFor("a refused attempt", () => fake.log().some((r) => r.path === "/v1/PUSH_SMS" && r.injected && (r.body as any)?.text === text) || undefined, 15_000);
    fake.clearFailures();
    await waitFor("the retried PUSH_SMS", () => pushesFor(op!.activationId).length > 0 || undefined, 15_000);
    // Give a duplicate every chance to show up (two retry periods), then count.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(pushesFor(op!.activationId)).toHaveLength(1);
    expect(pushesFor(op!.activationId)[0]!.body).toMatchObject({ text, phone: op!.number });
    expect(await fake.marketplace!.finish(op!.activationId, 3)).toBe(true);
  }, 60_000);

  it("SIGKILL mid-flight: after restart the open activation, its undelivered SMS and its number's busy state are intact", async () => {
    const op = await order();
    expect(op).toBeDefined();
    fake.fail({ path: "/v1/PUSH_SMS", status: 500, times: Infinity });
    const text = `survives SIGKILL ${Date.now()}`;
    await daemon.adminPost("/api/simulator/sms", { number: `+${op!.number}`, sender: "Google", text });
    await waitFor("a refused attempt", () => fake.log().some((r) => r.injected && (r.body as any)?.text === text) || undefined, 15_000);
    daemon.proc.child.kill("SIGKILL");
    await daemon.proc.exited;
    fake.clearFailures();
    daemon = await startDaemonProcess({ config: config(), partnerPort, stateDir: daemon.stateDir });
    await waitFor("the PUSH_SMS after restart", () => pushesFor(op!.activationId).length > 0 || undefined, 30_000);
    expect(pushesFor(op!.activationId)[0]!.body).toMatchObject({ text, phone: op!.number });
    // The number is still busy: no second order gets it while the first is open.
    await waitSettled(daemon, 3);
    const issued = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const o = await order();
      if (o) issued.add(o.number);
    }
    expect(issued.has(op!.number)).toBe(false);
    expect(await fake.marketplace!.finish(op!.activationId, 3)).toBe(true);
  }, 120_000);

  it("stops cleanly on SIGTERM", async () => {
    const code = await daemon.proc.stop();
    expect(code).toBe(0);
    expect(daemon.proc.stderr()).not.toContain(E2E_KEY);
  }, 20_000);
});
