/**
 * Final results real modules send beyond OK/ERROR/+CME/+CMS, through the AT channel: each
 * must end its command with a typed error at once (not after the timeout), and an error
 * glued onto an information line must not end the command at all.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AtChannel, AtChannelOptions } from "../../src/at/index.js";
import { ErrorCode } from "../../src/errors.js";
import { MockBinding, openMockChannel } from "./mock-device.js";

// A long command timeout: a final the channel does not recognise would show up as AtTimeout.
const OPTIONS: AtChannelOptions = { defaultTimeoutMs: 60_000, resyncTimeoutMs: 200, resyncSettleMs: 10, idleFlushMs: 20 };
const opened: AtChannel[] = [];
let nextPort = 0;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  MockBinding.reset();
});

async function open() {
  const m = await openMockChannel(`/dev/mock-finals-${nextPort++}`, OPTIONS);
  opened.push(m.channel);
  return m;
}

describe("vendor final results through the AT channel", () => {
  it.each([
    ["MODEM ERROR: 3", "vendor numbered error"],
    ["ERROR: 515", "vendor numbered error without the word MODEM"],
    ["COMMAND NOT SUPPORT", "Huawei E1752 (python-gsmmodem fakemodems)"],
    ["TOO MANY PARAMETERS", "at-messages-parser final messages"],
    ["CONNECT", "V.250 final; we never dial"],
  ])("%s (%s) ends the command with AtError and the line in the context", async (final) => {
    const { channel, device } = await open();
    device.autoReply((cmd) => (cmd === "AT+CGMR" ? `\r\n${final}\r\n` : undefined));
    const started = Date.now();
    await expect(channel.run("AT+CGMR")).rejects.toMatchObject({ code: ErrorCode.AtError, context: { final } });
    // Well under the 60 s command timeout: the final was recognised, not waited out.
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(channel.isDirty).toBe(false);
  });

  it("a +CME ERROR glued onto a +CNUM line is information, and the OK after it ends the command (Huawei K3520)", async () => {
    const { channel, device } = await open();
    device.autoReply((cmd) =>
      cmd === "AT+CNUM" ? '\r\n+CNUM: "","+33606894175",145\r\n+CME ERROR: 25+CNUM: "","+33671651906",145\r\n\r\nOK\r\n' : undefined,
    );
    const reply = await channel.run("AT+CNUM");
    expect(reply.final).toBe("OK");
    expect(reply.lines).toEqual(['+CNUM: "","+33606894175",145', '+CME ERROR: 25+CNUM: "","+33671651906",145']);
  });

  it("a plain +CME ERROR still ends the command with its code", async () => {
    const { channel, device } = await open();
    device.autoReply((cmd) => (cmd === "AT+CNUM" ? "\r\n+CME ERROR: 25\r\n" : undefined));
    await expect(channel.run("AT+CNUM")).rejects.toMatchObject({ code: ErrorCode.AtCmeError, context: { cme: 25 } });
  });
});
