/**
 * Issue 14 §1, the exact transcript from the field: the modem stores a new SMS in the slot
 * simgate has just emptied and sends `+CMTI` right behind the OK of `AT+CMGD`, in the same
 * read. A literal fake modem over the real SerialPortStream and AtChannel (MockBinding):
 * the bytes and their chunking are the ones the real device sent.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AtChannel } from "../../src/at/index.js";
import { encodeDeliver } from "../../src/codec/index.js";
import { SmsReceiver, type ReceivedPart } from "../../src/modem/sms-receiver.js";
import { genericDriver } from "../../drivers/generic/index.js";
import { openMockChannel, type MockDevice } from "../at/mock-device.js";

const pdu = (text: string) => encodeDeliver({ sender: "+79161234567", text, timestamp: new Date("2026-11-30T18:11:11Z") })[0]!;

/**
 * ME storage with 1-based slots, lowest free slot first (what the modules did). `arrivals`
 * are SMS the network delivers while an `AT+CMGD` runs: stored in the slot just freed, and
 * their `+CMTI` is written in the same chunk as the OK; `onEmptyRead` likewise while an
 * `AT+CMGR` of an empty slot runs.
 */
function literalModem(device: MockDevice, arrivals: string[], onEmptyRead: string[] = []): { slots: Map<number, string>; commands: string[] } {
  const slots = new Map<number, string>();
  const commands: string[] = [];
  const store = (hex: string): number => {
    let i = 1;
    while (slots.has(i)) i++;
    slots.set(i, hex);
    return i;
  };
  const cpms = () => `+CPMS: ${slots.size},255,${slots.size},255,${slots.size},255`;
  device.autoReply((command) => {
    commands.push(command);
    if (command === "AT+CPMS=?") return '\r\n+CPMS: ("ME","SM"),("ME","SM"),("ME","SM")\r\n\r\nOK\r\n';
    if (command === "AT+CPMS?") return `\r\n+CPMS: "ME",${slots.size},255,"ME",${slots.size},255,"ME",${slots.size},255\r\n\r\nOK\r\n`;
    if (/^AT\+CPMS="ME","ME","ME"$/.test(command)) return `\r\n${cpms()}\r\n\r\nOK\r\n`;
    let m = /^AT\+CPMS="(ME|SM)";\+CMGL=4$/.exec(command);
    if (m) {
      const listed = m[1] === "ME" ? [...slots].map(([i, hex]) => `+CMGL: ${i},0,,${hex.length / 2 - 1}\r\n${hex}\r\n`).join("") : "";
      return `\r\n${cpms()}\r\n${listed}\r\nOK\r\n`;
    }
    m = /^AT\+CPMS="ME";\+CMGR=(\d+)$/.exec(command);
    if (m) {
      const hex = slots.get(Number(m[1]));
      if (hex) return `\r\n${cpms()}\r\n+CMGR: 0,,${hex.length / 2 - 1}\r\n${hex}\r\n\r\nOK\r\n`;
      // An empty slot; an SMS arriving meanwhile is stored in it, its +CMTI behind the error.
      const next = onEmptyRead.shift();
      const urc = next === undefined ? "" : `\r\n+CMTI: "ME",${store(next)}\r\n`;
      return `\r\n${cpms()}\r\n\r\n+CMS ERROR: 321\r\n${urc}`;
    }
    m = /^AT\+CPMS="ME";\+CMGD=(\d+)$/.exec(command);
    if (m) {
      slots.delete(Number(m[1]));
      const next = arrivals.shift();
      const urc = next === undefined ? "" : `\r\n+CMTI: "ME",${store(next)}\r\n`;
      return `\r\n${cpms()}\r\n\r\nOK\r\n${urc}`;
    }
    return "\r\nERROR\r\n";
  });
  return { slots, commands };
}

/** `promise`, or a failure naming `what` after `ms` (a generous bound: the path is a few local round trips). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("SmsReceiver: +CMTI right behind the OK of AT+CMGD (issue 14 §1)", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function rig(path: string): Promise<{ channel: AtChannel; device: MockDevice }> {
    const { channel, device } = await openMockChannel(path, { defaultTimeoutMs: 2000 });
    cleanups.push(() => channel.close());
    return { channel, device };
  }

  /** A started receiver whose sweep would find nothing before the test ends (it never runs). */
  async function started(channel: AtChannel, accept: (part: ReceivedPart) => void): Promise<SmsReceiver> {
    const receiver = new SmsReceiver(channel, {
      portId: "usb-1-1",
      iccid: () => "8970100000000000001",
      driver: genericDriver,
      accept: async (part) => accept(part),
      // In production the sweep would find it within 60 s; here it never runs.
      sweepIntervalMs: 3_600_000,
      retryDelayMs: 3_600_000,
    });
    cleanups.push(() => receiver.stop());
    await receiver.start();
    return receiver;
  }

  it("reads the SMS stored in the just-deleted slot 1 at once, without waiting for the sweep", async () => {
    const { channel, device } = await rig("/dev/race-cmgd-1");
    const first = pdu("first code 111111");
    const second = pdu("second code 222222");
    const modem = literalModem(device, [second.hex]);
    const accepted: ReceivedPart[] = [];
    let acceptedSecond: () => void = () => undefined;
    const secondAccepted = new Promise<void>((resolve) => (acceptedSecond = resolve));
    await started(channel, (part) => {
      accepted.push(part);
      if (part.pdu === second.hex) acceptedSecond();
    });
    const commandsAtStart = modem.commands.length;

    // tx '+CMTI: "ME",1' for the first SMS; the receiver reads and deletes it, and the
    // answer to the delete is '...OK' + '+CMTI: "ME",1' in one read.
    modem.slots.set(1, first.hex);
    device.say('\r\n+CMTI: "ME",1\r\n');
    await within(secondAccepted, 4000, "the SMS stored in slot 1 behind the delete's OK was never read (it waits for the sweep)");

    expect(accepted.map((p) => p.pdu)).toEqual([first.hex, second.hex]);
    expect(accepted.map((p) => p.index)).toEqual([1, 1]);
    const after = modem.commands.slice(commandsAtStart);
    // One round trip after the delete's OK: the very next command reads slot 1 again.
    expect(after.slice(0, 3)).toEqual(['AT+CPMS="ME";+CMGR=1', 'AT+CPMS="ME";+CMGD=1', 'AT+CPMS="ME";+CMGR=1']);
    expect(after.some((c) => c.includes("+CMGL"))).toBe(false);
  });

  it("a stale +CMTI whose read finds the slot empty: an SMS stored there meanwhile is read at once too", async () => {
    const { channel, device } = await rig("/dev/race-cmgr-empty");
    const fresh = pdu("fresh code 333333");
    const modem = literalModem(device, [], [fresh.hex]);
    let accepted: () => void = () => undefined;
    const acceptedFresh = new Promise<void>((resolve) => (accepted = resolve));
    await started(channel, (part) => {
      if (part.pdu === fresh.hex) accepted();
    });
    const commandsAtStart = modem.commands.length;
    // An indication for slot 1, which is empty (its SMS was taken already).
    device.say('\r\n+CMTI: "ME",1\r\n');
    await within(acceptedFresh, 4000, "the SMS stored in slot 1 while its stale indication was read was never read");
    expect(modem.commands.slice(commandsAtStart, commandsAtStart + 2)).toEqual(['AT+CPMS="ME";+CMGR=1', 'AT+CPMS="ME";+CMGR=1']);
  });
});
