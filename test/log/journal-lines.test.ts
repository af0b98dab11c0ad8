/**
 * `journalctl -u simgate` must read well (issue 7, part 4). The real daemon with
 * SIMGATE_LOG_FORMAT=journal (what it picks by itself when systemd connects stdout to the
 * journal) and an in-process fake Onlinesim: SIMs arrive, numbers are learned, Onlinesim
 * orders a number, an SMS arrives, it is pushed, the activation is finished. Each of those
 * is one clear `<priority>message key=value …` line carrying the port and/or the number,
 * and the Onlinesim key appears nowhere.
 */
import { once } from "node:events";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import type { LongRunning } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

/** Every stdout line the process wrote (call after it exited). */
async function allLines(proc: LongRunning): Promise<string[]> {
  const stdout = proc.child.stdout!;
  if (!stdout.destroyed) await once(stdout, "close");
  // LongRunning only hands out "the first n lines": find the largest n it has.
  const has = (n: number) => proc.lines(n, 0).then(() => true, () => false);
  let hi = 1;
  while (await has(hi)) hi *= 2;
  let lo = hi / 2;
  if (lo < 1) return [];
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await has(mid)) lo = mid;
    else hi = mid;
  }
  return proc.lines(lo, 0);
}

/** `key=value` (bare or quoted) of a journal line. */
function field(line: string, key: string): string | undefined {
  const m = line.match(new RegExp(`(?:^|\\s)${key.replace(/[.]/g, "\\.")}=("(?:[^"\\\\]|\\\\.)*"|\\S*)`));
  if (!m) return undefined;
  return m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : m[1];
}

describe("journal lines of a running daemon (SIMGATE_LOG_FORMAT=journal)", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess | undefined;
  let lines: string[] = [];
  let order: { number: string; activationId: number } | undefined;
  let ports: any[] = [];

  beforeAll(async () => {
    const partnerPort = await freePort();
    fake = new FakeOnlinesim({ key: E2E_KEY, marketplace: { partnerUrl: `http://127.0.0.1:${partnerPort}`, pollMs: 0, orderEveryMs: 0, autoFinish: false, exceptionRate: 0, moduleCount: 4 } });
    await fake.start();
    daemon = await startDaemonProcess({
      modems: 4,
      partnerPort,
      env: { SIMGATE_LOG_FORMAT: "journal", SIMGATE_LOG_LEVEL: "" },
      config: { onlinesim: { mode: "v1", push: { url: fake.urls.pushSms, rentUrl: fake.urls.pushSmsRent, retryMs: 1000 } }, engine: { services: ["telegram"] } },
    });
    await waitSettled(daemon, 3);
    ports = (await daemon.status()).ports;

    expect(await fake.marketplace!.pollOnce()).toBe(true);
    const op = await fake.marketplace!.orderOnce();
    expect(op).toBeDefined();
    order = { number: op!.number, activationId: op!.activationId };
    const sms = await daemon.adminPost("/api/simulator/sms", { number: `+${op!.number}`, sender: "Telegram", text: `Telegram code 48213 ${E2E_KEY}` });
    expect(sms.status).toBe(200);
    const pushed = () => fake.log().some((r) => r.path === "/v1/PUSH_SMS" && (r.body as any)?.smsId === op!.activationId && r.status === 200 && !r.injected);
    await waitFor("the PUSH_SMS", () => pushed() || undefined, 20_000);
    expect(await fake.marketplace!.finish(op!.activationId, 3)).toBe(true);
    await daemon.proc.stop();
    lines = await allLines(daemon.proc);
  }, 120_000);

  afterAll(async () => {
    await daemon?.proc.stop();
    await fake?.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  const info = () => lines.filter((l) => l.startsWith("<6>"));
  const withEvent = (event: string) => lines.filter((l) => field(l, "event") === event);
  const sold = () => ports.find((p) => p.number?.replace(/^\+/, "") === order!.number.replace(/^\+/, ""));

  it("every line is `<priority>message key=value …`: no JSON, no key, nothing from debug at the default level", () => {
    expect(lines.length).toBeGreaterThan(20);
    for (const l of lines) {
      expect(l).toMatch(/^<[2-6]>[^{<\s]/);
      expect(l).not.toContain(E2E_KEY);
    }
  });

  it("a SIM arriving: one line per SIM with its port and ICCID", () => {
    const withSim = ports.filter((p) => p.iccid);
    expect(withSim.length).toBeGreaterThanOrEqual(3);
    for (const p of withSim) {
      const arrived = info().filter((l) => l.startsWith("<6>SIM arrived ") && field(l, "port") === p.id);
      expect(arrived, p.id).toHaveLength(1);
      expect(field(arrived[0]!, "iccid")).toBe(p.iccid);
    }
  });

  it("a number learned: one line per number with port, ICCID and number", () => {
    for (const p of ports.filter((x) => x.number)) {
      const learned = lines.filter((l) => /number learned|own number/i.test(l) && field(l, "port") === p.id);
      expect(learned, p.id).toHaveLength(1);
      expect(learned[0]).toMatch(/^<6>number learned port=\S+ iccid=\d+ number=\+\d+/);
      expect(field(learned[0]!, "number")).toBe(p.number);
    }
  });

  it("an order: one line naming the number, the port and the activation", () => {
    const opened = withEvent("activation-opened");
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatch(/^<6>number issued /);
    expect(field(opened[0]!, "number")?.replace(/^\+/, "")).toBe(order!.number.replace(/^\+/, ""));
    expect(field(opened[0]!, "port") ?? field(opened[0]!, "portId")).toBe(sold().id);
    expect(field(opened[0]!, "activationId")).toBe(String(order!.activationId));
  });

  it("an SMS: one line with its port and number and sender, not its text", () => {
    const received = withEvent("sms-received");
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/^<6>SMS from Telegram port=\S+ iccid=\d+ number=\+\d+ /);
    expect(field(received[0]!, "port")).toBe(sold().id);
    expect(received[0]).not.toContain("48213");
  });

  it("a finish: one line with the activation, its status and the number", () => {
    const closed = withEvent("activation-closed");
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatch(/^<6>activation closed /);
    expect(field(closed[0]!, "activationId")).toBe(String(order!.activationId));
    expect(field(closed[0]!, "status")).toBe("3");
    expect((field(closed[0]!, "number") ?? field(closed[0]!, "usage.number"))?.replace(/^\+/, "")).toBe(order!.number.replace(/^\+/, ""));
  });

  // src/outbound/push-sms-sender.ts logs the accepted PUSH_SMS at info with the activation and number.
  it("a push: one info line for the delivered PUSH_SMS", () => {
    const pushed = info().filter((l) => /PUSH_SMS/.test(l) && /deliver/i.test(l) && field(l, "activationId") === String(order!.activationId));
    expect(pushed).toHaveLength(1);
  });
});
