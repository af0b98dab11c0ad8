import { describe, expect, it } from "vitest";
import { CommandQueue } from "../../src/at/command-queue.js";
import { deriveExpectPrefix, redactCommand, resolveCommand } from "../../src/at/command.js";
import { ErrorCode } from "../../src/errors.js";

describe("deriveExpectPrefix", () => {
  it.each([
    ["AT+CPIN?", "+CPIN:"],
    ["AT^ICCID?", "^ICCID:"],
    ["AT+CMGR=3", "+CMGR:"],
    ["AT+CMGL=4", "+CMGL:"],
    ["at+csq", "+CSQ:"],
    ["AT+COPS=?", "+COPS:"],
    ["AT$QCSIMSTAT?", "$QCSIMSTAT:"],
    ["AT!ICCID?", "!ICCID:"],
    ['AT+CUSD=1,"*100#",15', ""], // the answer is a +CUSD URC after OK
    ["AT+CUSD?", "+CUSD:"],
    ["AT+CREG=2", ""], // enables +CREG URCs, which may come before the OK
    ["AT+CREG?", "+CREG:"],
    ["AT", ""],
    ["ATI", ""],
    ["ATE0", ""],
  ])("%s → %j", (text, prefix) => {
    expect(deriveExpectPrefix(text)).toBe(prefix);
  });
});

describe("resolveCommand", () => {
  it("fills defaults and keeps an explicit prefix, also an empty one", () => {
    expect(resolveCommand("AT+CSQ", 5000)).toEqual({ text: "AT+CSQ", timeoutMs: 5000, expectPrefix: "+CSQ:", body: undefined, allowMissingFinal: false });
    expect(resolveCommand({ text: "AT+CICCID", expectPrefix: "+ICCID:", timeoutMs: 20000 }, 5000)).toMatchObject({ expectPrefix: "+ICCID:", timeoutMs: 20000 });
    expect(resolveCommand({ text: "AT+CPIN?", expectPrefix: "" }, 5000).expectPrefix).toBe("");
  });

  it.each([
    [{ text: "AT+CSQ\r" }],
    [{ text: "AT\nAT" }],
    [{ text: "" }],
    [{ text: "CSQ" }],
    [{ text: "AT+CMGS=3", body: "00\x1a" }],
    [{ text: "AT", timeoutMs: 0 }],
    [{ text: "AT", timeoutMs: Number.NaN }],
    [{ text: 42 as unknown as string }],
  ])("rejects %j with AtInvalidCommand", (cmd) => {
    expect(() => resolveCommand(cmd, 5000)).toThrow(expect.objectContaining({ code: ErrorCode.AtInvalidCommand }));
  });
});

describe("redactCommand", () => {
  it.each([
    ['AT+CPIN="1234"', "AT+CPIN=[redacted]"],
    ["AT+CPIN=12345678,1234", "AT+CPIN=[redacted]"],
    ['AT+CPIN="1234"<CR>', "AT+CPIN=[redacted]<CR>"],
    ['AT+CLCK="SC",0,"1234"', 'AT+CLCK="SC",0,[redacted]'],
    ['AT+CPWD="SC","1111","2222"', 'AT+CPWD="SC",[redacted]'],
    ["AT+CPIN?", "AT+CPIN?"],
    ["AT+CSQ", "AT+CSQ"],
  ])("%s → %s", (text, shown) => {
    expect(redactCommand(text)).toBe(shown);
  });
});

describe("CommandQueue", () => {
  it("runs tasks one at a time in order and rejects waiting ones on demand", async () => {
    const queue = new CommandQueue();
    const log: string[] = [];
    let release!: () => void;
    const first = queue.enqueue(async () => {
      log.push("first start");
      await new Promise<void>((r) => (release = r));
      log.push("first end");
      return 1;
    }, "first");
    const second = queue.enqueue(async () => {
      log.push("second");
      return 2;
    }, "second");
    const third = queue.enqueue(async () => 3, "third");
    await Promise.resolve();
    expect(queue.waiting).toBe(2);
    queue.rejectWaiting((label) => new Error(`closed: ${label}`));
    release();
    await expect(first).resolves.toBe(1);
    await expect(second).rejects.toThrow("closed: second");
    await expect(third).rejects.toThrow("closed: third");
    expect(log).toEqual(["first start", "first end"]);
    await expect(queue.enqueue(async () => "after")).resolves.toBe("after");
  });
});
