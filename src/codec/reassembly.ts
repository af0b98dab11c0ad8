/**
 * Reassembly of concatenated SMS (23.040 §9.2.3.24.1). Parts are keyed by
 * (SIM, sender, reference, reference width, total): two senders may use the same reference,
 * and a 16-bit ref 5 is not an 8-bit ref 5. Pure state machine: the caller passes `now`
 * (ms since epoch) and asks for expired groups; there are no timers in here. The state is
 * plain JSON (toJSON / fromJSON) so the durable store can persist it.
 */
import type { DecodedSms } from "./types.js";

export interface PartInput {
  sim: string;
  sender: string;
  ref: number;
  refWidth: 8 | 16;
  total: number;
  seq: number;
  text: string;
  /** SCTS of the part, if known (ISO 8601). */
  timestamp?: string | null;
}

export interface StoredPart {
  text: string;
  receivedAt: number;
  timestamp: string | null;
}

export interface PendingGroup {
  sim: string;
  sender: string;
  ref: number;
  refWidth: 8 | 16;
  total: number;
  firstReceivedAt: number;
  /** seq (1-based, as a string key) → part. */
  parts: Record<string, StoredPart>;
}

export interface ReassemblyState {
  version: 1;
  groups: PendingGroup[];
}

export interface AssembledMessage {
  sim: string;
  sender: string;
  text: string;
  /** null for a single-part SMS. */
  ref: number | null;
  refWidth: 8 | 16 | null;
  total: number;
  complete: boolean;
  /** 1-based sequence numbers that never arrived. */
  missing: number[];
  /** Earliest SCTS among the parts. */
  timestamp: string | null;
  firstReceivedAt: number;
}

export type AddResult =
  | { kind: "complete"; message: AssembledMessage }
  | { kind: "pending"; have: number; total: number }
  | { kind: "duplicate"; conflict: boolean }
  | { kind: "rejected"; reason: string };

export interface ReassemblerOptions {
  /** How long (ms since the first part arrived) to wait for the rest. Default 10 min. */
  timeoutMs?: number;
  /** Put in place of a missing part; default "[part 2/3 missing]". */
  missingMarker?: (seq: number, total: number) => string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

function keyOf(p: { sim: string; sender: string; ref: number; refWidth: number; total: number }): string {
  return JSON.stringify([p.sim, p.sender, p.ref, p.refWidth, p.total]);
}

function validPart(p: unknown): string | null {
  if (typeof p !== "object" || p === null) return "part is not an object";
  const o = p as Record<string, unknown>;
  if (typeof o["sim"] !== "string") return "sim must be a string";
  if (typeof o["sender"] !== "string") return "sender must be a string";
  if (typeof o["text"] !== "string") return "text must be a string";
  if (o["refWidth"] !== 8 && o["refWidth"] !== 16) return "refWidth must be 8 or 16";
  const int = (k: string, lo: number, hi: number) => {
    const v = o[k];
    return typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
  };
  if (!int("ref", 0, o["refWidth"] === 16 ? 0xffff : 0xff)) return "ref out of range";
  if (!int("total", 1, 255)) return "total must be 1..255";
  if (!int("seq", 1, 255) || (o["seq"] as number) > (o["total"] as number)) return "seq must be 1..total";
  return null;
}

export class Reassembler {
  readonly timeoutMs: number;
  private readonly marker: (seq: number, total: number) => string;
  private groups = new Map<string, PendingGroup>();

  constructor(opts: ReassemblerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.marker = opts.missingMarker ?? ((seq, total) => `[part ${seq}/${total} missing]`);
  }

