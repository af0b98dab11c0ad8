/** SMS commands of 3GPP TS 27.005 (PDU mode first, docs/protocols/at-commands.md#receiving-sms; text mode kept minimal). */
import type { SmsStat, SmsStorage, StoredSms } from "../sms-storage.js";
import { encodeForHost, isGsm7Text } from "./charset.js";
import { toUcs2Hex } from "../identifiers.js";
import { isRegistered } from "./network.js";
import { cms, CMS, ok, parseIntArg, smsSimBlocker, type AtResult, type CommandTable, type SimContext } from "./types.js";
import { textModeHeader, TEXT_STAT } from "./sms-text.js";

/** The storage for a CPMS slot, or the +CMS error explaining why it is unavailable. */
function memory(m: SimContext, slot: 0 | 1 | 2): SmsStorage | AtResult {
  const name = m.settings.cpms[slot];
  if (name === "SM") {
    const blocked = smsSimBlocker(m);
    if (blocked) return blocked;
  }
  return m.storage(name) ?? cms(CMS.notAllowed);
}

const isResult = (x: SmsStorage | AtResult): x is AtResult => "final" in x;

/** <mem1> (read, list, delete) also reaches the status-report memory, where `+CDSI` points (27.005 §3.2.2). */
const readMemories = (m: SimContext): string[] => [...m.dialect.memories, "SR"];

function entryLines(m: SimContext, prefix: string, sms: StoredSms): string[] {
  if (m.settings.cmgf === 0) return [`${prefix}${sms.stat},,${sms.tpduLength}`, sms.pdu];
  // Text mode shows the whole text on the first part; non-GSM text goes out as UCS2 hex, as modules do.
  const text = sms.meta && sms.meta.part === 1 ? sms.meta.text : "";
  return [`${prefix}${textModeHeader(m, sms)}`, isGsm7Text(text) ? encodeForHost(m, text) : toUcs2Hex(text)];
}

function markRead(sms: StoredSms): void {
  if (sms.stat === 0) sms.stat = 1;
}

function parseStat(m: SimContext, arg: string | undefined): number | null {
  if (m.settings.cmgf === 1) {
    const i = (TEXT_STAT as readonly string[]).indexOf((arg || "REC UNREAD").toUpperCase());
    return i < 0 ? null : i;
  }
  const n = parseIntArg(arg ?? "0");
  return n !== null && n <= 4 ? n : null;
}

function cmgl(m: SimContext, arg: string | undefined): AtResult {
  const mem = memory(m, 0);
  if (isResult(mem)) return mem;
  const stat = parseStat(m, arg);
  if (stat === null) return cms(m.settings.cmgf === 0 ? CMS.invalidPduParam : 305);
  const lines: string[] = [];
  for (const [index, sms] of mem.list(stat)) {
    lines.push(...entryLines(m, `+CMGL: ${index},`, sms));
    markRead(sms);
  }
  return ok(lines);
}

function cpmsLine(m: SimContext, withNames: boolean): AtResult {
  const parts: string[] = [];
  for (const slot of [0, 1, 2] as const) {
    const mem = memory(m, slot);
    if (isResult(mem)) return mem;
    parts.push(`${withNames ? `"${mem.name}",` : ""}${mem.used},${mem.capacity}`);
  }
  return ok([`+CPMS: ${parts.join(",")}`]);
}

/** Octets of the SMSC field at the start of a PDU (its length octet + 1). */
function smscOctets(hex: string): number {
  return parseInt(hex.slice(0, 2), 16) + 1;
}

function pduBody(length: number, onValid: (hex: string) => AtResult): AtResult {
  return {
    lines: [],
    final: {
      kind: "prompt",
      onBody: (body) => {
        if (body === null) return ok(); // ESC: 27.005 §3.5.1 cancels without sending
        const hex = body.replace(/\s+/g, "");
        if (!/^(?:[0-9A-Fa-f]{2})+$/.test(hex) || hex.length / 2 - smscOctets(hex) !== length) return cms(CMS.invalidPduParam);
        return onValid(hex.toUpperCase());
      },
    },
  };
}

