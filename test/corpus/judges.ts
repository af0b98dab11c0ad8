/**
 * How a corpus entry is judged: each `kind` runs the capture through OUR parser (the one
 * the product uses for that reply) and compares with what the source asserted, translating
 * the source's vocabulary (ModemManager enums, python-gsmmodem field names, …) in one place.
 *
 * - asserts "parses": our parser must accept it (and a PDU inside must decode);
 * - asserts "error": our parser must refuse it with a typed failure (for the PDU decoder, a
 *   refusal or a decode that carries warnings: a flagged result, never a clean one);
 * - asserts {…}: every value the source states must come out of our parser.
 */
import { expect } from "vitest";
import { classifyFinal } from "../../src/at/final-result.js";
import { decodePdu, decodeUssd, parseCusd, type DecodedSms } from "../../src/codec/index.js";
import { septetsToText } from "../../src/codec/gsm7.js";
import { parseHex } from "../../src/codec/hex-reader.js";
import { unpackSeptets } from "../../src/codec/septets.js";
import { parseDirectHeader } from "../../src/modem/sms-handoff.js";
import {
  normaliseIccid,
  parseCmgl,
  parseCmgr,
  parseCnum,
  parseCops,
  parseCpin,
  parseCpmsSupported,
  parseCpmsUsage,
  parseCreg,
  parseCrsm,
  parseCsq,
  parseIdentityLine,
  parseImei,
  parseImsi,
  parseStoredIndication,
  parseVendorIccid,
  type Registration,
} from "../../drivers/generic/index.js";
import { parseSimst, parseSysinfo } from "../../drivers/huawei/parsers.js";
import { parseWind } from "../../drivers/wavecom/parsers.js";
import { splitLines, toReply, type CorpusEntry } from "./load.js";

type Obj = Record<string, unknown>;
type Judge = (entry: CorpusEntry, view: string) => void;

const asObj = (a: CorpusEntry["asserts"]): Obj => (typeof a === "object" ? a : {});

/** A `Parsed<T>` that must be ok (with the entry named on failure). */
function okValue<T>(p: { ok: true; value: T } | { ok: false; reason: string }, entry: CorpusEntry): T {
  if (!p.ok) throw new Error(`${entry.id}: our parser refused a capture the source accepts: ${p.reason}`);
  return p.value;
}

/** parses / error / values, for parsers returning `Parsed<T>`. */
function judgeParsed<T>(entry: CorpusEntry, p: { ok: true; value: T } | { ok: false; reason: string }, values: (v: T, a: Obj) => void): void {
  if (entry.asserts === "error") {
    expect(p.ok, `${entry.id}: the source says this is an error, we accepted it`).toBe(false);
    if (!p.ok) expect(p.reason.length).toBeGreaterThan(0);
    return;
  }
  const v = okValue(p, entry);
  if (entry.asserts !== "parses") values(v, asObj(entry.asserts));
}

// --- vocabulary of the sources -------------------------------------------------------------

/** ModemManager MMModem3gppRegistrationState → our Registration (27.007 <stat> semantics). */
const MM_STATE: Record<string, Registration> = {
  IDLE: "unregistered",
  HOME: "home",
  SEARCHING: "searching",
  DENIED: "denied",
  UNKNOWN: "unknown",
  ROAMING: "roaming",
  HOME_SMS_ONLY: "home",
  ROAMING_SMS_ONLY: "roaming",
  EMERGENCY_ONLY: "unregistered",
  HOME_CSFB_NOT_PREFERRED: "home",
  ROAMING_CSFB_NOT_PREFERRED: "roaming",
  ATTACHED_RLOS: "unregistered",
};
/** ModemManager MMModemAccessTechnology → 27.007 <AcT>; UNKNOWN = no AcT field. */
const MM_ACT: Record<string, number | undefined> = { UNKNOWN: undefined, GSM: 0, GSM_COMPACT: 1, UMTS: 2, EDGE: 3, HSDPA: 4, HSUPA: 5, HSPA: 6, LTE: 7 };
/** 27.007 <stat> numbers (gammu, at-messages-parser) → our Registration. */
const STAT: Registration[] = ["unregistered", "home", "searching", "denied", "unknown", "roaming"];
/** ModemManager MMModemLock / python-gsmmodem / at-messages-parser PIN states → our SimState. */
const LOCK: Record<string, string> = { NONE: "ready", READY: "ready", SIM_PIN: "pin", "SIM PIN": "pin", SIM_PUK: "puk", "SIM PUK": "puk", SIM_PUK2: "puk", "SIM PUK2": "puk", PH_NET_PIN: "error" };