  /** Add a decoded SMS: single-part messages complete at once. Never throws. */
  addSms(sim: string, sms: DecodedSms, now: number): AddResult {
    try {
      const sender = sms.type === "deliver" ? sms.sender : sms.recipient;
      if (!sms.concat) {
        return {
          kind: "complete",
          message: { sim, sender, text: sms.text, ref: null, refWidth: null, total: 1, complete: true, missing: [], timestamp: sms.timestamp, firstReceivedAt: now },
        };
      }
      return this.add({ sim, sender, ...sms.concat, text: sms.text, timestamp: sms.timestamp }, now);
    } catch (err) {
      return { kind: "rejected", reason: `bad message: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** Add one part. Never throws: invalid input is `rejected`. */
  add(part: PartInput, now: number): AddResult {
    const bad = validPart(part);
    if (bad) return { kind: "rejected", reason: bad };
    if (typeof now !== "number" || !Number.isFinite(now)) return { kind: "rejected", reason: "now must be a finite number" };
    const key = keyOf(part);
    let g = this.groups.get(key);
    if (!g) {
      g = { sim: part.sim, sender: part.sender, ref: part.ref, refWidth: part.refWidth, total: part.total, firstReceivedAt: now, parts: {} };
      this.groups.set(key, g);
    }
    const existing = g.parts[String(part.seq)];
    if (existing) return { kind: "duplicate", conflict: existing.text !== part.text };
    g.parts[String(part.seq)] = { text: part.text, receivedAt: now, timestamp: part.timestamp ?? null };
    const have = Object.keys(g.parts).length;
    if (have < g.total) return { kind: "pending", have, total: g.total };
    this.groups.delete(key);
    return { kind: "complete", message: this.assemble(g) };
  }

  /** Groups whose timeout has passed, delivered incomplete (missing parts marked) and forgotten. */
  expire(now: number): AssembledMessage[] {
    const out: AssembledMessage[] = [];
    for (const [key, g] of this.groups) {
      if (now - g.firstReceivedAt >= this.timeoutMs) {
        this.groups.delete(key);
        out.push(this.assemble(g));
      }
    }
    return out;
  }

  /** When the next group expires (ms since epoch), so the owner can set its own timer. */
  nextDeadline(): number | null {
    let min: number | null = null;
    for (const g of this.groups.values()) {
      const d = g.firstReceivedAt + this.timeoutMs;
      if (min === null || d < min) min = d;
    }
    return min;
  }

  get pendingCount(): number {
    return this.groups.size;
  }

  private assemble(g: PendingGroup): AssembledMessage {
    const texts: string[] = [];
    const missing: number[] = [];
    let timestamp: string | null = null;
    for (let seq = 1; seq <= g.total; seq++) {
      const p = g.parts[String(seq)];
      if (!p) {
        missing.push(seq);
        texts.push(this.marker(seq, g.total));
        continue;
      }
      texts.push(p.text);
      if (p.timestamp && (timestamp === null || Date.parse(p.timestamp) < Date.parse(timestamp))) timestamp = p.timestamp;
    }
    return {
      sim: g.sim,
      sender: g.sender,
      text: texts.join(""),
      ref: g.ref,
      refWidth: g.refWidth,
      total: g.total,
      complete: missing.length === 0,
      missing,
      timestamp,
      firstReceivedAt: g.firstReceivedAt,
    };
  }

  toJSON(): ReassemblyState {
    return { version: 1, groups: [...this.groups.values()].map((g) => structuredClone(g)) };
  }

  /** Restore from `toJSON()` output; malformed groups are skipped, not thrown on. */
  static fromJSON(state: unknown, opts: ReassemblerOptions = {}): Reassembler {
    const r = new Reassembler(opts);
    const groups = (state as { groups?: unknown } | null)?.groups;
    if (!Array.isArray(groups)) return r;
    for (const g of groups as PendingGroup[]) {
      if (typeof g !== "object" || g === null || typeof g.parts !== "object" || g.parts === null) continue;
      if (validPart({ ...g, seq: 1, text: "" }) || typeof g.firstReceivedAt !== "number") continue;
      const parts: Record<string, StoredPart> = {};
      for (const [seq, p] of Object.entries(g.parts)) {
        const n = Number(seq);
        if (!Number.isInteger(n) || n < 1 || n > g.total || typeof p?.text !== "string" || typeof p.receivedAt !== "number") continue;
        parts[String(n)] = { text: p.text, receivedAt: p.receivedAt, timestamp: typeof p.timestamp === "string" ? p.timestamp : null };
      }
      r.groups.set(keyOf(g), { sim: g.sim, sender: g.sender, ref: g.ref, refWidth: g.refWidth, total: g.total, firstReceivedAt: g.firstReceivedAt, parts });
    }
    return r;
  }
}
