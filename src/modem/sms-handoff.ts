/**
 * The modem-independent half of the SMS receive path: turning a stored or direct PDU into
 * a ReceivedPart (decode failures keep the raw PDU, never drop it), multipart reassembly
 * per port, and the retry loop for `+CMT` parts that exist nowhere but in our memory.
 * The AT side (URCs, memories, sweeps, deletes) lives in sms-receiver.ts.
 */
import { decodePdu, Reassembler, type AssembledMessage, type DeliverSms, type StatusReportSms } from "../codec/index.js";
import type { Logger } from "../log/logger.js";

/** One stored PDU = one durable unit. */
export interface ReceivedPart {
  portId: string;
  iccid: string | null;
  /** "direct" = `+CMT`, never stored on the modem. */
  memory: "SM" | "ME" | "direct" | (string & {});
  index: number | null;
  /** Hex as the modem printed it, SMSC field included. */
  pdu: string;
  tpduLength: number;
  /** null when undecodable: still handed off, the raw PDU is kept. */
  decoded: DeliverSms | StatusReportSms | null;
  receivedAt: Date;
}

export interface CompleteSms {
  portId: string;
  iccid: string | null;
  sender: string;
  text: string;
  /** In sequence order; for an incomplete message only the parts that arrived. */
  parts: ReceivedPart[];
  /** 1-based sequence numbers that never arrived (reassembly timed out). */
  missingParts: number[];
  timestamp: string | null;
}

export interface PartSource {
  portId: string;
  iccid: string | null;
  memory: ReceivedPart["memory"];
  index: number | null;
  pdu: string;
  /** The `<length>` the modem reported; null when the header was unreadable. */
  tpduLength: number | null;
  receivedAt: Date;
}

/** Decode what the modem gave us. Never throws; `problem` says why `decoded` is null. */
export function buildPart(src: PartSource): { part: ReceivedPart; problem: string | null } {
  const pdu = src.pdu.trim().toUpperCase();
  const outcome = decodePdu(pdu, src.tpduLength === null ? {} : { tpduLength: src.tpduLength });
  let decoded: ReceivedPart["decoded"] = null;
  let problem: string | null = null;
  if (!outcome.ok) problem = `undecodable at octet ${outcome.error.offset}: ${outcome.error.reason}`;
  else if (outcome.message.type === "submit") problem = "an SMS-SUBMIT where a received message was expected";
  else decoded = outcome.message;
  const tpduLength = src.tpduLength ?? fallbackTpduLength(pdu);
  return { part: { portId: src.portId, iccid: src.iccid, memory: src.memory, index: src.index, pdu, tpduLength, decoded, receivedAt: src.receivedAt }, problem };
}

/** TPDU octets when the modem gave no `<length>`: total minus the SMSC field (its length octet + 1). */
function fallbackTpduLength(pdu: string): number {
  const smsc = parseInt(pdu.slice(0, 2), 16);
  const total = Math.floor(pdu.length / 2);
  return Number.isFinite(smsc) && smsc + 1 <= total ? total - smsc - 1 : total;
}

/**
 * `+CMT: [<alpha>],<length>` (27.005 §3.4.1, PDU mode) → `<length>`; `+CDS: <length>` too.
 * Null when the header is not PDU-mode shaped (we still hand the PDU off).
 */
export function parseDirectHeader(line: string): number | null {
  const m = /^\s*\+(?:CMT|CDS)\s*:\s*(.*)$/i.exec(line);
  if (!m) return null;
  const last = m[1]!.split(",").pop()?.trim() ?? "";
  return /^\d+$/.test(last) ? Number(last) : null;
}

/** Which (iccid, pdu) pairs were accepted already, bounded so a port that runs for months does not grow. */
export class AcceptedPdus {
  readonly #keys = new Set<string>();

  constructor(readonly limit = 2048) {}

  has(part: ReceivedPart): boolean {
    return this.#keys.has(AcceptedPdus.#key(part));
  }

  add(part: ReceivedPart): void {
    const key = AcceptedPdus.#key(part);
    this.#keys.delete(key);
    this.#keys.add(key);
    // Set iterates in insertion order: the first key is the oldest.
    if (this.#keys.size > this.limit) this.#keys.delete(this.#keys.values().next().value as string);
  }

  static #key(part: ReceivedPart): string {
    return `${part.iccid ?? ""}\u0000${part.pdu}`;
  }
}

/**
 * Reassembly for one port: the codec's Reassembler keyed by (SIM, sender, ref, width,
 * total) (keying by ref alone mixes messages: serialport-gsm #111) and
 * split further by coding and time (src/codec/reassembly.ts says why), plus the
 * ReceivedParts of each group so a whole message lists exactly the parts it was built
 * from, and every accepted part ends up in exactly one message.
 */
export class MessageAssembler {
  readonly #reassembler: Reassembler;
  /** Codec group id → the parts collected in it (a part resent by the network too). */
  readonly #groups = new Map<number, ReceivedPart[]>();

  constructor(
    private readonly portId: string,
    timeoutMs: number,
    private readonly log: Logger,
  ) {
    this.#reassembler = new Reassembler({ timeoutMs });
  }

