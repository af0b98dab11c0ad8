import { once } from "node:events";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.js";
import { MockBinding, openMockChannel, type MockChannel } from "./mock-device.js";

interface LogEntry {
  level: number;
  msg: string;
  dir?: string;
  data?: string;
  why?: string;
  reason?: string;
}

function captureLogger() {
  const entries: LogEntry[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line) entries.push(JSON.parse(line) as LogEntry);
      done();
    },
  });
  return { logger: createLogger({ level: "debug", destination }), entries };
}

const opened: MockChannel[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((m) => m.channel.close()));
  MockBinding.reset();
});

describe("AtChannel logging", () => {
  it("logs tx/rx with CR/LF visible, masks the PIN (also in the echo), and logs unhandled lines and junk", async () => {
    const { logger, entries } = captureLogger();
    const m = await openMockChannel("/dev/mock-log-0", { logger, idleFlushMs: 0 });
    opened.push(m);
    const { channel, device } = m;
    const reply = channel.run('AT+CPIN="1234"');
    await device.waitForWrite('AT+CPIN="1234"\r');
    device.say('AT+CPIN="1234"\r\r\nOK\r\n');
    await reply;
    const unhandled = once(channel, "unhandled");
    device.say(Buffer.from("\x00\r\n^BOOT:1\r\n", "latin1"));
    await unhandled;

    const tx = entries.find((e) => e.dir === "tx");
    expect(tx).toMatchObject({ msg: "AT> AT+CPIN=[redacted]<CR>", level: 20 });
    const rx = entries.filter((e) => e.dir === "rx" && e.level === 20).map((e) => e.msg);
    expect(rx[0]).toBe("AT< AT+CPIN=[redacted]<CR><CR><LF>OK<CR><LF>");
    expect(JSON.stringify(entries)).not.toContain("1234");
    expect(entries.find((e) => e.msg === "unhandled line")).toMatchObject({ level: 30, data: "^BOOT:1", why: "no command in flight" });
    expect(entries.find((e) => e.msg === "discarded bytes")).toMatchObject({ level: 40, data: "<00>", reason: "junk" });
  });
});
