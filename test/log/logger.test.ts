import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { logRx, logTx } from "../../src/at/at-log.js";
import { chooseLogFormat, isJournalStream, wantsColour } from "../../src/log/destination.js";
import { createLogger, escapeWire, withSimContext, type LogFormat } from "../../src/log/logger.js";

function collect(format: LogFormat, level = "trace") {
  const lines: string[] = [];
  const logger = createLogger({ level, format, destination: { write: (s: string) => lines.push(...s.split("\n").filter(Boolean)) } });
  return { logger, lines };
}

describe("choosing the output format", () => {
  const dir = mkdtempSync(join(tmpdir(), "simgate-log-"));
  const fd = openSync(join(dir, "out"), "w");
  const st = fstatSync(fd);
  afterAll(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it("journal when JOURNAL_STREAM names this very stream (device:inode), not another one", () => {
    expect(isJournalStream(`${st.dev}:${st.ino}`, fd)).toBe(true);
    expect(chooseLogFormat({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd)).toEqual({ format: "journal" });
    expect(chooseLogFormat({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd)).toEqual({ format: "json" });
    for (const bad of [undefined, "", "x:y", "1:", `${st.dev}-${st.ino}`]) expect(isJournalStream(bad, fd)).toBe(false);
  });

  it("json for a file or a pipe without the journal; SIMGATE_LOG_FORMAT wins in any case", () => {
    expect(chooseLogFormat({}, fd)).toEqual({ format: "json" });
    expect(chooseLogFormat({ SIMGATE_LOG_FORMAT: "pretty" }, fd)).toEqual({ format: "pretty" });
    expect(chooseLogFormat({ SIMGATE_LOG_FORMAT: " JSON ", JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd)).toEqual({ format: "json" });
    expect(chooseLogFormat({ SIMGATE_LOG_FORMAT: "journal" }, fd)).toEqual({ format: "journal" });
  });

  it("an unknown SIMGATE_LOG_FORMAT is reported and ignored", () => {
    expect(chooseLogFormat({ SIMGATE_LOG_FORMAT: "xml" }, fd)).toEqual({ format: "json", unknownOverride: "xml" });
  });

  it("colour: FORCE_COLOR forces, NO_COLOR forbids, a file never gets it", () => {
    expect(wantsColour({}, fd)).toBe(false);
    expect(wantsColour({ FORCE_COLOR: "1" }, fd)).toBe(true);
    expect(wantsColour({ FORCE_COLOR: "0" }, fd)).toBe(false);
    expect(wantsColour({ NO_COLOR: "1" }, fd)).toBe(false);
  });
});

describe("createLogger in journal format", () => {
  it("prefixes each line with the priority of its level", () => {
    const { logger, lines } = collect("journal");
    logger.trace("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    logger.fatal("f");
    expect(lines).toEqual(["<7>t", "<7>d", "<6>i", "<4>w", "<3>e", "<2>f"]);
  });

  it("writes JSON for an explicit destination unless a format is given", () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (s: string) => lines.push(s) } });
    logger.info({ port: "p" }, "hello");
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, port: "p", msg: "hello" });
  });
});

describe("per-port loggers carry the SIM in the port now", () => {
  it("adds iccid and number as they change, to the port logger and its children; fields of the call win", () => {
    const { logger, lines } = collect("json");
    const sim: { iccid: string | null; number: string | null } = { iccid: null, number: null };
    const port = withSimContext(logger.child({ port: "modem0" }), () => sim);
    const receiver = port.child({ component: "sms-receiver" });
    port.info("probing");
    sim.iccid = "8944";
    receiver.info("receiver up");
    sim.number = "+4477";
    port.info("ready");
    port.info({ iccid: "other" }, "explicit");
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toEqual(expect.not.objectContaining({ iccid: expect.anything() }));
    expect(parsed[1]).toMatchObject({ port: "modem0", component: "sms-receiver", iccid: "8944" });
    expect(parsed[1].number).toBeUndefined();
    expect(parsed[2]).toMatchObject({ port: "modem0", iccid: "8944", number: "+4477" });
    expect(parsed[3]).toMatchObject({ iccid: "other", number: "+4477" });
    expect(lines[3]!.match(/"iccid"/g)).toHaveLength(1);
  });

  it("reads in journal order: port, iccid, number first", () => {
    const { logger, lines } = collect("journal");
    const port = withSimContext(logger.child({ port: "modem0" }), () => ({ iccid: "8944", number: "+4477" }));
    port.warn({ reason: "3 polls" }, "module stopped answering; soft reset");
    expect(lines).toEqual(['<4>module stopped answering; soft reset port=modem0 iccid=8944 number=+4477 reason="3 polls"']);
  });

  it("is a plain child with a logger that createLogger did not make, and survives a throwing source", () => {
    const plain = withSimContext(pino({ level: "silent" }), () => ({ iccid: "x" }));
    expect(() => plain.info("nothing")).not.toThrow();
    const { logger, lines } = collect("json");
    withSimContext(logger, () => {
      throw new Error("map gone");
    }).info("still logs");
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: "still logs" });
  });
});

describe("AT traffic", () => {
  it("reads like a terminal session at debug, CR/LF visible, PIN masked", () => {
    const { logger, lines } = collect("journal", "debug");
    const port = withSimContext(logger.child({ port: "modem0" }), () => ({ iccid: "8944" }));
    logTx(port, "AT+CSQ\r");
    logRx(port, Buffer.from("\r\n+CSQ: 20,99\r\n\r\nOK\r\n"));
    logTx(port, 'AT+CPIN="1234"\r');
    expect(lines).toEqual([
      "<7>AT> AT+CSQ<CR> port=modem0 iccid=8944 dir=tx",
      "<7>AT< <CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF> port=modem0 iccid=8944 dir=rx",
      "<7>AT> AT+CPIN=[redacted]<CR> port=modem0 iccid=8944 dir=tx",
    ]);
  });

  it("costs nothing above debug", () => {
    const { logger, lines } = collect("journal", "info");
    logTx(logger, "AT\r");
    expect(lines).toEqual([]);
  });

  it("escapeWire makes every byte visible", () => {
    expect(escapeWire(Buffer.from([0x41, 0x0d, 0x0a, 0x1a, 0x1b, 0x00, 0xff]))).toBe("A<CR><LF><SUB><ESC><00><ff>");
  });
});