  /** Feed one accepted DELIVER part; returns the whole message when it is complete. */
  add(part: ReceivedPart, now: number): CompleteSms | null {
    const sms = part.decoded;
    if (sms === null || sms.type !== "deliver") return null;
    const result = this.#reassembler.addSms(part.iccid ?? this.portId, sms, now);
    switch (result.kind) {
      case "complete": {
        const group = result.message.group;
        const parts = group === null ? [part] : [...this.#take(group), part];
        return this.#complete(result.message, parts, part.iccid);
      }
      case "pending":
        this.#collect(result.group, part);
        if (result.have === 1 && result.others > 0) {
          // How wrong joins used to start (issue 12): worth a line when it happens.
          this.log.warn(
            { port: this.portId, sender: sms.sender, ref: sms.concat?.ref, total: sms.concat?.total },
            "a second multipart SMS with the same sender and reference; kept apart by coding and time, each delivered on its own",
          );
        }
        return null;
      case "duplicate":
        // The network resent a part (same seq, same text): kept with its group, so the
        // store links it to the same message; the text uses the first.
        this.log.info({ sender: sms.sender, concat: sms.concat }, "duplicate SMS part");
        this.#collect(result.group, part);
        return null;
      case "rejected":
        this.log.warn({ reason: result.reason, pdu: part.pdu }, "reassembly rejected a part; it was stored, no message emitted");
        return null;
    }
  }

  /** Groups past their timeout, delivered incomplete with the missing parts named. */
  expire(now: number): CompleteSms[] {
    return this.#reassembler.expire(now).map((m) => {
      const parts = m.group === null ? [] : this.#take(m.group);
      return this.#complete(m, parts, parts[0]?.iccid ?? null);
    });
  }

  nextDeadline(): number | null {
    return this.#reassembler.nextDeadline();
  }

  #collect(group: number, part: ReceivedPart): void {
    this.#groups.set(group, [...(this.#groups.get(group) ?? []), part]);
  }

  #take(group: number): ReceivedPart[] {
    const parts = this.#groups.get(group) ?? [];
    this.#groups.delete(group);
    return parts;
  }

  #complete(m: AssembledMessage, parts: ReceivedPart[], iccid: string | null): CompleteSms {
    const seq = (p: ReceivedPart) => (p.decoded?.concat?.seq ?? 0);
    return {
      portId: this.portId,
      iccid,
      sender: m.sender,
      text: m.text,
      parts: [...parts].sort((a, b) => seq(a) - seq(b)),
      missingParts: m.missing,
      timestamp: m.timestamp,
    };
  }
}

export interface DirectRetryOptions {
  accept: (part: ReceivedPart) => Promise<void>;
  onAccepted: (part: ReceivedPart) => void;
  onFailure: (part: ReceivedPart, err: unknown) => void;
  log: Logger;
  baseDelayMs: number;
  maxDelayMs: number;
}

interface PendingDirect {
  part: ReceivedPart;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * `+CMT` parts: the modem did not store them, so until `accept` resolves this object is
 * the only copy. Retried with doubling backoff for as long as it takes, and logged at
 * error level on every failure (an operator must see a store outage that holds money).
 */
export class DirectHandoff {
  readonly #pending = new Set<PendingDirect>();
  #stopped = false;

  constructor(private readonly opts: DirectRetryOptions) {}

  get size(): number {
    return this.#pending.size;
  }

  /** Parts not accepted yet (for an owner that wants to rescue them after stop()). */
  get parts(): ReceivedPart[] {
    return [...this.#pending].map((p) => p.part);
  }

  add(part: ReceivedPart): void {
    const entry: PendingDirect = { part, attempts: 0, timer: undefined };
    this.#pending.add(entry);
    this.#attempt(entry);
  }

  /** No more retries; an accept in flight may still resolve and is honoured. */
  stop(): void {
    this.#stopped = true;
    for (const p of this.#pending) clearTimeout(p.timer);
    if (this.#pending.size > 0) {
      this.opts.log.error({ pdus: this.parts.map((p) => p.pdu) }, "stopped with +CMT parts not accepted: they exist only in this process");
    }
  }

  #attempt(entry: PendingDirect): void {
    entry.timer = undefined;
    entry.attempts++;
    let call: Promise<void>;
    try {
      call = Promise.resolve(this.opts.accept(entry.part));
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      () => {
        this.#pending.delete(entry);
        if (entry.attempts > 1) this.opts.log.warn({ attempts: entry.attempts }, "+CMT part accepted after retries");
        this.opts.onAccepted(entry.part);
      },
      (err: unknown) => {
        this.opts.onFailure(entry.part, err);
        const delayMs = Math.min(this.opts.baseDelayMs * 2 ** (entry.attempts - 1), this.opts.maxDelayMs);
        this.opts.log.error({ err, attempts: entry.attempts, retryInMs: delayMs, pdu: entry.part.pdu }, "+CMT part not accepted; held in memory only, retrying");
        if (this.#stopped) return;
        entry.timer = setTimeout(() => this.#attempt(entry), delayMs);
      },
    );
  }
}
