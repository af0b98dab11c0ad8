import { describe, it, expect } from "vitest";
import { decodePdu, type DecodedSms } from "../../src/codec/index.js";
import { V } from "./vectors.js";

function ok(hex: string, opts?: Parameters<typeof decodePdu>[1]): { m: DecodedSms; warnings: string[] } {
  const r = decodePdu(hex, opts);
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return { m: r.message, warnings: r.warnings };
}

describe("decodePdu: SMS-DELIVER vectors", () => {
  it("decodes the textbook 'How are you?' PDU with its SMSC", () => {
    const { m, warnings } = ok(V.howAreYou);
    expect(m).toMatchObject({ type: "deliver", sender: "+31641600986", smsc: "+31624000000", text: "How are you?", encoding: "gsm7", timestamp: "2002-08-26T19:37:41+00:00", concat: null });
    expect(warnings).toEqual([]);
  });

  it.each([
    ["concat8", { ref: 42, total: 2, seq: 1, refWidth: 8 }, "2024-03-15T10:20:30+03:00"],
    ["concat16", { ref: 0x1234, total: 3, seq: 2, refWidth: 16 }, "2024-03-15T10:20:30-05:00"],
  ] as const)("%s: concatenation IE and 7-bit fill bits", (name, concat, ts) => {
    const { m, warnings } = ok(V[name]);
    expect(m.text).toBe("Hi");
    expect(m.concat).toEqual(concat);
    expect(m.timestamp).toBe(ts);
    expect(m.smsc).toBeNull();
    expect(warnings).toEqual([]);
  });

  it("alphanumeric sender (TON 5, packed 7-bit) and a +05:45 zone", () => {
    const { m } = ok(V.telegram);
    expect(m.type === "deliver" && m.senderAddress).toEqual({ value: "Telegram", type: "alphanumeric", ton: 5, npi: 0 });
    expect(m).toMatchObject({ sender: "Telegram", text: "hellohello", smsc: "+79168999100", timestamp: "2024-03-15T10:20:30+05:45" });
  });

  it("UCS2 with a surrogate pair, national number, −03:30 zone", () => {
    const { m } = ok(V.ucs2Emoji);
    expect(m).toMatchObject({ sender: "8916123456", encoding: "ucs2", text: "Привет 😀", timestamp: "2024-03-15T10:20:30-03:30" });
    expect(m.type === "deliver" && m.senderAddress.type).toBe("national");
  });

  it("unknown TON short code", () => {
    const { m } = ok(V.shortCode);
    expect(m.type === "deliver" && m.senderAddress).toEqual({ value: "900", type: "unknown", ton: 0, npi: 1 });
  });

  it("8-bit data with 16-bit port addressing", () => {
    const { m } = ok(V.port8bit);
    expect(m.encoding).toBe("8bit");
    expect(m.port).toEqual({ destination: 2948, source: 9200, width: 16 });
    expect(m.userDataHex).toBe("C0FFEE");
  });

  it("message class 0 (flash)", () => {
    const { m } = ok(V.flash);
    expect(m.dcs).toMatchObject({ group: "general", messageClass: 0, alphabet: "gsm7" });
    expect(m.text).toBe("hellohello");
  });

  it("message waiting groups: discard (1100) and store UCS2 (1110)", () => {
    expect(ok(V.mwiDiscard).m.dcs).toMatchObject({ group: "mwi-discard", alphabet: "gsm7", waiting: { active: true, kind: "voicemail", store: false } });
    const s = ok(V.mwiStoreUcs2).m;
    expect(s.dcs).toMatchObject({ group: "mwi-store-ucs2", alphabet: "ucs2", waiting: { active: false, kind: "voicemail", store: true } });
    expect(s.text).toBe("Hi");
  });

  it("extension table characters", () => {
    expect(ok(V.extension).m.text).toBe("€[]");
  });

  it("national language locking shift IE switches the table", () => {
    const { m } = ok(V.turkishLocking);
    expect(m.text).toBe("ş");
    expect(m.language).toEqual({ locking: "turkish", single: null });
  });

  it("unknown IEIs are kept, not fatal", () => {
    const { m, warnings } = ok(V.unknownIei);
    expect(m.text).toBe("A");
    expect(m.udh).toEqual([{ kind: "other", iei: 0x70, data: "AABB" }]);
    expect(warnings).toEqual([]);
  });

  it("compressed flag is reported with a warning", () => {
    const { m, warnings } = ok(V.compressed);
    expect(m.dcs?.compressed).toBe(true);
    expect(m.text).toBe("");
    expect(warnings.join()).toMatch(/compressed/);
  });
});

