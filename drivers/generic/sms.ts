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
 * `AT+CPMS?` → `+CPMS: "ME",0,23,"ME",0,23,"SM",10,10` (modems.md §2.8), and the name-less
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
 * third list: `+CPMS: (("SM","BM","SR"),("SM"))`; Nokia prints empty lists (gammu tests/at-cpms, §2.2).
 */
export function parseCpmsSupported(lines: readonly string[]): Parsed<string[][]> {
  const payload = findPrefixed(lines, "+CPMS:");
  if (payload === undefined) return fail("no +CPMS line", lines);
  let body = payload.trim();
  if (/^\(\s*\(/.test(body) && body.endsWith(")")) body = body.slice(1, -1);
  const groups = [...body.matchAll(/\(([^()]*)\)/g)].map((m) =>
    m[1]!.split(",").map((s) => s.replace(/"/g, "").trim().toUpperCase()).filter((s) => s.length > 0),
  );
  if (groups.length === 0) return fail("no memory lists in +CPMS=? reply", payload);
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

function header(payload: string, withIndex: boolean): Parsed<Omit<ListedPdu, "pdu">> {
  const params = splitParams(payload);
  const [index, stat, alpha, length] = withIndex ? params : [undefined, ...params];
  if (withIndex && (index === undefined || !/^\d+$/.test(index))) return fail("index is not a number", payload);
  if (stat === undefined || !/^\d+$/.test(stat)) return fail("stat is not a number (text mode?)", payload);
  if (length === undefined || !/^\d+$/.test(length)) return fail("length is not a number", payload);
  const out: Omit<ListedPdu, "pdu"> = { index: withIndex ? Number(index) : -1, stat: Number(stat), length: Number(length) };
  if (alpha) out.alpha = alpha;
  return ok(out);
}

const isPduLine = (line: string | undefined): line is string => line !== undefined && /^[0-9A-Fa-f]+$/.test(line.trim()) && line.trim().length % 2 === 0;

/**
 * `AT+CMGL=4` → pairs of `+CMGL: <i>,<stat>,[<alpha>],<len>` and a PDU line. Headers may
 * carry spaces (`+CMGL: 1, 0, ,23`, faucamp commit "Allow spaces in +CMGL response").
 * A header without a PDU line, or one we cannot read, is reported in `skipped`.
 */
export function parseCmgl(lines: readonly string[]): Parsed<{ entries: ListedPdu[]; skipped: string[] }> {
  const entries: ListedPdu[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const payload = afterPrefix(lines[i]!, "+CMGL:");
    if (payload === undefined) {
      if (lines[i]!.trim().length > 0 && !isPduLine(lines[i])) skipped.push(lines[i]!);
      continue;
    }
    const head = header(payload, true);
    const next = lines[i + 1];
    if (!head.ok || !isPduLine(next)) {
      skipped.push(lines[i]!);
      continue;
    }
    entries.push({ ...head.value, pdu: next.trim().toUpperCase() });
    i++;
  }
  return ok({ entries, skipped });
}

/** `AT+CMGR=<i>` → `+CMGR: <stat>,[<alpha>],<len>` and the PDU line. An empty slot is a failure. */
export function parseCmgr(lines: readonly string[]): Parsed<StoredPdu> {
  const at = lines.findIndex((l) => afterPrefix(l, "+CMGR:") !== undefined);
  if (at < 0) return fail("no +CMGR line (empty slot?)", lines);
  const head = header(afterPrefix(lines[at]!, "+CMGR:")!, false);
  if (!head.ok) return head;
  const pdu = lines[at + 1];
  if (!isPduLine(pdu)) return fail("no PDU line after +CMGR header", lines);
  const { index: _index, ...rest } = head.value;
  return ok({ ...rest, pdu: pdu.trim().toUpperCase() });
}