function hexNumber(hex: string | undefined): number {
  return hex === undefined ? 0 : parseInt(hex.replace(/\s+/g, ""), 16) || 0;
}

/** ISO 8601 instants compared by the moment and the offset, whatever the spelling (`-05`, `-05:00`, `Z`). */
function sameTime(ours: string | null, theirs: string): void {
  expect(ours, "timestamp").not.toBeNull();
  const norm = (t: string) => t.replace(/([+-]\d\d)$/, "$1:00").replace(/Z$/, "+00:00");
  expect(new Date(norm(ours!)).getTime()).toBe(new Date(norm(theirs)).getTime());
  expect(norm(ours!).slice(-6)).toBe(norm(theirs).slice(-6));
}

const digits = (s: string) => s.replace(/^\+|^00/, "");
const party = (m: DecodedSms) => (m.type === "deliver" ? m.sender : m.recipient);
const MTI: Record<string, DecodedSms["type"]> = { "SMS-DELIVER": "deliver", "SMS-SUBMIT": "submit", "SMS-STATUS-REPORT": "status-report" };

/** A PDU's decode compared with each source's field names. */
function judgePduValues(m: DecodedSms, a: Obj, view: string): void {
  for (const [key, want] of Object.entries(a)) {
    switch (key) {
      case "type":
        expect(m.type).toBe(MTI[want as string]);
        break;
      case "smsc":
        expect(m.smsc).toBe(want);
        break;
      case "sca":
        expect(digits(m.smsc ?? "")).toBe(want);
        break;
      case "number":
        // The ZTE report the source calls semi-invalid: python-gsmmodem prints the broken
        // address with hex letters; we must not hand out a clean-looking number for it.
        if (view === "python-gsmmodem" && typeof want === "string" && /[a-f]/.test(want)) expect(party(m)).not.toMatch(/^\+?\d+$/);
        else expect(party(m)).toBe(want);
        break;
      case "address":
        expect(digits(party(m))).toBe(digits(want as string));
        break;
      case "timestamp":
      case "time":
        sameTime(m.timestamp, want as string);
        break;
      case "scts":
        sameTime(m.timestamp, (want as Obj)["isoStr"] as string);
        break;
      case "discharge":
        expect(m.type).toBe("status-report");
        if (m.type === "status-report") sameTime(m.dischargeTime, want as string);
        break;
      case "text":
        expect(m.text).toBe(want);
        break;
      case "data":
        expect(m.text).toBe((want as Obj)["text"]);
        break;
      case "dataHex":
        expect(m.userDataHex).toBe(want);
        break;
      case "multipart":
        expect(m.concat !== null && m.concat.total > 1).toBe(want);
        break;
      case "protocol_id":
        expect(m.pid).toBe(want);
        break;
      case "dcs":
        expect(m.dcs?.raw).toBe(want);
        break;
      case "reference":
        expect(m.type === "deliver" ? null : m.messageRef).toBe(want);
        break;
      case "validityMinutes":
        expect(m.type === "submit" && m.validityPeriod.format === "relative" ? m.validityPeriod.minutes : null).toBe(want);
        break;
      case "validity":
        expect(m.type === "submit" && m.validityPeriod.format === "absolute").toBe(true);
        if (m.type === "submit" && m.validityPeriod.format === "absolute") sameTime(m.validityPeriod.iso, want as string);
        break;
      case "concat": {
        const c = want as { reference: number; parts: number; number: number };
        expect(m.concat).toMatchObject({ ref: c.reference, total: c.parts, seq: c.number });
        break;
      }
      case "udh": {
        const u = want as { pointer: number; segments: number; current: number };
        expect(m.concat).toMatchObject({ ref: u.pointer, total: u.segments, seq: u.current });
        break;
      }
      default:
        throw new Error(`no comparison for PDU field '${key}'`);
    }
  }
}

