import { once } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { AtChannel, AtChannelOptions } from "../../src/at/index.js";
import { ErrorCode, isModemGone, type SimgateError } from "../../src/errors.js";
import { hostBytes, loadTranscript, playDevice } from "../helpers/transcript.js";
import { MockBinding, openMockChannel, type MockChannel } from "./mock-device.js";

const FAST: AtChannelOptions = { defaultTimeoutMs: 1000, resyncTimeoutMs: 100, resyncSettleMs: 10, idleFlushMs: 20 };
const opened: AtChannel[] = [];
let nextPort = 0;

async function open(options: AtChannelOptions = FAST): Promise<MockChannel> {
  const m = await openMockChannel(`/dev/mock-fault-${nextPort++}`, options);
  opened.push(m.channel);
  return m;
}

/** Let pending rejections surface: Node reports unhandled ones after the microtask queue drains. */
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

const unhandledRejections: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandledRejections.push(reason);

beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});

afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((c) => c.close()));
  MockBinding.reset();
  await macrotask();
  // Every scenario in this file must leave no unhandled rejection behind.
  expect(unhandledRejections).toEqual([]);
});

describe("AtChannel faults: timeouts and resync", () => {
  it("a late reply after a timeout is not taken as the next command's answer (late-reply-resync.at)", async () => {
    const { channel, device } = await open();
    const steps = loadTranscript("late-reply-resync.at");
    const script = playDevice(device, steps, { timeout: () => once(channel, "timeout") });
    const scan = channel.run({ text: "AT+COPS=?", timeoutMs: 30 });
    const scanError = scan.catch((e: unknown) => e);
    const imei = channel.run("AT+CGSN");
    expect(await scanError).toMatchObject({ code: ErrorCode.AtTimeout, context: { command: "AT+COPS=?", timeoutMs: 30 } });
    expect((await imei).lines).toEqual(["490154203237518"]);
    await script;
    expect(device.binding.recording).toEqual(hostBytes(steps));
    expect(device.written).toBe("AT+COPS=?\rAT\rAT+CGSN\r");
    expect(channel.stats).toMatchObject({ timeouts: 1, consecutiveTimeouts: 0, resyncs: 1 });
    expect(channel.isDirty).toBe(false);
  });

  it("emits timeout with the consecutive count; a good response resets it", async () => {
    const { channel, device } = await open();
    const timeouts: { command: string; consecutive: number }[] = [];
    channel.on("timeout", (t) => timeouts.push(t));
    let silent = true;
    device.autoReply((cmd) => (cmd === "AT" || !silent ? "\r\nOK\r\n" : undefined));
    await expect(channel.run({ text: "AT+CSQ", timeoutMs: 20 })).rejects.toMatchObject({ code: ErrorCode.AtTimeout });
    await expect(channel.run({ text: "AT+CSQ", timeoutMs: 20 })).rejects.toMatchObject({ code: ErrorCode.AtTimeout });
    expect(timeouts).toEqual([
      { command: "AT+CSQ", consecutive: 1 },
      { command: "AT+CSQ", consecutive: 2 },
    ]);
    // A resync OK alone does not reset the count (a modem that only answers AT must still escalate).
    expect(channel.stats.consecutiveTimeouts).toBe(2);
    silent = false;
    await channel.run("AT+CSQ");
    expect(channel.stats).toMatchObject({ timeouts: 2, consecutiveTimeouts: 0, resyncs: 2 });
    expect(device.written).toBe("AT+CSQ\rAT\rAT+CSQ\rAT\rAT+CSQ\r");
  });

  it("resync failure rejects the next command with AtResyncFailed without sending it; the channel stays dirty and tries again", async () => {
    const { channel, device } = await open();
    let alive = false;
    device.autoReply(() => (alive ? "\r\nOK\r\n" : undefined));
    await expect(channel.run({ text: "AT+CFUN=1", timeoutMs: 20 })).rejects.toMatchObject({ code: ErrorCode.AtTimeout });
    await expect(channel.run("AT+CSQ")).rejects.toMatchObject({ code: ErrorCode.AtResyncFailed, context: { command: "AT+CSQ" } });
    expect(device.written).toBe("AT+CFUN=1\rAT\rAT\rAT\r");
    expect(channel.isDirty).toBe(true);
    alive = true;
    await expect(channel.run("AT+CSQ")).resolves.toMatchObject({ final: "OK" });
    expect(device.written).toBe("AT+CFUN=1\rAT\rAT\rAT\rAT\rAT+CSQ\r");
    expect(channel.isDirty).toBe(false);
  });

  it("after a timed-out two-phase command the resync sends ESC first to leave the prompt", async () => {
    const { channel, device } = await open();
    const send = channel.run({ text: "AT+CMGS=18", body: "00AB", timeoutMs: 30 });
    await device.waitForWrite("AT+CMGS=18\r");
    device.say("\r\n> ");
    await device.waitForWrite("00AB\x1a");
    await expect(send).rejects.toMatchObject({ code: ErrorCode.AtTimeout });
    device.autoReply(() => "\r\nOK\r\n");
    const next = channel.run("AT+CMGF=0");
    await device.waitForWrite("\x1bAT\r");
    await device.waitForWrite("AT+CMGF=0\r");
    await expect(next).resolves.toMatchObject({ final: "OK" });
    expect(device.written).toBe("AT+CMGS=18\r00AB\x1a\x1bAT\rAT+CMGF=0\r");
  });

  it("an allowMissingFinal command with no line at all is still a timeout", async () => {
    const { channel } = await open();
    await expect(channel.run({ text: "AT+CPIN?", timeoutMs: 20, allowMissingFinal: true })).rejects.toMatchObject({
      code: ErrorCode.AtTimeout,
    });
    expect(channel.isDirty).toBe(true);
  });

  it("a late timeout error carries the caller's stack", async () => {
    const { channel } = await open();
    const err = (await channel.run({ text: "AT+CSQ", timeoutMs: 10 }).catch((e: unknown) => e)) as Error;
    expect(err.stack).toContain("channel-faults.test.ts");
    expect(err.stack).toMatch(/^SimgateError: AT\+CSQ timed out after 10 ms \(SG200\)/);
  });
});

