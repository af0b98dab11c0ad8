/**
 * `systemctl status simgate` says what the pool is doing now, not what it did at start:
 * "N/M ports sellable, K open activations, last SMS …", re-sent when it changes, at most
 * once per interval. The text and the rate limit in-process (fake timers); then the real
 * daemon under a fake $NOTIFY_SOCKET: READY=1, then STATUS= following the port map, an
 * order and an SMS.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { keepStatusCurrent, serviceStatusText, STATUS_CHECK_EVERY_MS } from "../../src/host/service-status.js";
import { startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";
import { startFakeNotifySocket, type FakeNotifySocket } from "./notify-socket.js";

describe("the STATUS= text", () => {
  const at = (h: number, m: number, s: number, day = 7) => new Date(2026, 11, day, h, m, s).getTime();

  it("counts sellable ports, open activations, and says when the last SMS came", () => {
    const now = at(14, 5, 0);
    expect(serviceStatusText({ states: ["ready", "ready", "no-sim", "ready"], openActivations: 1, lastSmsAt: at(14, 3, 7) }, now)).toBe("3/4 ports sellable, 1 open activation, last SMS 14:03:07");
    expect(serviceStatusText({ states: [], openActivations: 0, lastSmsAt: null }, now)).toBe("0/0 ports sellable, 0 open activations, last SMS none yet");
    expect(serviceStatusText({ states: ["ready"], openActivations: 2, lastSmsAt: at(23, 59, 1, 6) }, now)).toBe("1/1 ports sellable, 2 open activations, last SMS 2026-12-06 23:59:01");
  });
});

describe("keepStatusCurrent", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a change, a burst as one message after the interval, nothing when unchanged", async () => {
    vi.useFakeTimers();
    let text = "0/8 ports sellable";
    const sent: string[] = [];
    let wake: () => void = () => {};
    const stop = keepStatusCurrent({ text: () => text, send: async (t) => void sent.push(t), subscribe: (w) => ((wake = w), () => (wake = () => {})), initial: text, minIntervalMs: 5_000 });

    // 64 ports coming up: many events within the interval after READY, one message at its end with the latest text.
    for (let n = 1; n <= 8; n++) {
      text = `${n}/8 ports sellable`;
      wake();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual(["8/8 ports sellable"]);

    // Events that change nothing send nothing.
    wake();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sent).toHaveLength(1);

    // A change without an event (an activation opened through the partner endpoint) is found by the periodic check.
    text = "8/8 ports sellable, 1 open activation";
    await vi.advanceTimersByTimeAsync(STATUS_CHECK_EVERY_MS + 5_000);
    expect(sent.at(-1)).toBe(text);

    stop();
    text = "after stop";
    wake();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).not.toContain("after stop");
  });
});

describe("simgate run under a fake NOTIFY_SOCKET", () => {
  let socket: FakeNotifySocket | undefined;
  let daemon: DaemonProcess | undefined;

  afterEach(async () => {
    await daemon?.proc.stop();
    await socket?.close();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("READY=1, then STATUS= follows the port map, an order and an SMS", async () => {
    socket = await startFakeNotifySocket();
    daemon = await startDaemonProcess({ modems: 6, env: { NOTIFY_SOCKET: socket.address }, config: { engine: { services: ["telegram"] } } });
    await socket.waitFor((m) => m.some((fields) => fields.includes("READY=1")), 30_000);
    const statuses = () => socket!.messages().flatMap((fields) => fields.filter((f) => f.startsWith("STATUS=")).map((f) => f.slice("STATUS=".length)));
    const lastStatus = () => statuses().at(-1) ?? "";

    // The map settles after READY (numbers learned by USSD come later): STATUS= catches up.
    const ports = await waitSettled(daemon, 4);
    const ready = ports.filter((p) => p.state === "ready").length;
    await socket.waitFor(() => lastStatus().startsWith(`${ready}/${ports.length} ports sellable, 0 open activations, last SMS none yet`), 30_000);

    // An order: picked up by the periodic check (no port event says so).
    const services = await daemon.partner({ action: "GET_SERVICES", key: "e2e-partner-key-0123" });
    const country = services.json.countryList[0];
    const order = await daemon.partner({ action: "GET_NUMBER", key: "e2e-partner-key-0123", country: country.country, operator: "any", service: "telegram", sum: 5 });
    expect(order.json.status).toBe("SUCCESS");
    await socket.waitFor(() => lastStatus().includes(", 1 open activation, "), STATUS_CHECK_EVERY_MS * 3);

    // An SMS: the port event sends it at once (within the rate limit).
    expect((await daemon.adminPost("/api/simulator/sms", { number: `+${order.json.number}`, sender: "Telegram", text: "code 12345" })).status).toBe(200);
    await socket.waitFor(() => /, last SMS \d\d:\d\d:\d\d$/.test(lastStatus()), 30_000);
    // Never one STATUS per port event: far fewer messages than ports changed state.
    expect(statuses().length).toBeLessThan(12);
  }, 150_000);
});
