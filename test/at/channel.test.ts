import { once } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AtChannel, AtChannelOptions } from "../../src/at/index.js";
import { ErrorCode } from "../../src/errors.js";
import { hostBytes, loadTranscript, playDevice } from "../helpers/transcript.js";
import { MockBinding, openMockChannel, type MockChannel } from "./mock-device.js";

const FAST: AtChannelOptions = { defaultTimeoutMs: 1000, resyncTimeoutMs: 200, resyncSettleMs: 10, idleFlushMs: 20 };
const opened: AtChannel[] = [];
let nextPort = 0;

async function open(options: AtChannelOptions = FAST): Promise<MockChannel> {
  const m = await openMockChannel(`/dev/mock-at-${nextPort++}`, options);
  opened.push(m.channel);
  return m;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  MockBinding.reset();
});

describe("AtChannel over MockBinding: replies", () => {
  it("writes exactly AT+CSQ<CR>, strips the echo and returns the information line (csq-echo.at)", async () => {
    const { channel, device } = await open();
    const steps = loadTranscript("csq-echo.at");
    const script = playDevice(device, steps);
    const response = await channel.run("AT+CSQ");
    await script;
    expect(device.binding.recording).toEqual(hostBytes(steps));
    expect(device.written).toBe("AT+CSQ\r");
    expect(response).toMatchObject({ command: "AT+CSQ", lines: ["+CSQ: 17,99"], final: "OK" });
    expect(response.durationMs).toBeGreaterThanOrEqual(0);
    expect(channel.stats).toMatchObject({ commands: 1, timeouts: 0, unhandledLines: 0 });
  });

  it("a URC between echo and OK goes to its handler, never into the reply (urc-between-echo-and-ok.at)", async () => {
    const { channel, device } = await open();
    const cmti = vi.fn();
    const ring = vi.fn();
    channel.registerUrc({ name: "cmti", pattern: /^\+CMTI:/, handler: cmti });
    channel.registerUrc({ name: "ring", pattern: /^RING$/, handler: ring });
    const urcEvents: string[] = [];
    channel.on("urc", (name) => urcEvents.push(name));
    const steps = loadTranscript("urc-between-echo-and-ok.at");
    const script = playDevice(device, steps);
    const response = await channel.run("AT+CREG?");
    await script;
    expect(device.binding.recording).toEqual(hostBytes(steps));
    expect(response.lines).toEqual(["+CREG: 0,1"]);
    expect(cmti).toHaveBeenCalledWith(['+CMTI: "SM",3']);
    expect(ring).toHaveBeenCalledOnce();
    expect(urcEvents).toEqual(["cmti", "ring"]);
  });

  it("a URC in the middle of a multi-line +CMGL reply (cmgl-with-cmti.at)", async () => {
    const { channel, device } = await open();
    const cmti = vi.fn();
    channel.registerUrc({ name: "cmti", pattern: /^\+CMTI:/, handler: cmti });
    const steps = loadTranscript("cmgl-with-cmti.at");
    const script = playDevice(device, steps);
    const response = await channel.run("AT+CMGL=4");
    await script;
    expect(device.written).toBe("AT+CMGL=4\r");
    expect(response.lines).toHaveLength(4);
    expect(response.lines.filter((l) => l.startsWith("+CMGL:"))).toEqual(["+CMGL: 1,1,,23", "+CMGL: 2,0,,23"]);
    expect(cmti).toHaveBeenCalledWith(['+CMTI: "SM",2']);
  });

  it("+CMT: ,23 URC takes its PDU line with it, also while a command is in flight", async () => {
    const { channel, device } = await open();
    const cmt = vi.fn();
    channel.registerUrc({ name: "cmt", pattern: /^\+CMT:/, followLines: 1, handler: cmt });
    const idle = once(channel, "urc");
    device.say("\r\n+CMT: ,23\r\n07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\r\n");
    await idle;
    expect(cmt).toHaveBeenLastCalledWith(["+CMT: ,23", "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07"]);

    const reply = channel.run("AT+CSQ");
    await device.waitForWrite("AT+CSQ\r");
    device.say("\r\n+CMT: ,23\r\n0791AB\r\n\r\n+CSQ: 9,99\r\n\r\nOK\r\n");
    expect((await reply).lines).toEqual(["+CSQ: 9,99"]);
    expect(cmt).toHaveBeenLastCalledWith(["+CMT: ,23", "0791AB"]);
    expect(channel.stats.unhandledLines).toBe(0);
  });

  it("the command's own prefix beats a URC pattern: +CPIN: READY answers AT+CPIN? but is a URC when idle", async () => {
    const { channel, device } = await open();
    const cpinUrc = vi.fn();
    channel.registerUrc({ name: "cpin", pattern: /^\+CPIN:/, handler: cpinUrc });
    const reply = channel.run("AT+CPIN?");
    await device.waitForWrite("AT+CPIN?\r");
    device.say("\r\n+CPIN: READY\r\n\r\nOK\r\n");
    expect((await reply).lines).toEqual(["+CPIN: READY"]);
    expect(cpinUrc).not.toHaveBeenCalled();

    const urc = once(channel, "urc");
    device.say("\r\n+CPIN: NOT READY\r\n");
    expect(await urc).toEqual(["cpin", ["+CPIN: NOT READY"]]);
  });

  it.each([
    ["upper-case echo", "AT+CGMI\r"],
    ["lower-case echo", "at+cgmi\r"],
    ["no echo (ATE0)", ""],
  ])("strips the echo: %s", async (_name, echo) => {
    const { channel, device } = await open();
    const reply = channel.run("AT+CGMI");
    await device.waitForWrite("AT+CGMI\r");
    device.say(`${echo}\r\nhuawei\r\n\r\nOK\r\n`);
    expect((await reply).lines).toEqual(["huawei"]);
  });

  it("the reply to ATE0 still carries its echo, which is stripped (babca #58)", async () => {
    const { channel, device } = await open();
    const reply = channel.run("ATE0");
    await device.waitForWrite("ATE0\r");
    device.say("ATE0\r\r\nOK\r\n");
    expect(await reply).toMatchObject({ lines: [], final: "OK" });
  });

  it("+CME ERROR numeric and text, +CMS ERROR and ERROR reject with typed codes", async () => {
    const { channel, device } = await open();
    device.autoReply((cmd) =>
      ({
        "AT+CPIN?": "\r\n+CME ERROR: 10\r\n",
        "AT+CIMI": "\r\n+CME ERROR: SIM PIN required\r\n",
        "AT+CMGR=9": "\r\n+CMS ERROR: 321\r\n",
        "AT+CGMR": "\r\nERROR\r\n",
        "AT^CURC=0": "\r\nCOMMAND NOT SUPPORT\r\n",
      })[cmd],
    );
    await expect(channel.run("AT+CPIN?")).rejects.toMatchObject({ code: ErrorCode.AtCmeError, context: { cme: 10, cmeText: "SIM not inserted" } });
    await expect(channel.run("AT+CIMI")).rejects.toMatchObject({ code: ErrorCode.AtCmeError, context: { cme: 11, cmeText: "SIM PIN required" } });
    await expect(channel.run("AT+CMGR=9")).rejects.toMatchObject({ code: ErrorCode.AtCmsError, context: { cms: 321 } });
    await expect(channel.run("AT+CGMR")).rejects.toMatchObject({ code: ErrorCode.AtError, context: { final: "ERROR" } });
    await expect(channel.run("AT^CURC=0")).rejects.toMatchObject({ code: ErrorCode.AtError });
    expect(device.written).toBe("AT+CPIN?\rAT+CIMI\rAT+CMGR=9\rAT+CGMR\rAT^CURC=0\r");
    expect(channel.isDirty).toBe(false);
  });

  it("Wavecom AT+CPIN? without OK resolves with final '' and leaves the channel clean (wavecom-cpin-no-ok.at)", async () => {
    const { channel, device } = await open();
    const steps = loadTranscript("wavecom-cpin-no-ok.at");
    const cpin = channel.run({ text: "AT+CPIN?", timeoutMs: 50, allowMissingFinal: true });
    const script = playDevice(device, steps, { settled: () => cpin });
    expect(await cpin).toMatchObject({ lines: ["+CPIN: READY"], final: "" });
    expect(channel.isDirty).toBe(false);
    const csq = await channel.run("AT+CSQ");
    await script;
    expect(csq.lines).toEqual(["+CSQ: 20,99"]);
    expect(device.binding.recording).toEqual(hostBytes(steps));
    expect(channel.stats).toMatchObject({ timeouts: 0, resyncs: 0 });
  });

  it("a final without CRLF is flushed after the idle gap (Wavecom)", async () => {
    const { channel, device } = await open();
    const reply = channel.run("AT+CGSN");
    await device.waitForWrite("AT+CGSN\r");
    device.say("\r\n354000000000000\r\n\r\nOK");
    expect(await reply).toMatchObject({ lines: ["354000000000000"], final: "OK" });
  });

  it("two-phase AT+CMGS: waits for '> ', writes the PDU and Ctrl-Z (cmgs-prompt.at)", async () => {
    const { channel, device } = await open();
    const steps = loadTranscript("cmgs-prompt.at");
    const script = playDevice(device, steps);
    const response = await channel.run({ text: "AT+CMGS=18", body: "0011000B911326880736F40000A705E8329BFD06", timeoutMs: 2000 });
    await script;
    expect(device.written).toBe("AT+CMGS=18\r0011000B911326880736F40000A705E8329BFD06\x1a");
    expect(device.binding.recording).toEqual(hostBytes(steps));
    expect(response.lines).toEqual(["+CMGS: 42"]);
    expect(channel.stats.discardedBytes).toBe(1); // the echoed Ctrl-Z
  });

  it("runs commands strictly one at a time, in order", async () => {
    const { channel, device } = await open();
    device.autoReply((cmd) => `\r\n${cmd.slice(2)}-reply\r\n\r\nOK\r\n`);
    const replies = await Promise.all(["AT+A", "AT+B", "AT+C"].map((c) => channel.run(c)));
    expect(replies.map((r) => r.lines[0])).toEqual(["+A-reply", "+B-reply", "+C-reply"]);
    expect(device.written).toBe("AT+A\rAT+B\rAT+C\r");
  });

  it("lines with nothing in flight and no URC handler are reported as unhandled, not dropped", async () => {
    const { channel, device } = await open();
    const unhandled = once(channel, "unhandled");
    device.say("\r\n^BOOT:12345,0,0,0,72\r\n");
    expect(await unhandled).toEqual(["^BOOT:12345,0,0,0,72"]);
    expect(channel.stats.unhandledLines).toBe(1);
  });

  it("junk bytes are discarded, counted, and the line around them kept", async () => {
    const { channel, device } = await open();
    const reply = channel.run("AT");
    await device.waitForWrite("AT\r");
    device.say(Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x4f, 0x00, 0x4b, 0x0d, 0x0a]));
    expect((await reply).final).toBe("OK");
    expect(channel.stats.discardedBytes).toBe(3);
  });

  it("a URC handler that throws does not break the command", async () => {
    const { channel, device } = await open();
    channel.registerUrc({
      name: "rssi",
      pattern: /^\^RSSI:/,
      handler: () => {
        throw new Error("handler bug");
      },
    });
    const reply = channel.run("AT+CSQ");
    await device.waitForWrite("AT+CSQ\r");
    device.say("\r\n^RSSI:12\r\n\r\n+CSQ: 12,99\r\n\r\nOK\r\n");
    expect((await reply).lines).toEqual(["+CSQ: 12,99"]);
  });

  it.each([["AT+CSQ\r"], ["AT+CSQ\nAT"], [""], ["+CSQ"], ["AT\x1a"]])("rejects invalid command text %j without writing", async (text) => {
    const { channel, device } = await open();
    await expect(channel.run(text)).rejects.toMatchObject({ code: ErrorCode.AtInvalidCommand });
    expect(device.written).toBe("");
  });

  it("masks the PIN of AT+CPIN= in errors", async () => {
    const { channel, device } = await open();
    device.autoReply(() => "\r\n+CME ERROR: 16\r\n");
    const err = await channel.run('AT+CPIN="1234"').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.AtCmeError, context: { cme: 16 } });
    expect(String((err as Error).message)).not.toContain("1234");
    expect(device.written).toBe('AT+CPIN="1234"\r');
  });
});
