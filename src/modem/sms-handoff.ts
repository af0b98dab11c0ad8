/**
 * The modem's half of handing a received SMS part on: reading a `+CMT` header, remembering
 * which PDUs were accepted already, and the retry loop for `+CMT` parts that exist nowhere
 * but in our memory. What a part and a whole message are, and the per-port reassembly,
 * are the SMS domain's (src/sms); the AT side (URCs, memories, sweeps, deletes) lives in
 * sms-receiver.ts.
 */
import type { Logger } from "../log/logger.js";
import type { ReceivedPart } from "../sms/index.js";

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