describe("AtChannel faults: timers start at write", () => {
  it("a command queued behind a slow one gets its full timeout after its own write", async () => {
    const { channel, device } = await open();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const slow = channel.run({ text: "AT+COPS?", timeoutMs: 1000 });
    const quick = channel.run({ text: "AT+CSQ", timeoutMs: 300 });
    await device.waitForWrite("AT+COPS?\r");
    await vi.advanceTimersByTimeAsync(800); // quick has been queued for 800 ms > its 300 ms timeout
    device.say('\r\n+COPS: 0,2,"25001"\r\n\r\nOK\r\n');
    await expect(slow).resolves.toMatchObject({ final: "OK" });
    await device.waitForWrite("AT+CSQ\r");
    await vi.advanceTimersByTimeAsync(250); // 250 ms since its write: still inside 300 ms
    device.say("\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
    await expect(quick).resolves.toMatchObject({ lines: ["+CSQ: 17,99"] });
    expect(channel.stats.timeouts).toBe(0);
  });

  it("and it does time out timeoutMs after its write", async () => {
    const { channel, device } = await open();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const quick = channel.run({ text: "AT+CSQ", timeoutMs: 300 });
    const outcome = quick.catch((e: unknown) => e);
    await device.waitForWrite("AT+CSQ\r");
    await vi.advanceTimersByTimeAsync(299);
    expect(channel.stats.timeouts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toMatchObject({ code: ErrorCode.AtTimeout });
  });
});

describe("AtChannel faults: the port goes away", () => {
  it("unplug mid-command: in-flight and queued commands reject with AtChannelClosed (cause TransportDisconnected)", async () => {
    const { channel, device } = await open();
    const closed = once(channel, "closed");
    const inflight = channel.run("AT+CSQ").catch((e: unknown) => e);
    const queued = channel.run("AT+CGSN").catch((e: unknown) => e);
    await device.waitForWrite("AT+CSQ\r");
    device.say("\r\n+CSQ: 1"); // a truncated line, then the device vanishes
    device.unplug();
    const [inflightErr, queuedErr] = (await Promise.all([inflight, queued])) as [SimgateError, SimgateError];
    expect(inflightErr).toMatchObject({ code: ErrorCode.AtChannelClosed, context: { command: "AT+CSQ" } });
    expect(inflightErr.cause).toMatchObject({ code: ErrorCode.TransportDisconnected });
    expect(queuedErr).toMatchObject({ code: ErrorCode.AtChannelClosed, context: { command: "AT+CGSN" } });
    expect(isModemGone(inflightErr)).toBe(true);
    const [closeErr] = (await closed) as [SimgateError | undefined];
    expect(closeErr).toMatchObject({ code: ErrorCode.TransportDisconnected });
    await expect(channel.run("AT")).rejects.toMatchObject({ code: ErrorCode.AtChannelClosed });
    expect(channel.isClosed).toBe(true);
    expect(device.written).toBe("AT+CSQ\r");
  });

  it("unplug during a resync rejects the waiting command with AtChannelClosed, not AtResyncFailed", async () => {
    const { channel, device } = await open({ ...FAST, resyncTimeoutMs: 5000 });
    await expect(channel.run({ text: "AT+CSQ", timeoutMs: 10 })).rejects.toMatchObject({ code: ErrorCode.AtTimeout });
    const next = channel.run("AT+CGSN").catch((e: unknown) => e);
    await device.waitForWrite("AT+CSQ\rAT\r");
    device.unplug();
    expect(await next).toMatchObject({ code: ErrorCode.AtChannelClosed });
  });

  it("close() mid-command rejects everything, emits closed once, and is idempotent", async () => {
    const { channel, device } = await open();
    const closedEvents: unknown[] = [];
    channel.on("closed", (e) => closedEvents.push(e));
    const inflight = channel.run("AT+COPS=?").catch((e: unknown) => e);
    const queued = channel.run("AT").catch((e: unknown) => e);
    await device.waitForWrite("AT+COPS=?\r");
    await channel.close();
    await channel.close();
    expect(await inflight).toMatchObject({ code: ErrorCode.AtChannelClosed });
    expect(await queued).toMatchObject({ code: ErrorCode.AtChannelClosed });
    expect(closedEvents).toEqual([undefined]);
  });

  it("garbage and truncated lines before an unplug never crash the channel", async () => {
    const { channel, device } = await open();
    const unhandled: string[] = [];
    channel.on("unhandled", (l) => unhandled.push(l));
    device.say(Buffer.from([0xff, 0x00, 0x41, 0x54, 0x0d, 0x7f, 0x0a, 0x3e, 0x20, 0xfe, 0x0d]));
    const reply = channel.run("AT").catch((e: unknown) => e);
    await device.waitForWrite("AT\r");
    device.say("\r\n+CME ERR");
    device.unplug();
    expect(await reply).toMatchObject({ code: ErrorCode.AtChannelClosed });
    expect(unhandled).toContain("> ");
    expect(channel.stats.discardedBytes).toBeGreaterThan(0);
  });
});

describe("AtChannel faults: listeners that throw", () => {
  it("a throwing unhandled/timeout listener neither crashes the channel nor replaces the command's error", async () => {
    const { channel, device } = await open();
    channel.on("unhandled", () => {
      throw new Error("listener bug");
    });
    channel.on("timeout", () => {
      throw new Error("listener bug");
    });
    const unhandledSeen = new Promise<void>((resolve) => channel.prependListener("unhandled", () => resolve()));
    device.say("\r\n^MODE:5,4\r\n");
    await unhandledSeen;
    await expect(channel.run({ text: "AT+CSQ", timeoutMs: 10 })).rejects.toMatchObject({ code: ErrorCode.AtTimeout });
    device.autoReply(() => "\r\nOK\r\n");
    await expect(channel.run("AT")).resolves.toMatchObject({ final: "OK" });
  });
});

describe("AtChannel faults: one hung modem costs its own port only", () => {
  it("two channels on two mock ports: one never answers, the other keeps working", async () => {
    const hung = await open({ ...FAST, defaultTimeoutMs: 200 });
    const healthy = await open();
    healthy.device.autoReply((cmd) => (cmd === "AT+CSQ" ? "\r\n+CSQ: 21,99\r\n\r\nOK\r\n" : "\r\nOK\r\n"));
    const hungReply = hung.channel.run("AT+CSQ").catch((e: unknown) => e);
    for (let i = 0; i < 5; i++) {
      await expect(healthy.channel.run("AT+CSQ")).resolves.toMatchObject({ lines: ["+CSQ: 21,99"] });
    }
    expect(healthy.device.written).toBe("AT+CSQ\r".repeat(5));
    expect(await hungReply).toMatchObject({ code: ErrorCode.AtTimeout });
    expect(healthy.channel.stats.timeouts).toBe(0);
    expect(hung.channel.stats.timeouts).toBe(1);
  });
});
