import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { frameChunks } from "../../src/at/index.js";
import * as generic from "../../drivers/generic/index.js";
import * as simcom from "../../drivers/simcom/parsers.js";
import * as quectel from "../../drivers/quectel/parsers.js";
import * as huawei from "../../drivers/huawei/parsers.js";
import * as wavecom from "../../drivers/wavecom/parsers.js";

/** Cut `bytes` at the given (sorted, deduplicated) offsets. */
function split(bytes: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    out.push(Buffer.from(bytes.subarray(start, p)));
    start = p;
  }
  out.push(Buffer.from(bytes.subarray(start)));
  return out;
}

/** Bytes that look like a modem's output: lines, CR/LF in every order, prompts, junk. */
const modemOutput = fc
  .array(
    fc.oneof(
      fc.constantFrom("\r\n", "\r", "\n", "OK", "ERROR", "+CME ERROR: 10", "> ", "+CMTI: \"SM\",3", "AT+CSQ\r", "+CSQ: 17,99"),
      fc.string({ maxLength: 12 }),
      fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b).toString("latin1")),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.from(parts.join(""), "latin1"));

/** Junk split across chunks may be reported in two pieces: merge neighbouring discards before comparing. */
function normalise(events: ReturnType<typeof frameChunks>) {
  const out: Array<{ kind: string; text?: string; partial?: boolean; bytes?: string }> = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.kind === "discarded") {
      if (last?.kind === "discarded") last.bytes += e.bytes.toString("hex");
      else out.push({ kind: "discarded", bytes: e.bytes.toString("hex") });
    } else if (e.kind === "line") out.push({ kind: "line", text: e.text, partial: e.partial ?? false });
    else out.push({ kind: e.kind });
  }
  return out;
}

describe("AT framer properties", () => {
  it("yields the same events however the byte stream is chunked, and never throws", () => {
    fc.assert(
      fc.property(modemOutput, fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        const whole = normalise(frameChunks([bytes]));
        const chunked = normalise(frameChunks(split(bytes, cuts)));
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it("accounts for every byte: line text, prompts and discarded junk never invent or lose content", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (raw) => {
        const events = frameChunks([Buffer.from(raw)]);
        for (const e of events) {
          if (e.kind === "line") expect(e.text).not.toMatch(/[\r\n]/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("driver parsers never throw", () => {
  const modules = { generic, simcom, quectel, huawei, wavecom } as Record<string, Record<string, unknown>>;
  const parsers = Object.entries(modules).flatMap(([family, mod]) =>
    Object.entries(mod)
      .filter(([name, fn]) => name.startsWith("parse") && typeof fn === "function")
      .map(([name, fn]) => [`${family}.${name}`, fn as (input: unknown) => unknown] as const),
  );
  /** Parsers take either one line (`line`) or a reply's lines (`lines`); TypeScript holds callers to it. */
  const takesOneLine = (fn: (input: unknown) => unknown) => /^\s*(?:function\s*\w*\s*)?\(?\s*line\b/.test(fn.toString());

  it("found the parsers to fuzz", () => {
    expect(parsers.length).toBeGreaterThan(20);
  });

  const lineish = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom("+CREG: ", "+COPS: 0,2,\"", "+CPMS: ", "+CMGL: 1,0,,", "^SYSINFO:", "+QCCID: F", "+CNUM: \"\",\"", "+CRSM: 144"),
  );
  it.each(parsers)("%s survives arbitrary input", (_name, parse) => {
    fc.assert(
      fc.property(fc.array(lineish, { maxLength: 5 }), (lines) => {
        if (takesOneLine(parse)) {
          for (const line of lines) parse(line);
          parse(lines.join("\r\n"));
        } else {
          parse(lines);
        }
      }),
      { numRuns: 150 },
    );
  });
});
