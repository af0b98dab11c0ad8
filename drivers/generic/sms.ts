/**
 * 27.005 SMS storage and list replies every driver shares (PDU mode only, `AT+CMGF=0`).
 * Pure and total: malformed input gives a `Parsed` failure or a skipped entry, never a throw.
 */
import type { SmsMemory } from "../types.js";
import { afterPrefix, fail, findPrefixed, ok, splitParams, type Parsed } from "./result.js";

export interface MemoryUsage {
  /** Memory name; undefined when the modem prints counts only (Wavecom `+CPMS: 14,50,14,50`). */
  memory?: string;
  used: number;
  total: number;
}

/**
 * `AT+CPMS?` → `+CPMS: "ME",0,23,"ME",0,23,"SM",10,10` (docs/protocols/at-commands.md#receiving-sms), and the name-less
 * shapes: Wavecom `+CPMS: 14,50,14,50` and the reply to `AT+CPMS="ME",…` (`+CPMS: 0,23,0,23,10,10`).
 */
export function parseCpmsUsage(lines: readonly string[]): Parsed<MemoryUsage[]> {
  const payload = findPrefixed(lines, "+CPMS:");
  if (payload === undefined) return fail("no +CPMS line", lines);
  if (payload.includes("(")) return fail("this is the +CPMS=? list, not usage", payload);
  const params = splitParams(payload);
  const named = params.length % 3 === 0 && params.every((p, i) => (i % 3 === 0 ? /^[A-Z]{2}$/i.test(p) : /^\d+$/.test(p)));
  const out: MemoryUsage[] = [];
  if (named) {
    for (let i = 0; i < params.length; i += 3) {
      out.push({ memory: params[i]!.toUpperCase(), used: Number(params[i + 1]), total: Number(params[i + 2]) });
    }
    return ok(out);
  }
  if (params.length % 2 === 0 && params.length > 0 && params.every((p) => /^\d+$/.test(p))) {
    for (let i = 0; i < params.length; i += 2) out.push({ used: Number(params[i]), total: Number(params[i + 1]) });
    return ok(out);
  }
  return fail("+CPMS usage is neither name,used,total triplets nor used,total pairs", payload);
}

/**
 * `AT+CPMS=?` → `+CPMS: ("ME","SM"),("ME","SM"),("ME","SM")`; Wavecom wraps and omits the
 * third list: `+CPMS: (("SM","BM","SR"),("SM"))`; Nokia prints empty lists (gammu tests/at-cpms, docs/protocols/at-commands.md#init-sequence).
 * Real modules also print bare names per position (`+CPMS: "SM","SM","SM"`, iWOW; Huawei MU609),
 * mix both (`("ME","MT"),"ME",("SM")`), leave positions empty (`(),,(  )`) or lose a quote
 * (`(ME", "SR")`) — ModemManager and gammu captures. One list per top-level position.
 */
