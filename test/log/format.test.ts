import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatJournalLine, formatPrettyLine, journalPriority, quoteValue, safeText } from "../../src/log/format.js";

const json = (o: Record<string, unknown>) => JSON.stringify(o) + "\n";
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_SGR = /[\x00-\x1a\x1c-\x1f\x7f-\x9f\u2028\u2029]|\x1b(?!\[[\d;]*m)/;

describe("journal priority from the pino level", () => {
  it.each([
    [10, 7],
    [20, 7],
    [30, 6],
    [40, 4],
    [50, 3],
    [60, 2],
    ["warn", 4],
    ["fatal", 2],
    [35, 6],
    [99, 2],
    [0, 7],
    [undefined, 6],
    ["nonsense", 6],
  ])("%s → %s", (level, priority) => {
    expect(journalPriority(level)).toBe(priority);
  });
});

describe("formatJournalLine", () => {
  it("writes `<P>message` then port, iccid, number first, the other fields in order, event and component last", () => {
    const line = json({
      level: 30,
      time: 1,
      component: "ports",
      event: "number-learned",
      from: "no-number",
      number: "+447749278781",
      iccid: "89441520528879333616",
      port: "/dev/simgate/usb-1-1.2",
      msg: "number learned",
    });
    expect(formatJournalLine(line)).toBe(
      "<6>number learned port=/dev/simgate/usb-1-1.2 iccid=89441520528879333616 number=+447749278781 from=no-number event=number-learned component=ports",
    );
  });

  it("maps the level to the priority prefix", () => {
    expect(formatJournalLine(json({ level: 40, msg: "careful" }))).toBe("<4>careful");
    expect(formatJournalLine(json({ level: 50, msg: "broken" }))).toBe("<3>broken");
    expect(formatJournalLine(json({ level: 20, msg: "AT> AT+CSQ<CR>", port: "p1", dir: "tx" }))).toBe("<7>AT> AT+CSQ<CR> port=p1 dir=tx");
  });

  it("quotes values only when needed, and nulls, numbers and booleans stay bare", () => {
    const out = formatJournalLine(json({ level: 30, msg: "m", a: "plain", b: "two words", c: 'say "hi"', d: "k=v", e: "", f: null, g: 1.5, h: true, i: "→ ü" }));
    expect(out).toBe('<6>m a=plain b="two words" c="say \\"hi\\"" d="k=v" e="" f=null g=1.5 h=true i="→ ü"');
  });

  it("flattens objects to dotted keys and arrays to lists", () => {
    const out = formatJournalLine(json({ level: 30, msg: "m", usage: { number: "4915", sold: true }, migrated: [1, 2], tried: ["*100#"], lines: ['+CUSD: 0,"x",15'], mixed: [1, { a: 1 }], empty: {} }));
    expect(out).toBe('<6>m usage.number=4915 usage.sold=true migrated=1,2 tried=*100# lines="+CUSD: 0,\\"x\\",15" mixed="[1,{\\"a\\":1}]" empty={}');
  });

  it("shows an error as its message (plus code and type), and its stack on one line when the line carries one", () => {
    const err = { type: "SimgateError", name: "SimgateError", message: "port gone: ENOENT", code: "ENOENT" };
    // What the logger writes below debug level: no stack (logger.test.ts); the name repeats the type and is left out.
    expect(formatJournalLine(json({ level: 40, msg: "port went away", port: "p", err }))).toBe('<4>port went away port=p err="port gone: ENOENT" err.type=SimgateError err.code=ENOENT');
    const stack = "SimgateError: port gone\n    at open (a.ts:1:2)\n    at run (b.ts:3:4)";
    expect(formatJournalLine(json({ level: 50, msg: "failed", err: { ...err, type: "Error", name: "Error", stack } }))).toBe(
      '<3>failed err="port gone: ENOENT" err.code=ENOENT err.stack="at open (a.ts:1:2) | at run (b.ts:3:4)"',
    );
  });

  it("makes newlines, escapes and other control characters in messages and values visible", () => {
    const out = formatJournalLine(json({ level: 30, msg: "line one\nline two\x1b[31m\u2028", sender: "evil\r\n<3>fake", x: "\x07" }));
    expect(out).toBe('<6>line one\\nline two\\x1b[31m\\u2028 sender="evil\\r\\n<3>fake" x="\\u0007"');
    expect(out).not.toMatch(RAW_CONTROL);
  });

  it("uses the event when there is no message, and passes non-JSON input on, escaped", () => {
    expect(formatJournalLine(json({ level: 30, event: "tick" }))).toBe("<6>tick event=tick");
    expect(formatJournalLine("not json\n")).toBe("<6>not json\\n");
    expect(formatJournalLine("[1,2]")).toBe("<6>[1,2]");
    expect(formatJournalLine('"str"')).toBe('<6>"str"');
  });

  it("cuts very long values", () => {
    const out = formatJournalLine(json({ level: 30, msg: "m", pdu: "A".repeat(5000) }));
    expect(out.length).toBeLessThan(2_200);
    expect(out).toContain("…(+3000 chars)");
  });
});

describe("formatPrettyLine", () => {
  it("writes local HH:MM:SS.mmm, the level padded, the message and the fields", () => {
    const time = new Date(2025, 0, 2, 3, 4, 5, 6).getTime();
    expect(formatPrettyLine(json({ level: 30, time, msg: "SIM arrived", port: "p0", iccid: "8944" }))).toBe("03:04:05.006 INFO  SIM arrived port=p0 iccid=8944");
    expect(formatPrettyLine(json({ level: 50, time, msg: "x" }))).toBe("03:04:05.006 ERROR x");
  });

  it("colours level, time and keys only when asked", () => {
    const line = json({ level: 40, time: 0, msg: "careful", port: "p" });
    expect(formatPrettyLine(line, false)).not.toContain("\x1b");
    const coloured = formatPrettyLine(line, true);
    expect(coloured).toContain("\x1b[33mWARN");
    expect(coloured.replace(/\x1b\[[\d;]*m/g, "")).toBe(formatPrettyLine(line, false));
  });
});

describe("quoteValue and safeText", () => {
  it("round-trips a quoted value through JSON.parse", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        const q = quoteValue(s);
        expect(q).not.toMatch(RAW_CONTROL);
        if (q.startsWith('"')) expect(JSON.parse(q)).toBe(s);
        else expect(q).toBe(s);
      }),
    );
  });

  it("never leaves a control character in text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
        expect(safeText(s)).not.toMatch(RAW_CONTROL);
      }),
    );
  });
});

