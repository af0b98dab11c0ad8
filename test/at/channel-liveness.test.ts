/**
 * The channel's liveness signals (issue 12, defect 5): `answering` turns false the moment
 * a command waits past answerWithinMs (not at its timeout), and true again only on a
 * prompt answer; `noisy` follows the rate of bytes no AT response contains; `lastHeardAt`
 * moves with every text line, not with noise. Over serialport's MockBinding (the real
 * stream and channel, no kernel).
 */
import { once } from "node:events";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { AtChannel, AtChannelOptions } from "../../src/at/index.js";
import { isNoiseLine, NoiseMeter, noiseInChunk, textBytes } from "../../src/at/noise-meter.js";
import { ErrorCode } from "../../src/errors.js";
import { MockBinding, openMockChannel, type MockChannel } from "./mock-device.js";

const OPTIONS: AtChannelOptions = { defaultTimeoutMs: 2_000, answerWithinMs: 100, resyncTimeoutMs: 200, resyncSettleMs: 10, idleFlushMs: 20 };
const opened: AtChannel[] = [];
let nextPort = 0;

async function open(options: AtChannelOptions = OPTIONS): Promise<MockChannel> {
  const m = await openMockChannel(`/dev/mock-liveness-${nextPort++}`, options);
  opened.push(m.channel);
  return m;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  MockBinding.reset();
});

describe("AtChannel answering", () => {
  it("turns false at answerWithinMs while the command is still waiting, long before its timeout", async () => {
    const { channel, device } = await open();
    const events: boolean[] = [];
    channel.on("answering", (a) => events.push(a));
    const started = performance.now();
    const csq = channel.run("AT+CSQ");
    await once(channel, "answering");
    // Turned at the threshold (100 ms), not at the 2 s timeout; the command is still in flight.
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(channel.answering).toBe(false);
    expect(channel.idle).toBe(false);
    // A late answer completes the command but does not make the module "answering" again.
    device.say("\r\n+CSQ: 20,99\r\nOK\r\n");
    await expect(csq).resolves.toMatchObject({ lines: ["+CSQ: 20,99"], final: "OK" });
    expect(channel.answering).toBe(false);
    // A prompt answer does.
    device.autoReply(() => "\r\nOK\r\n");
    await channel.run("AT");
    expect(channel.answering).toBe(true);
    expect(events).toEqual([false, true]);
  });

  it("a timeout shorter than the threshold still says 'not answering'; an error final is an answer", async () => {
    const { channel, device } = await open();
    await expect(channel.run({ text: "AT+CSQ", timeoutMs: 30 })).rejects.toMatchObject({ code: ErrorCode.AtTimeout });
    expect(channel.answering).toBe(false);
    device.autoReply((cmd) => (cmd === "AT" ? "\r\nOK\r\n" : "\r\n+CME ERROR: 10\r\n"));
    await expect(channel.run("AT+CPIN?")).rejects.toMatchObject({ code: ErrorCode.AtCmeError });
    expect(channel.answering).toBe(true);
  });

  it("holds a command that asked for more time than the default only to its own timeout", async () => {
    const { channel, device } = await open();
    const events: boolean[] = [];
    channel.on("answering", (a) => events.push(a));
    const list = channel.run({ text: "AT+CMGL=4", timeoutMs: 5_000 });
    // A second port as the clock: its plain command crossing the same threshold says the time has passed.
    const clock = await open();
    const crossed = once(clock.channel, "answering");
    void clock.channel.run("AT+CSQ").catch(() => undefined);
    await crossed;
    device.say("\r\nOK\r\n");
    await list;
    expect(events).toEqual([]);
    expect(channel.answering).toBe(true);
  });

  it("a command allowed to end without OK (Wavecom AT+CPIN?) is answered by its line", async () => {
    // The line comes at once; the command still runs to its timeout, past the threshold.
    const { channel, device } = await open({ ...OPTIONS, answerWithinMs: 1_000 });
    const events: boolean[] = [];
    channel.on("answering", (a) => events.push(a));
    const cpin = channel.run({ text: "AT+CPIN?", allowMissingFinal: true, timeoutMs: 1_500 });
    await device.waitForWrite("AT+CPIN?\r");
    device.say("\r\n+CPIN: READY\r\n");
    await expect(cpin).resolves.toMatchObject({ lines: ["+CPIN: READY"], final: "" });
    expect(events).toEqual([]);
    expect(channel.answering).toBe(true);
  });
});