export function parseCpmsSupported(lines: readonly string[]): Parsed<string[][]> {
  const payload = findPrefixed(lines, "+CPMS:");
  if (payload === undefined) return fail("no +CPMS line", lines);
  let body = payload.trim();
  if (/^\(\s*\(/.test(body) && body.endsWith(")")) body = body.slice(1, -1);
  const positions: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of body) {
    if (ch === "(") depth++;
    if (ch === ")") depth = Math.max(0, depth - 1);
    if (ch === "," && depth === 0) {
      positions.push(current);
      current = "";
    } else current += ch;
  }
  positions.push(current);
  const groups = positions.map((p) =>
    p
      .replace(/[()"]/g, "")
      .split(",")
      .map((m) => m.trim().toUpperCase())
      .filter((m) => m.length > 0),
  );
  if (groups.every((g) => g.length === 0) && !body.includes("(")) return fail("no memory lists in +CPMS=? reply", payload);
  if (groups.some((g) => g.some((m) => !/^[A-Z_]{2,5}$/.test(m)))) return fail("+CPMS=? names something that is not a memory", payload);
  return ok(groups);
}

/**
 * The `AT+CPMS=…` line for a driver's preference and what the modem offers: the first
 * preferred memory offered in every position, so read and receive memories match.
 * Null when none of the preferred memories is offered for reading.
 */
export function cpmsCommand(preferred: readonly SmsMemory[], supported: readonly (readonly string[])[]): string | null {
  const lists = supported.filter((l) => l.length > 0);
  if (lists.length === 0) return null;
  const everywhere = preferred.find((m) => lists.every((l) => l.includes(m)));
  const chosen = everywhere ?? preferred.find((m) => lists[0]!.includes(m));
  if (!chosen) return null;
  const args = lists.map((l) => (l.includes(chosen) ? chosen : l[0]!));
  return `AT+CPMS=${args.map((a) => `"${a}"`).join(",")}`;
}

export interface StoredIndication {
  kind: "sms" | "status-report";
  memory: string;
  index: number;
}

/** `+CMTI: "SM",3` (new SMS stored) or `+CDSI: "SR",1` (status report stored), 27.005 §3.4.1. */
export function parseStoredIndication(line: string): Parsed<StoredIndication> {
  const m = /^\+(CMTI|CDSI)\s*:\s*(.*)$/i.exec(line.trim());
  if (!m) return fail("not a +CMTI/+CDSI line", line);
  const [memory, index] = splitParams(m[2]!);
  if (!memory || !/^[A-Z]{2}$/i.test(memory)) return fail("memory name missing", line);
  if (index === undefined || !/^\d+$/.test(index)) return fail("index is not a number", line);
  return ok({ kind: m[1]!.toUpperCase() === "CMTI" ? "sms" : "status-report", memory: memory.toUpperCase(), index: Number(index) });
}

export interface StoredPdu {
  /** 27.005 <stat>: 0 unread, 1 read, 2 unsent, 3 sent. */
  stat: number;
  alpha?: string;
  /** TPDU length in octets (without the SMSC part). */
  length: number;
  pdu: string;
}

export interface ListedPdu extends StoredPdu {
  index: number;
}

/**
 * `<index>,<stat>,[<alpha>],<length>` (CMGL) or `<stat>,[<alpha>],<length>` (CMGR). Some
 * modules leave out the <alpha> field altogether (`+CMGL: 17,3,35` Pantech, `+CMGR: 0,23`)
 * or print an empty <stat> (`+CMGR: ,,92`); the stat then comes from the TPDU itself.
 */
function header(payload: string, withIndex: boolean): Parsed<Omit<ListedPdu, "pdu" | "stat"> & { stat: number | null }> {
  const params = splitParams(payload);
  // +CMGR with the index in front (`+CMGR: 4,1,,151`, gammu at-sms 26/27) or only the
  // length (`+CMGR: 24`, gammu at-sms 38).
  if (!withIndex && params.length >= 4) params.shift();
  if (!withIndex && params.length === 1) params.unshift("");
  const index = withIndex ? params.shift() : undefined;
  if (withIndex && (index === undefined || !/^\d+$/.test(index))) return fail("index is not a number", payload);
  const [stat, ...more] = params;
  const length = more.length >= 2 ? more[1] : more[0];
  const alpha = more.length >= 2 ? more[0] : undefined;
  if (stat === undefined || (stat !== "" && !/^\d+$/.test(stat))) return fail("stat is not a number (text mode?)", payload);
  if (length === undefined || !/^\d+$/.test(length)) return fail("length is not a number", payload);
  const out: Omit<ListedPdu, "pdu" | "stat"> & { stat: number | null } = {
    index: withIndex ? Number(index) : -1,
    stat: stat === "" ? null : Number(stat),
    length: Number(length),
  };
  if (alpha) out.alpha = alpha;
  return ok(out);
}

/**
 * 27.005 <stat> for a PDU whose header left it empty, from its TP-MTI: a received message
 * (SMS-DELIVER, status report) counts as read (1), anything else as stored unsent (2).
 */
function statFromPdu(pdu: string, length: number): number {
  const octets = pdu.length >> 1;
  const smscOctets = octets > length ? octets - length : 0;
  const fo = parseInt(pdu.slice(2 * smscOctets, 2 * smscOctets + 2), 16);
  const mti = Number.isNaN(fo) ? 0 : fo & 0x03;
  return mti === 1 ? 2 : 1;
}

/** The hex of a PDU line; a stray quote around it is noise (gammu at-sms 04). */
const pduHex = (line: string): string => line.trim().replace(/^"|"$/g, "").toUpperCase();

/** A PDU line: hex digits only. An odd count is a cut-off capture: kept, the decoder flags it. */
const isPduLine = (line: string | undefined): line is string => line !== undefined && /^[0-9A-Fa-f]{2,}$/.test(pduHex(line));

/**
 * `AT+CMGL=4` → pairs of `+CMGL: <i>,<stat>,[<alpha>],<len>` and a PDU line. Headers may
 * carry spaces (`+CMGL: 1, 0, ,23`, faucamp commit "Allow spaces in +CMGL response"). A stray
 * line between a header and its PDU is skipped, not taken for the PDU (python-gsmmodem
 * test_listStoredSms_pdu). A header without a PDU line, or one we cannot read, is reported
 * in `skipped`.
 */
export function parseCmgl(lines: readonly string[]): Parsed<{ entries: ListedPdu[]; skipped: string[] }> {
  const entries: ListedPdu[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const payload = afterPrefix(lines[i]!, "+CMGL:");
    if (payload === undefined) {
      if (lines[i]!.trim().length > 0) skipped.push(lines[i]!);
      continue;
    }
    const head = header(payload, true);
    let next = i + 1;
    while (next < lines.length && afterPrefix(lines[next]!, "+CMGL:") === undefined && !isPduLine(lines[next])) next++;
    const pduLine = lines[next];
    if (!head.ok || afterPrefix(pduLine ?? "", "+CMGL:") !== undefined || !isPduLine(pduLine)) {
      skipped.push(lines[i]!);
      continue;
    }
    skipped.push(...lines.slice(i + 1, next));
    const pdu = pduHex(pduLine);
    entries.push({ ...head.value, stat: head.value.stat ?? statFromPdu(pdu, head.value.length), pdu });
    i = next;
  }
  return ok({ entries, skipped });
}

/**
 * `AT+CMGR=<i>` → `+CMGR: <stat>,[<alpha>],<len>` and the PDU line. Some firmwares print
 * the PDU on the header line after a space (ModemManager test_cmgr_response_generic). An
 * empty slot is a failure.
 */
export function parseCmgr(lines: readonly string[]): Parsed<StoredPdu> {
  const at = lines.findIndex((l) => afterPrefix(l, "+CMGR:") !== undefined);
  if (at < 0) return fail("no +CMGR line (empty slot?)", lines);
  let payload = afterPrefix(lines[at]!, "+CMGR:")!;
  let pdu = lines[at + 1];
  const sameLine = /^(.*?,\s*\d+)\s+([0-9A-Fa-f]{2,})$/.exec(payload);
  if (sameLine) {
    payload = sameLine[1]!;
    pdu = sameLine[2]!;
  }
  const head = header(payload, false);
  if (!head.ok) return head;
  if (!isPduLine(pdu)) return fail("no PDU line after +CMGR header", lines);
  const { index: _index, ...rest } = head.value;
  const hex = pduHex(pdu);
  return ok({ ...rest, stat: rest.stat ?? statFromPdu(hex, rest.length), pdu: hex });
}