describe("any input gives one line and never throws (property)", () => {
  const record = fc.dictionary(fc.string({ unit: "binary", maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 12 });
  const withLevel = fc.tuple(record, fc.oneof(fc.constantFrom(10, 20, 30, 40, 50, 60), fc.jsonValue({ maxDepth: 1 })), fc.option(fc.string({ unit: "binary" }))).map(
    ([r, level, msg]) => ({ ...r, level, ...(msg === null ? {} : { msg }) }),
  );

  it("journal: `<P>` then one line without control characters", () => {
    fc.assert(
      fc.property(withLevel, (r) => {
        const out = formatJournalLine(JSON.stringify(r) + "\n");
        expect(out).toMatch(/^<[2-7]>/);
        expect(out).not.toMatch(RAW_CONTROL);
      }),
      { numRuns: 500 },
    );
  });

  it("pretty: one line, only colour escapes", () => {
    fc.assert(
      fc.property(withLevel, fc.boolean(), (r, colour) => {
        const out = formatPrettyLine(JSON.stringify(r) + "\n", colour);
        expect(out).toMatch(/^(\x1b\[2m)?\d\d:\d\d:\d\d\.\d\d\d/);
        expect(out).not.toMatch(CONTROL_BUT_SGR);
      }),
      { numRuns: 500 },
    );
  });

  it("arbitrary text and JSON that is not an object", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.jsonValue().map((v) => JSON.stringify(v) ?? "")), (s) => {
        expect(formatJournalLine(s)).not.toMatch(RAW_CONTROL);
        expect(formatPrettyLine(s, true)).not.toMatch(CONTROL_BUT_SGR);
      }),
      { numRuns: 300 },
    );
  });

  it("deeply nested and huge input", () => {
    const deep = `${'{"a":'.repeat(5_000)}"x"${"}".repeat(5_000)}`;
    expect(formatJournalLine(`{"level":30,"msg":"m","deep":${deep}}`)).toMatch(/^<6>m deep\.a\.a\.a=\S+$/);
    expect(formatJournalLine(JSON.stringify({ level: 30, msg: "m".repeat(100_000) })).length).toBeLessThan(5_000);
    expect(formatJournalLine("[".repeat(100_000))).toMatch(/^<6>\[\[\[/);
  });
});