describe("AtChannel noise", () => {
  it("flags a port that spews junk, counts it, and clears once the junk stops", async () => {
    const { channel, device } = await open({ ...OPTIONS, noiseBytesPerMinute: 600, noiseWindowMs: 1_000 });
    expect(channel.noisy).toBe(false);
    const flagged = once(channel, "noisy");
    // 0x00 and 0xFF are junk to the framer; 0x80-0xFE inside a line are not text either.
    for (let i = 0; i < 4; i++) device.say(Buffer.from([0x00, 0xff, 0x81, 0xa5, 0x41, 0x0d, 0x0a, 0xfe, 0x00, 0xff]));
    expect(await flagged).toEqual([true]);
    expect(channel.noisy).toBe(true);
    expect(channel.stats.noiseBytes).toBeGreaterThanOrEqual(10);
    const cleared = once(channel, "noisy");
    expect(await cleared).toEqual([false]);
    expect(channel.noisy).toBe(false);
  });

  it("a text line moves lastHeardAt; a noise line does not", async () => {
    const { channel, device } = await open();
    const before = channel.lastHeardAt;
    device.say(Buffer.from([0x0d, 0x0a, 0xc3, 0xa9, 0xfe, 0x0d, 0x0a]));
    await once(channel, "unhandled");
    expect(channel.lastHeardAt).toBe(before);
    device.say("\r\nRING\r\n");
    await once(channel, "unhandled");
    expect(channel.lastHeardAt).toBeGreaterThan(before);
  });
});

describe("NoiseMeter", () => {
  it("counts the bytes that no AT response contains, as they arrive", () => {
    expect(noiseInChunk(Buffer.from("\r\n+CSQ: 20,99\r\n\tOK\r\n", "latin1"))).toBe(0);
    expect(noiseInChunk(Buffer.from("a\x00b\x7f\xff\xe9\r\n", "latin1"))).toBe(4);
    expect(textBytes(Buffer.from("ab\x81 ~\x7f", "latin1"))).toBe(4);
    expect(isNoiseLine("+CMTI: \"SM\",3")).toBe(false);
    expect(isNoiseLine("x\xe9y")).toBe(true);
  });

  it("flags a module that spews without ever ending a line", async () => {
    const { channel, device } = await open({ ...OPTIONS, noiseBytesPerMinute: 600, noiseWindowMs: 1_000 });
    const flagged = once(channel, "noisy");
    device.say(Buffer.alloc(40, 0xe5));
    expect(await flagged).toEqual([true]);
  });

  it("is noisy exactly when the window holds the per-minute rate, and quiet only under a quarter of it (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3_000 }), bytes: fc.integer({ min: 1, max: 40 }) }), { maxLength: 60 }), (events) => {
        // 600 bytes a minute over a 1 s window = 10 bytes; buckets of 100 ms.
        const meter = new NoiseMeter({ bytesPerMinute: 600, windowMs: 1_000, bucketMs: 100 });
        const seen: Array<{ at: number; bytes: number }> = [];
        const inWindow = (now: number) => {
          const oldestBucket = Math.floor(now / 100) - 9;
          return seen.filter((e) => Math.floor(e.at / 100) >= oldestBucket).reduce((s, e) => s + e.bytes, 0);
        };
        let now = 10_000;
        for (const e of events) {
          now += e.gap;
          // Re-judging first, as the owner's timer does while the port is noisy.
          const wasNoisy = meter.noisy;
          const quieted = meter.settle(now);
          expect(quieted).toBe(wasNoisy && inWindow(now) < 2.5);
          seen.push({ at: now, bytes: e.bytes });
          const turned = meter.add(e.bytes, now);
          expect(meter.inWindow(now)).toBe(inWindow(now));
          if (turned) expect(inWindow(now)).toBeGreaterThanOrEqual(10);
          if (!meter.noisy) expect(inWindow(now)).toBeLessThan(10);
        }
      }),
    );
  });
});
