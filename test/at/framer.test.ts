import { afterEach, describe, expect, it, vi } from "vitest";
import { AtFramer, frameChunks, type FramerEvent } from "../../src/at/framer.js";

const line = (text: string): FramerEvent => ({ kind: "line", text });
const prompt: FramerEvent = { kind: "prompt" };
const junk = (...bytes: number[]): FramerEvent => ({ kind: "discarded", bytes: Buffer.from(bytes), reason: "junk" });

describe("AtFramer: bytes → lines", () => {
  it.each<[string, (string | Buffer)[], FramerEvent[]]>([
    ["one CRLF-framed reply", ["\r\n+CSQ: 17,99\r\n\r\nOK\r\n"], [line("+CSQ: 17,99"), line("OK")]],
    ["message in two chunks", ["\r\n+CSQ: 1", "7,99\r\n\r\nOK\r\n"], [line("+CSQ: 17,99"), line("OK")]],
    ["split inside CRLF", ["\r\nOK\r", "\n"], [line("OK")]],
    ["split between CR and LF of the leading pair", ["\r", "\nOK\r\n"], [line("OK")]],
    ["one byte per chunk", [..."\r\nOK\r\n"], [line("OK")]],
    ["echo ended by CR only, then the reply", ["AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n"], [line("AT+CSQ"), line("+CSQ: 17,99"), line("OK")]],
    ["lone LF terminators", ["+CSQ: 17,99\nOK\n"], [line("+CSQ: 17,99"), line("OK")]],
    ["lone CR terminators (Huawei AT+CLAC stray CR)", ["+CGMI\r+CGMM\r\r\nOK\r\n"], [line("+CGMI"), line("+CGMM"), line("OK")]],
    ["blank and whitespace-only lines are skipped", ["\r\n\r\n  \r\n\r\nOK\r\n\r\n"], [line("OK")]],
    ["leading spaces are kept (Wavecom CGMI)", ["\r\n WAVECOM MODEM\r\n"], [line(" WAVECOM MODEM")]],
    ["URC interleaved with a reply", ["\r\n+CMGL: 1,0,,23\r\n\r\n+CMTI: \"SM\",2\r\nPDU\r\n"], [line("+CMGL: 1,0,,23"), line('+CMTI: "SM",2'), line("PDU")]],
    ["SMS prompt (no CRLF after it)", ["AT+CMGS=18\r\r\n> "], [line("AT+CMGS=18"), prompt]],
    ["SMS prompt split from its space", ["\r\n>", " "], [prompt]],
    ["'>' inside a line is not a prompt", ["\r\n+CUSD: 0,\"a > b\",15\r\n"], [line('+CUSD: 0,"a > b",15')]],
    ["NUL bytes are discarded, the rest of the line kept", [Buffer.from("\r\nO\0K\r\n", "latin1")], [junk(0), line("OK")]],
    ["0xFF boot noise before a line", [Buffer.from([0xff, 0xff, 0x0d, 0x0a, 0x52, 0x44, 0x59, 0x0d, 0x0a])], [junk(0xff, 0xff), line("RDY")]],
    ["echoed Ctrl-Z after a PDU is junk", [Buffer.from("00AB\x1a\r\n", "latin1")], [junk(0x1a), line("00AB")]],
    ["TAB is text, not junk", ["a\tb\r\n"], [line("a\tb")]],
    ["latin1 bytes survive one-to-one", [Buffer.from([0x44, 0xe9, 0x0d, 0x0a])], [line("D\u00e9")]],
  ])("%s", (_name, chunks, expected) => {
    expect(frameChunks(chunks)).toEqual(expected);
  });

  it("discards an overlong line up to its terminator and carries on", () => {
    const events = frameChunks(["x".repeat(10), "y".repeat(5), "\r\nOK\r\n"], { maxLineBytes: 8 });
    const discarded = events.filter((e) => e.kind === "discarded");
    expect(discarded.every((e) => e.kind === "discarded" && e.reason === "overlong")).toBe(true);
    expect(discarded.reduce((n, e) => n + (e.kind === "discarded" ? e.bytes.length : 0), 0)).toBe(15);
    expect(events.filter((e) => e.kind === "line")).toEqual([line("OK")]);
  });

  it("never throws on random bytes", () => {
    const framer = new AtFramer(() => undefined, { idleFlushMs: 0 });
    for (let i = 0; i < 200; i++) {
      const chunk = Buffer.from(Array.from({ length: 1 + (i % 37) }, (_, j) => (i * 131 + j * 17) & 0xff));
      expect(() => framer.push(chunk)).not.toThrow();
    }
  });
});

describe("AtFramer: idle flush", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("emits a partial line flagged partial after the idle gap (Wavecom, no final CRLF)", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const events: FramerEvent[] = [];
    const framer = new AtFramer((e) => events.push(e), { idleFlushMs: 500 });
    framer.push(Buffer.from("\r\n+CPIN: READY"));
    vi.advanceTimersByTime(499);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual([{ kind: "line", text: "+CPIN: READY", partial: true }]);
  });

  it("restarts the idle gap on every chunk", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const events: FramerEvent[] = [];
    const framer = new AtFramer((e) => events.push(e), { idleFlushMs: 500 });
    framer.push(Buffer.from("+CPIN: "));
    vi.advanceTimersByTime(400);
    framer.push(Buffer.from("READY"));
    vi.advanceTimersByTime(400);
    expect(events).toEqual([]);
    framer.push(Buffer.from("\r\n"));
    expect(events).toEqual([line("+CPIN: READY")]);
    vi.advanceTimersByTime(1000);
    expect(events).toHaveLength(1);
  });

  it("flush() emits the partial line at once; a lone '>' flushes as a prompt", () => {
    const events: FramerEvent[] = [];
    const framer = new AtFramer((e) => events.push(e), { idleFlushMs: 0 });
    framer.push(Buffer.from("OK"));
    framer.flush();
    framer.push(Buffer.from("\r\n>"));
    framer.flush();
    framer.flush();
    expect(events).toEqual([{ kind: "line", text: "OK", partial: true }, prompt]);
  });

  it("reset() drops the partial line and reports it", () => {
    const events: FramerEvent[] = [];
    const framer = new AtFramer((e) => events.push(e), { idleFlushMs: 0 });
    framer.push(Buffer.from("+COPS: (2,\"Op"));
    framer.reset();
    framer.push(Buffer.from("\r\nOK\r\n"));
    expect(events).toEqual([{ kind: "discarded", bytes: Buffer.from('+COPS: (2,"Op'), reason: "flushed" }, line("OK")]);
  });
});
