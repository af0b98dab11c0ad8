/**
 * Reassembly of concatenated SMS (23.040 §9.2.3.24.1). Parts are keyed by
 * (SIM, sender, reference, reference width, total): two senders may use the same reference,
 * and a 16-bit ref 5 is not an 8-bit ref 5. Pure state machine: the caller passes `now`
 * (ms since epoch) and asks for expired groups; there are no timers in here. The state is
 * plain JSON (toJSON / fromJSON) so the durable store can persist it.
 *
 * The key alone does not make a message. An 8-bit reference has 256 values and senders
 * reuse them; when a part is lost, the next message with the same sender, reference and
 * part count would complete the old group, and a buyer would read a code made of two
 * messages (issue 12: part 1 in UCS-2 from 18:11:11 joined with parts 2-3 in GSM 7-bit
 * from 18:11:16, both `Verify`, ref 182, 3 parts). A wrong code is worse than a missing
 * part, so a part joins a group only when everything says it is the same message:
 * - the same coding (alphabet, compression): a sender encodes the whole text once and
 *   cuts it, so every part of one message carries the same DCS alphabet;
 * - SC timestamps (TP-SCTS) within `sctsWindowMs` (60 s) of every part already there: the
 *   SC stamps each part when the sender submits it, and a sender submits the parts of one
 *   message back to back, seconds apart even from a phone on a weak link; a second
 *   message with the same reference is a new request, usually a minute or more later;
 * - received within `timeoutMs` of the group's first part: after that the group is due
 *   for delivery as incomplete, also when it was restored after a restart;
 * - its sequence number still free there (the same number with different text is another
 *   message; with the same text, the same part sent again).
 * Several groups may then wait under one key; a part goes to the one whose timestamps are
 * nearest. What does not fit starts its own group, and every group is delivered on its
 * own: complete, or after `timeoutMs` with "[part i/n missing]" in place of what is lacking.
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
  /**
   * How the text was coded: the DCS alphabet ("gsm7", "ucs2", "8bit"), "+compressed" when
   * compressed. Unknown (null or absent) joins only parts whose coding is unknown too.
   */
  coding?: string | null;
}

export interface StoredPart {
  text: string;
  receivedAt: number;
  timestamp: string | null;
  coding: string | null;
}

export interface PendingGroup {
  /** Tells apart the groups waiting under one key; unique within a Reassembler and kept by toJSON. */
  id: number;
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
  version: 2;
  groups: PendingGroup[];
}

export interface AssembledMessage {
  sim: string;
  sender: string;
  text: string;
  /** null for a single-part SMS. */
  ref: number | null;
  refWidth: 8 | 16 | null;
  /** The group the parts were collected in; null for a single-part SMS. */
  group: number | null;
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
  /** `others`: other groups waiting under the same SIM, sender, reference and total (different messages). */
  | { kind: "pending"; group: number; have: number; total: number; others: number }
  /** The same part (same seq, same text) again: the network resent it; the text uses the first. */
  | { kind: "duplicate"; group: number }
  | { kind: "rejected"; reason: string };

export interface ReassemblerOptions {
  /** How long (ms since the first part arrived) to wait for the rest. Default 10 min. */
  timeoutMs?: number;
  /** How far apart (ms) the SC timestamps of one message's parts may be. Default 60 s (see above). */
  sctsWindowMs?: number;
  /** Put in place of a missing part; default "[part 2/3 missing]". */
  missingMarker?: (seq: number, total: number) => string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_SCTS_WINDOW_MS = 60_000;

function keyOf(p: { sim: string; sender: string; ref: number; refWidth: number; total: number }): string {
  return JSON.stringify([p.sim, p.sender, p.ref, p.refWidth, p.total]);
}

/** The coding `PartInput.coding` compares: alphabet, and whether the text was compressed. */
export function codingOf(sms: DecodedSms): string {
  return `${sms.encoding}${sms.dcs?.compressed ? "+compressed" : ""}`;
}

function sctsMs(timestamp: string | null): number | null {
  if (timestamp === null) return null;
  const t = Date.parse(timestamp);
  return Number.isFinite(t) ? t : null;
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
  if (o["timestamp"] !== undefined && o["timestamp"] !== null && typeof o["timestamp"] !== "string") return "timestamp must be a string";
  if (o["coding"] !== undefined && o["coding"] !== null && typeof o["coding"] !== "string") return "coding must be a string";
  return null;
}

export class Reassembler {
  readonly timeoutMs: number;
  readonly sctsWindowMs: number;
  private readonly marker: (seq: number, total: number) => string;
  /** key → the groups waiting under it, oldest first. */
  private groups = new Map<string, PendingGroup[]>();
  private nextId = 1;

  constructor(opts: ReassemblerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.sctsWindowMs = opts.sctsWindowMs ?? DEFAULT_SCTS_WINDOW_MS;
    this.marker = opts.missingMarker ?? ((seq, total) => `[part ${seq}/${total} missing]`);
  }