function judgePdu(entry: CorpusEntry, hex: string, view: string, tpduLength?: number): void {
  const out = decodePdu(hex, tpduLength === undefined ? {} : { tpduLength });
  if (entry.asserts === "error") {
    const flagged = !out.ok || out.warnings.length > 0;
    expect(flagged, `${entry.id}: the source says this PDU is invalid; we decoded it cleanly`).toBe(true);
    return;
  }
  if (!out.ok) throw new Error(`${entry.id}: PDU refused: byte ${out.error.offset}: ${out.error.reason}`);
  if (entry.asserts !== "parses") judgePduValues(out.message, asObj(entry.asserts), view);
}

function registration(entry: CorpusEntry, view: string, form: "reply" | "urc"): void {
  const reply = toReply(entry.raw);
  const prefix = `+${/\+(C5GREG|CEREG|CGREG|CREG)/.exec(entry.raw)?.[1] ?? "CREG"}:`;
  // Replies go through the product path (no form given); URCs say what they are.
  // Replies and URCs alike go through the product's "auto" reading: some modules put <n>
  // first even in URCs (ModemManager md400/x220/s8500 captures), so the line decides.
  void form;
  const parsed = parseCreg(reply.lines, prefix);
  judgeParsed(entry, parsed, (v, a) => {
    if (view === "modemmanager") {
      expect(v.registration).toBe(MM_STATE[a["state"] as string]);
      expect(hexNumber(v.lac)).toBe(a["lac"]);
      expect(hexNumber(v.cellId)).toBe(a["ci"]);
      expect(v.act).toBe(MM_ACT[a["act"] as string]);
    } else {
      const stat = (a["stat"] ?? a["state"]) as number;
      expect(v.registration).toBe(STAT[stat]);
    }
  });
}

function finalResult(entry: CorpusEntry): void {
  const line = splitLines(entry.raw).find((l) => !/^\s*AT/i.test(l)) ?? "";
  const final = classifyFinal(line);
  const a = asObj(entry.asserts);
  const want = String(a["final"]);
  expect(final, `${entry.id}: ${JSON.stringify(line)} must end the command`).not.toBeNull();
  const kinds: Record<string, string> = {
    ok: "ok",
    OK: "ok",
    error: "error",
    ERROR: "error",
    COMMAND_NOT_SUPPORT: "error",
    TOO_MANY_PARAMETERS: "error",
    CONNECT: "error",
    NO_CARRIER: "no-carrier",
    NO_DIALTONE: "no-dialtone",
    BUSY: "busy",
    NO_ANSWER: "no-answer",
    cme: "cme",
    P_CME_ERROR: "cme",
    cms: "cms",
    P_CMS_ERROR: "cms",
    modem: "error",
  };
  expect(final!.kind).toBe(kinds[want]);
  if ("isError" in a) expect(final!.kind !== "ok").toBe(a["isError"]);
  if ("code" in a) expect(final && "code" in final ? final.code : undefined).toBe(a["code"]);
  if ("verbose" in a && final && "text" in final) expect(final.text.toLowerCase()).toBe(String(a["verbose"]).toLowerCase());
}

function swapped(hex: string): string {
  let out = "";
  for (let i = 0; i + 1 < hex.length; i += 2) out += hex[i + 1]! + hex[i]!;
  return out.replace(/F+$/i, "");
}