export const smsCommands: CommandTable = {
  "+CMGF": {
    read: (m) => ok([`+CMGF: ${m.settings.cmgf}`]),
    test: () => ok(["+CMGF: (0,1)"]),
    set: (m, c) => {
      const v = parseIntArg(c.args[0] || "0");
      if (v === null || v > 1) return cms(CMS.notSupported);
      m.settings.cmgf = v as 0 | 1;
      return ok();
    },
  },
  "+CSMS": {
    read: () => ok(["+CSMS: 0,1,1,1"]),
    test: () => ok(["+CSMS: (0,1)"]),
    set: () => ok(["+CSMS: 1,1,1"]),
  },
  "+CPMS": {
    read: (m) => cpmsLine(m, true),
    test: (m) => {
      const quoted = (names: readonly string[]) => `(${names.map((x) => `"${x}"`).join(",")})`;
      const list = quoted(m.dialect.memories);
      return ok([`+CPMS: ${quoted(readMemories(m))},${list},${list}`]);
    },
    set: (m, c) => {
      const wanted = c.args.slice(0, 3).map((a) => a.toUpperCase());
      if (wanted.some((w, i) => !(i === 0 ? readMemories(m) : m.dialect.memories).includes(w))) return cms(CMS.notSupported);
      const previous = [...m.settings.cpms] as [string, string, string];
      wanted.forEach((w, i) => (m.settings.cpms[i] = w));
      const result = cpmsLine(m, false);
      if (result.final.kind !== "ok") m.settings.cpms = previous;
      return result;
    },
  },
  "+CNMI": {
    read: (m) => ok([`+CNMI: ${m.settings.cnmi.join(",")}`]),
    test: () => ok(["+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"]),
    set: (m, c) => {
      const limits = [3, 3, 3, 2, 1];
      const next = [...m.settings.cnmi] as typeof m.settings.cnmi;
      for (let i = 0; i < 5; i++) {
        const arg = c.args[i];
        if (arg === undefined || arg === "") continue;
        const v = parseIntArg(arg);
        if (v === null || v > (limits[i] ?? 0)) return cms(CMS.notSupported);
        next[i] = v;
      }
      m.settings.cnmi = next;
      return ok([], () => m.retryPendingSms());
    },
  },
  "+CMGR": {
    set: (m, c) => {
      const mem = memory(m, 0);
      if (isResult(mem)) return mem;
      const index = parseIntArg(c.args[0]);
      const sms = index === null ? undefined : mem.get(index);
      if (!sms) return cms(CMS.invalidIndex);
      const lines = entryLines(m, "+CMGR: ", sms);
      markRead(sms);
      return ok(lines);
    },
  },
  "+CMGL": {
    exec: (m) => cmgl(m, undefined),
    set: (m, c) => cmgl(m, c.args[0]),
    test: (m) => ok([m.settings.cmgf === 0 ? "+CMGL: (0-4)" : `+CMGL: (${TEXT_STAT.map((s) => `"${s}"`).join(",")})`]),
  },
  "+CMGD": {
    // 27.005 §3.5.4: the test form lists the indexes in use (smstools3 check_memory_method 2).
    test: (m) => {
      const mem = memory(m, 0);
      if (isResult(mem)) return mem;
      return ok([`+CMGD: (${mem.list(4).map(([i]) => i).join(",")}),(0-4)`]);
    },
    set: (m, c) => {
      const mem = memory(m, 0);
      if (isResult(mem)) return mem;
      const index = parseIntArg(c.args[0] || "0");
      const flag = parseIntArg(c.args[1] || "0");
      if (index === null || flag === null || flag > 4) return cms(CMS.invalidPduParam);
      if (flag > 0) mem.deleteByFlag(flag);
      else if (!mem.inRange(index)) return cms(CMS.invalidIndex);
      else mem.delete(index);
      // Freed space lets the network deliver what it was holding.
      return ok([], () => m.retryPendingSms());
    },
  },
  "+CMGS": {
    test: () => ok(),
    set: (m, c) => {
      const blocked = smsSimBlocker(m);
      if (blocked) return blocked;
      if (!isRegistered(m)) return cms(CMS.noNetwork);
      if (m.settings.cmgf === 1) {
        return { lines: [], final: { kind: "prompt", onBody: (b) => (b === null ? ok() : ok([`+CMGS: ${m.recordSent(b)}`])) } };
      }
      const length = parseIntArg(c.args[0]);
      if (length === null || length < 7 || length > 164) return cms(CMS.invalidPduParam);
      return pduBody(length, (hex) => ok([`+CMGS: ${m.recordSent(hex)}`]));
    },
  },
  "+CMGW": {
    set: (m, c) => {
      const mem = memory(m, 1);
      if (isResult(mem)) return mem;
      if (m.settings.cmgf === 1) return cms(CMS.notSupported);
      const length = parseIntArg(c.args[0]);
      const stat = parseIntArg(c.args[1] || "2");
      if (length === null || length > 164 || stat === null || stat > 3) return cms(CMS.invalidPduParam);
      return pduBody(length, (hex) => {
        const index = mem.store({ stat: stat as SmsStat, pdu: hex, tpduLength: length });
        return index === null ? cms(CMS.memoryFull) : ok([`+CMGW: ${index}`]);
      });
    },
  },
  "+CSCA": {
    read: (m) => {
      const blocked = smsSimBlocker(m);
      if (blocked) return blocked;
      const smsc = m.sim?.profile.smsc ?? "";
      return ok([`+CSCA: "${encodeForHost(m, smsc)}",${smsc.startsWith("+") ? 145 : 129}`]);
    },
    set: (m, c) => {
      const sim = m.sim;
      if (!sim) return cms(CMS.simNotInserted);
      sim.profile.smsc = c.args[0] ?? sim.profile.smsc;
      return ok();
    },
  },
  "+CSMP": { read: () => ok(["+CSMP: 17,167,0,0"]), set: () => ok() },
  "+CSDH": { read: () => ok(["+CSDH: 0"]), set: () => ok() },
  "+CNMA": { exec: () => ok(), set: () => ok() },
  "+CMMS": { read: () => ok(["+CMMS: 0"]), set: () => ok() },
};