  /** Add a decoded SMS: single-part messages complete at once. Never throws. */
  addSms(sim: string, sms: DecodedSms, now: number): AddResult {
    try {
      const sender = sms.type === "deliver" ? sms.sender : sms.recipient;
      if (!sms.concat) {
        return {
          kind: "complete",
          message: { sim, sender, text: sms.text, ref: null, refWidth: null, group: null, total: 1, complete: true, missing: [], timestamp: sms.timestamp, firstReceivedAt: now },
        };
      }
      return this.add({ sim, sender, ...sms.concat, text: sms.text, timestamp: sms.timestamp, coding: codingOf(sms) }, now);
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
    const seq = String(part.seq);
    const incoming: StoredPart = { text: part.text, receivedAt: now, timestamp: part.timestamp ?? null, coding: part.coding ?? null };
    const waiting = this.groups.get(key) ?? [];
    const resent = waiting.find((g) => g.parts[seq]?.text === part.text && this.fits(g, incoming));
    if (resent) return { kind: "duplicate", group: resent.id };
    let g: PendingGroup | undefined;
    let nearest = Infinity;
    for (const candidate of waiting) {
      if (candidate.parts[seq] || !this.fits(candidate, incoming)) continue;
      const d = this.distance(candidate, incoming);
      if (d < nearest) [g, nearest] = [candidate, d];
    }
    if (!g) {
      g = { id: this.nextId++, sim: part.sim, sender: part.sender, ref: part.ref, refWidth: part.refWidth, total: part.total, firstReceivedAt: now, parts: {} };
      this.groups.set(key, [...waiting, g]);
    }
    g.parts[seq] = incoming;
    const have = Object.keys(g.parts).length;
    if (have < g.total) return { kind: "pending", group: g.id, have, total: g.total, others: (this.groups.get(key)?.length ?? 1) - 1 };
    this.#forget(key, g);
    return { kind: "complete", message: this.assemble(g) };
  }

  /** Groups whose timeout has passed, delivered incomplete (missing parts marked) and forgotten. */
  expire(now: number): AssembledMessage[] {
    const out: AssembledMessage[] = [];
    for (const [key, waiting] of [...this.groups]) {
      for (const g of waiting) {
        if (now - g.firstReceivedAt < this.timeoutMs) continue;
        this.#forget(key, g);
        out.push(this.assemble(g));
      }
    }
    return out;
  }

  /** When the next group expires (ms since epoch), so the owner can set its own timer. */
  nextDeadline(): number | null {
    let min: number | null = null;
    for (const g of this.#all()) {
      const d = g.firstReceivedAt + this.timeoutMs;
      if (min === null || d < min) min = d;
    }
    return min;
  }

  get pendingCount(): number {
    let n = 0;
    for (const waiting of this.groups.values()) n += waiting.length;
    return n;
  }

  /** Whether `p` may be a part of the message `g` collects (the rules at the top of this file). */
  private fits(g: PendingGroup, p: StoredPart): boolean {
    if (Math.abs(p.receivedAt - g.firstReceivedAt) >= this.timeoutMs) return false;
    const t = sctsMs(p.timestamp);
    for (const q of Object.values(g.parts)) {
      if (q.coding !== p.coding) return false;
      const u = sctsMs(q.timestamp);
      if (t !== null && u !== null && Math.abs(t - u) > this.sctsWindowMs) return false;
    }
    return true;
  }

  /** How far `p`'s SC timestamp is from the nearest in `g`; the window when nothing compares. */
  private distance(g: PendingGroup, p: StoredPart): number {
    const t = sctsMs(p.timestamp);
    let best = this.sctsWindowMs;
    for (const q of Object.values(g.parts)) {
      const u = sctsMs(q.timestamp);
      if (t !== null && u !== null) best = Math.min(best, Math.abs(t - u));
    }
    return best;
  }

  #forget(key: string, g: PendingGroup): void {
    const rest = (this.groups.get(key) ?? []).filter((x) => x !== g);
    if (rest.length > 0) this.groups.set(key, rest);
    else this.groups.delete(key);
  }

  *#all(): Iterable<PendingGroup> {
    for (const waiting of this.groups.values()) yield* waiting;
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
      group: g.id,
      total: g.total,
      complete: missing.length === 0,
      missing,
      timestamp,
      firstReceivedAt: g.firstReceivedAt,
    };
  }

  toJSON(): ReassemblyState {
    return { version: 2, groups: [...this.#all()].map((g) => structuredClone(g)) };
  }

  /**
   * Restore from `toJSON()` output (version 1, without group ids and codings, too: its
   * parts get coding null, so they join only each other). Malformed groups are skipped,
   * not thrown on.
   */
  static fromJSON(state: unknown, opts: ReassemblerOptions = {}): Reassembler {
    const r = new Reassembler(opts);
    const groups = (state as { groups?: unknown } | null)?.groups;
    if (!Array.isArray(groups)) return r;
    const ids = new Set<number>();
    for (const g of groups as PendingGroup[]) {
      if (typeof g !== "object" || g === null || typeof g.parts !== "object" || g.parts === null) continue;
      if (validPart({ sim: g.sim, sender: g.sender, ref: g.ref, refWidth: g.refWidth, total: g.total, seq: 1, text: "" }) || typeof g.firstReceivedAt !== "number") continue;
      const parts: Record<string, StoredPart> = {};
      for (const [seq, p] of Object.entries(g.parts)) {
        const n = Number(seq);
        if (!Number.isInteger(n) || n < 1 || n > g.total || typeof p?.text !== "string" || typeof p.receivedAt !== "number") continue;
        parts[String(n)] = {
          text: p.text,
          receivedAt: p.receivedAt,
          timestamp: typeof p.timestamp === "string" ? p.timestamp : null,
          coding: typeof p.coding === "string" ? p.coding : null,
        };
      }
      // 0 = no usable id (version 1, or repeated): given a fresh one below.
      const id = Number.isSafeInteger(g.id) && g.id > 0 && !ids.has(g.id) ? g.id : 0;
      if (id > 0) ids.add(id);
      const restored: PendingGroup = { id, sim: g.sim, sender: g.sender, ref: g.ref, refWidth: g.refWidth, total: g.total, firstReceivedAt: g.firstReceivedAt, parts };
      const key = keyOf(restored);
      r.groups.set(key, [...(r.groups.get(key) ?? []), restored]);
    }
    r.nextId = Math.max(0, ...ids) + 1;
    for (const g of r.#all()) if (g.id === 0) g.id = r.nextId++;
    return r;
  }
}