const JUDGES: Record<string, Judge> = {
  "final result": (e) => finalResult(e),
  "unsolicited line": (e) => {
    for (const line of splitLines(e.raw)) expect(classifyFinal(line), `${JSON.stringify(line)} is a URC, not a final result`).toBeNull();
  },
  "+CREG reply": (e, v) => registration(e, v, "reply"),
  "+CGREG reply": (e, v) => registration(e, v, "reply"),
  "+CEREG reply": (e, v) => registration(e, v, "reply"),
  "+CREG URC": (e, v) => registration(e, v, "urc"),
  "+CGREG URC": (e, v) => registration(e, v, "urc"),
  "+CEREG URC": (e, v) => registration(e, v, "urc"),
  "+COPS? reply": (e) =>
    judgeParsed(e, parseCops(toReply(e.raw).lines), (v, a) => {
      if ("mode" in a) expect(v.mode).toBe(a["mode"]);
      if ("format" in a) expect(v.format).toBe(a["format"]);
      if ("operator" in a) expect(v.operator).toBe(a["operator"]);
      if ("name" in a) expect(v.operator).toBe(a["name"]);
      if ("act" in a) expect(v.act).toBe(MM_ACT[a["act"] as string]);
    }),
  "+CSQ reply": (e) =>
    judgeParsed(e, parseCsq(toReply(e.raw).lines), (v, a) => {
      const want = a["rssi"] as number;
      expect(v.rssi).toBe(want === -1 ? null : want);
    }),
  "+CPIN? reply": (e) => {
    const reply = toReply(e.raw);
    judgeParsed(e, parseCpin(reply.lines), (v, a) => {
      const want = (a["lock"] ?? a["state"] ?? a["pinState"]) as string;
      expect(v).toBe(LOCK[want]);
      // The capture ends without OK: the channel must run AT+CPIN? with allowMissingFinal.
      if (a["finalMissing"]) expect(reply.final).toBeNull();
    });
  },
  "+CNUM reply": (e) => {
    const numbers = parseCnum(toReply(e.raw).lines).map((n) => n.number);
    const a = asObj(e.asserts);
    if (a["numbers"]) expect(numbers).toEqual(a["numbers"]);
    if (a["number"]) expect(numbers).toContain(a["number"]);
  },
  "+CPMS=? reply": (e) =>
    judgeParsed(e, parseCpmsSupported(toReply(e.raw).lines), (v, a) => {
      if (a["memories"]) expect(v).toEqual(a["memories"]);
      for (const m of (a["read"] as string[] | undefined) ?? []) expect(v[0]).toContain(m);
      for (const m of (a["save"] as string[] | undefined) ?? []) expect(v[1]).toContain(m);
      for (const m of (a["absent"] as string[] | undefined) ?? []) expect(v[0]).not.toContain(m);
    }),
  "+CPMS? reply": (e) => judgeCpmsUsage(e),
  "+CPMS= reply": (e) => judgeCpmsUsage(e),
  "+CMGL listing": (e, view) => {
    const listed = okValue(parseCmgl(toReply(e.raw).lines), e);
    const a = asObj(e.asserts);
    if (e.asserts === "parses" || "count" in a) {
      const count = (a["count"] as number | undefined) ?? listed.entries.length;
      expect(listed.entries).toHaveLength(count);
      expect(count).toBeGreaterThan(0);
    }
    const wanted = (a["entries"] as Obj[] | undefined) ?? ("pdu" in a ? [a] : []);
    for (const w of wanted) {
      const got = listed.entries.find((x) => x.index === w["index"]);
      expect(got, `+CMGL entry ${String(w["index"])}`).toBeDefined();
      expect(got!.stat).toBe(w["status"] ?? w["stat"]);
      expect(got!.pdu).toBe(String(w["pdu"]).toUpperCase());
      if ("length" in w) expect(got!.length).toBe(w["length"]);
    }
    // Whole PDUs in a listing must decode; a truncated one must be flagged, never silently clean.
    for (const x of listed.entries) {
      const out = decodePdu(x.pdu, { tpduLength: x.length });
      const whole = parseHex(x.pdu).ok && x.pdu.length % 2 === 0 && x.pdu.length / 2 > x.length;
      if (whole && view !== "at-messages-parser") expect(out.ok, `${e.id}: PDU of entry ${x.index}`).toBe(true);
      else if (!whole) expect(!out.ok || out.warnings.length > 0).toBe(true);
    }
  },
  "+CMGR reply": (e, view) => {
    const read = parseCmgr(toReply(e.raw).lines);
    if (e.asserts === "error") {
      const refused = !read.ok || (() => {
        const out = decodePdu(read.value.pdu, { tpduLength: read.value.length });
        return !out.ok || out.warnings.length > 0;
      })();
      expect(refused, `${e.id}: the source says this reply is broken; we read it cleanly`).toBe(true);
      return;
    }
    const v = okValue(read, e);
    const a = asObj(e.asserts);
    if ("status" in a) expect(v.stat).toBe(a["status"]);
    if ("pdu" in a) expect(v.pdu).toBe(a["pdu"]);
    judgePdu({ ...e, asserts: "type" in a || "reference" in a ? a : "parses" }, v.pdu, view, v.length);
  },
  "+CDS URC": (e, view) => directPdu(e, view),
  "+CMT URC": (e, view) => directPdu(e, view),
  "SMS PDU": (e, view) => judgePdu(e, e.raw, view),
  "packed GSM 7-bit": (e) => {
    const bytes = parseHex(e.raw);
    if (!bytes.ok) throw new Error(bytes.error.reason);
    const align = (e.input?.["alignBits"] as number | undefined) ?? 0;
    const given = e.input?.["septets"] as number | null | undefined;
    const septets = unpackSeptets(bytes.bytes, given ?? Math.floor((bytes.bytes.length * 8 - align) / 7), align);
    // Without a septet count, 7 spare bits at the end are padding (23.038 §6.1.2.3.1: CR, or zeros from lax encoders).
    if (given == null && (bytes.bytes.length * 8 - align) % 7 === 0 && (septets.at(-1) === 0x00 || septets.at(-1) === 0x0d)) septets.pop();
    expect(septetsToText(septets)).toBe(asObj(e.asserts)["text"]);
  },
  "+CUSD URC": (e) => {
    const parsed = parseCusd(splitLines(e.raw).length > 1 ? e.raw.replace(/\r?\n$/, "") : e.raw.trim());
    if (!parsed.ok) throw new Error(`${e.id}: +CUSD refused: ${parsed.error.reason}`);
    const a = asObj(e.asserts);
    if ("status" in a) expect(parsed.status).toBe(a["status"]);
    const decoded = decodeUssd(parsed.raw ?? "", parsed.dcs);
    if ("text" in a) expect(decoded.text).toBe(a["text"]);
    if (a["decodedNotHex"]) {
      // gammu fails a reply whose decoded response is still UCS2 hex ("00xx…").
      expect(decoded.text).not.toMatch(/^(00[0-9A-Fa-f]{2})+$/);
      if (/^[0-9A-F]+$/i.test(parsed.raw ?? "")) expect(decoded.decodedAs).not.toBe("text");
      expect(decoded.text.trim().length).toBeGreaterThan(0);
    }
  },
  ICCID: (e) => judgeParsed(e, normaliseIccid(e.raw), (v, a) => expect(v.iccid).toBe(a["iccid"])),
  "^ICCID reply": (e) => judgeParsed(e, parseVendorIccid(toReply(e.raw).lines), (v, a) => expect(v.iccid).toBe(swapped(a["iccid"] as string))),
  "+CRSM reply": (e) =>
    judgeParsed(e, parseCrsm(toReply(e.raw).lines), (v, a) => {
      expect([v.sw1, v.sw2]).toEqual([a["sw1"], a["sw2"]]);
      expect(v.data).toBe(a["hex"] ?? a["response"] ?? null);
    }),
  "identity reply": (e) => judgeParsed(e, parseIdentityLine(toReply(e.raw).lines), (v, a) => expect(v).toBe(a["value"])),
  "+CIMI reply": (e) => judgeParsed(e, parseImsi(toReply(e.raw).lines), (v, a) => expect(v).toBe(a["value"])),
  "+CGSN reply": (e) => judgeParsed(e, parseImei(toReply(e.raw).lines), (v, a) => expect(v).toBe(a["value"])),
  "+CMTI URC": (e) => storedIndication(e, "sms"),
  "+CDSI URC": (e) => storedIndication(e, "status-report"),
  "^SIMST URC": (e) =>
    judgeParsed(e, parseSimst(splitLines(e.raw)[0]!), (v, a) => {
      expect(v.state).toBe(a["simState"]);
      expect(v.locked).toBe(a["lock"]);
    }),
  "^SYSINFO reply": (e) =>
    judgeParsed(e, parseSysinfo(toReply(e.raw).lines), (v, a) => {
      expect(v.serviceStatus).toBe(a["srv_status"] ?? a["serviceStatus"]);
      expect(v.serviceDomain).toBe(a["srv_domain"] ?? a["serviceDomain"]);
      expect(v.roaming).toBe("isRoaming" in a ? a["isRoaming"] : a["roam_status"] === 1);
      expect(v.systemMode).toBe(a["sys_mode"] ?? a["sysMode"]);
      expect(v.simState).toBe(a["sim_state"] ?? a["simState"]);
      if ("sys_submode_valid" in a) expect(v.subMode).toBe(a["sys_submode_valid"] ? a["sys_submode"] : null);
      if ("sysSubMode" in a) expect(v.subMode).toBe(a["sysSubMode"]);
    }),
  "+WIND URC": (e) => judgeParsed(e, parseWind(splitLines(e.raw)[0]!), (v, a) => expect(v.code).toBe(a["event"])),
};