describe("decodePdu: SMS-SUBMIT and SMS-STATUS-REPORT", () => {
  it("SUBMIT with relative validity", () => {
    const { m } = ok(V.submit);
    expect(m).toMatchObject({ type: "submit", recipient: "+46708251358", text: "hellohello", timestamp: null, messageRef: 0 });
    expect(m.type === "submit" && m.validityPeriod).toEqual({ format: "relative", raw: 0xaa, minutes: 4 * 1440 });
  });

  it("STATUS-REPORT delivered, without TP-PI", () => {
    const { m, warnings } = ok(V.statusReport);
    expect(m).toMatchObject({
      type: "status-report",
      messageRef: 0xd6,
      recipient: "+31628870634",
      timestamp: "2011-01-11T17:59:15+01:00",
      dischargeTime: "2011-01-11T17:59:17+01:00",
      status: { code: 0, category: "delivered" },
    });
    expect(warnings).toEqual([]);
  });

  it("STATUS-REPORT failed (validity expired), with TP-PI 00", () => {
    const { m } = ok(V.statusExpired);
    expect(m.type === "status-report" && m.status).toMatchObject({ code: 0x46, category: "failed-permanent", description: "validity period expired" });
  });

  it("STATUS-REPORT padded with FF after the status is accepted with a warning", () => {
    const { m, warnings } = ok(V.statusReport + "FFFFFF");
    expect(m.type).toBe("status-report");
    expect(warnings.join()).toMatch(/reserved bits/);
  });
});

describe("decodePdu: SMSC field handling", () => {
  const tpdu = V.howAreYou.slice(16); // without 07 91 1326040000F0

  it("--no-smsc / smsc:false", () => {
    expect(ok(tpdu, { smsc: false }).m).toMatchObject({ smsc: null, text: "How are you?" });
  });

  it("tpduLength (the +CMGR <length>) settles whether an SMSC field is there", () => {
    expect(ok(V.howAreYou, { tpduLength: tpdu.length / 2 }).m.smsc).toBe("+31624000000");
    expect(ok(tpdu, { tpduLength: tpdu.length / 2 }).m.smsc).toBeNull();
  });

  it("SMSC length 00", () => {
    expect(ok("00" + tpdu).m.smsc).toBeNull();
  });

  it("a PDU without SMSC decodes (with a warning) even when the caller assumed one", () => {
    const { m, warnings } = ok(tpdu);
    expect(m.text).toBe("How are you?");
    expect(warnings.join()).toMatch(/without one/);
  });

  it("lowercase hex and spaces", () => {
    expect(ok(V.howAreYou.toLowerCase().replace(/(..)/g, "$1 ")).m.text).toBe("How are you?");
  });
});

describe("decodePdu: lying lengths and garbage", () => {
  it("TP-UDL longer than the data: best effort with a warning", () => {
    const lying = V.shortCode.replace(/0AE8329BFD4697D9EC37$/, "14E8329BFD4697D9EC37");
    const { m, warnings } = ok(lying);
    expect(m.text.startsWith("hellohello")).toBe(true);
    expect(warnings.join()).toMatch(/TP-UDL/);
  });

  it("trailing octets after the user data: warning", () => {
    const { m, warnings } = ok(V.shortCode + "FFFF");
    expect(m.text).toBe("hellohello");
    expect(warnings.join()).toMatch(/after the end/);
  });

  it("reserved MTI 3 is processed as SMS-DELIVER (23.040 §9.2.3.1)", () => {
    const { m, warnings } = ok("00" + "07" + V.shortCode.slice(4));
    expect(m.type).toBe("deliver");
    expect(warnings.join()).toMatch(/reserved/);
  });

  it.each([
    ["", 0, /empty/],
    ["07911326040000F0040B9113466100", 11, /truncated/],
    ["0791132604zz", 5, /not a hex digit/],
    ["00040B911346610089F6000020806291731408", 19, /truncated/],
  ])("malformed %j → error at byte %i", (hex, offset, reason) => {
    const r = decodePdu(hex);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.offset).toBe(offset);
      expect(r.error.reason).toMatch(reason);
    }
  });

  it("UDH length overrunning the user data is an error naming the offset", () => {
    const bad = "00" + "44" + "0B919761214365F7" + "00" + "04" + "42305101020321" + "03" + "0A0003";
    const r = decodePdu(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toMatch(/UDH length/);
  });

  it("invalid UCS2 (lone surrogate, odd length): best effort with warnings", () => {
    const hex = "00" + "04" + "038109F0" + "00" + "08" + "42305101020321" + "05" + "D83D004100";
    const { m, warnings } = ok(hex);
    expect(m.text).toBe("\uFFFDA");
    expect(warnings.join()).toMatch(/surrogate/);
    expect(warnings.join()).toMatch(/odd/);
  });

  it("concat IE with seq 0 is ignored (23.040 §9.2.3.24.1)", () => {
    const hex = V.concat8.replace("0500032A0201", "0500032A0200");
    const { m, warnings } = ok(hex);
    expect(m.concat).toBeNull();
    expect(warnings.join()).toMatch(/part 0 of 2/);
  });

  it("invalid SCTS digits drop the timestamp, not the message", () => {
    const hex = V.shortCode.replace("42305101020321", "4230F101020321");
    const { m, warnings } = ok(hex);
    expect(m.timestamp).toBeNull();
    expect(m.text).toBe("hellohello");
    expect(warnings.join()).toMatch(/not BCD/);
  });
});
