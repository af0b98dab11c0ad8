/**
 * From parts to whole messages, per port. The codec decides which decoded segments belong
 * together; this file keeps the ReceivedParts behind each group, so a message carries its
 * parts and the store can link them.
 */
import { Reassembler, type AssembledMessage } from "../codec/index.js";
import type { Logger } from "../log/logger.js";
import type { CompleteSms } from "./message.js";
import type { ReceivedPart } from "./part.js";

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