function judgeCpmsUsage(e: CorpusEntry): void {
  judgeParsed(e, parseCpmsUsage(toReply(e.raw).lines), (v, a) => {
    const known = (m: string | undefined) => (m && ["SM", "ME", "MT", "SR", "BM", "TA"].includes(m) ? m : null);
    if ("mem1" in a) expect(known(v[0]?.memory)).toBe(a["mem1"]);
    if ("mem2" in a) expect(known(v[1]?.memory)).toBe(a["mem2"]);
    if ("usage" in a) expect(v.map((u) => [u.used, u.total])).toEqual(a["usage"]);
    const slots = ["readingAndDeleting", "writingAndSending", "receiving"] as const;
    slots.forEach((slot, i) => {
      const w = a[slot] as { mem?: string; used: number; capacity: number } | undefined;
      if (!w) return;
      expect(v[i]).toMatchObject({ used: w.used, total: w.capacity, ...(w.mem ? { memory: w.mem } : {}) });
    });
  });
}

function storedIndication(e: CorpusEntry, kind: "sms" | "status-report"): void {
  judgeParsed(e, parseStoredIndication(splitLines(e.raw)[0]!), (v, a) => {
    expect(v.kind).toBe(kind);
    expect(v.memory).toBe(a["mem"] ?? a["memory"]);
    expect(v.index).toBe(a["index"]);
  });
}

/** `+CMT: [<alpha>],<len>` / `+CDS: <len>` and the PDU on the next line (src/modem/sms-handoff.ts). */
function directPdu(e: CorpusEntry, view: string): void {
  const [head, pdu] = splitLines(e.raw);
  const length = parseDirectHeader(head ?? "");
  const a = asObj(e.asserts);
  expect(length).toBe(a["length"]);
  expect(pdu).toBe(a["pdu"]);
  // The PDU itself: whole ones decode, a cut-off one is flagged (at-messages-parser's +CMT sample is cut off).
  const out = decodePdu(pdu!, { tpduLength: length! });
  const whole = pdu!.length / 2 >= length!;
  if (whole && view === "modemmanager") expect(out.ok).toBe(true);
  else expect(out.ok ? out.warnings.length > 0 || whole : true).toBe(true);
}

export function judgeEntry(entry: CorpusEntry, view: string): void {
  const judge = JUDGES[entry.kind];
  if (!judge) throw new Error(`${entry.id}: no judge for kind '${entry.kind}'`);
  judge(entry, view);
}

export const JUDGED_KINDS: readonly string[] = Object.keys(JUDGES);
