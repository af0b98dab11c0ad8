/**
 * Incoming SMS, network side to module: encode an SMS-DELIVER (one PDU per part), then
 * store + `+CMTI` or route directly as `+CMT` according to AT+CNMI (27.005 §3.4.1);
 * status reports likewise as `+CDSI` (stored in SR) or `+CDS`.
 * What cannot be delivered now (no registration, memory full) is held "by the network"
 * and retried when things change, as an SMSC retries: after a storage-full episode the
 * host frees space and the message arrives (docs/peer-software.md#what-breaks-in-the-field: full storage stops +CMTI).
 */
import { encodeDeliver } from "../codec/index.js";
import { isRegistered } from "./commands/network.js";
import { textModeHeader } from "./commands/sms-text.js";
import { isGsm7Text, encodeForHost } from "./commands/charset.js";
import type { InjectedSms, InjectedStatusReport, SimContext } from "./commands/types.js";
import { toUcs2Hex } from "./identifiers.js";
import { encodeStatusReport } from "./sms-status-report.js";
import type { StoredSms } from "./sms-storage.js";

interface HeldMessage {
  parts: StoredSms[];
  /** Parts already delivered. */
  next: number;
  messageClass: 0 | 1 | 2 | 3 | null;
}

/**
 * The first concatenation reference of a module's run: its per-module random byte plus the
 * wall clock in seconds. Phones keep this counter across power cycles; a simulator that
 * restarted at the same value every start sent the references of its last run again, and
 * a receiver that kept an incomplete group across the restart joined parts of two
 * different messages (issue 12). Starts one second or more apart begin at different
 * references (for 255 s), and the counter goes on from there.
 */
export function firstConcatRef(moduleByte: number, nowMs: number): number {
  return (moduleByte + Math.floor(nowMs / 1000)) & 0xff;
}

/** The network keeps at most this many undelivered messages per subscriber (older ones expire). */
const MAX_HELD = 100;

export class SmsInbox {
  #held: HeldMessage[] = [];
  #concatRef: number;

  constructor(firstConcatRef: number) {
    this.#concatRef = firstConcatRef & 0xff;
  }

  get heldCount(): number {
    return this.#held.length;
  }

  /** Encode and deliver; returns the storage indexes used now (empty for +CMT or when held). */
  inject(m: SimContext, sms: InjectedSms): number[] {
    const timestamp = sms.timestamp ?? new Date();
    const encoded = encodeDeliver({
      sender: sms.sender,
      text: sms.text,
      timestamp,
      tzQuarterHours: m.profile.network.tzQuarterHours,
      smsc: m.sim?.profile.smsc ?? null,
      concatRef: this.#concatRef,
      ...(sms.messageClass === undefined ? {} : { messageClass: sms.messageClass }),
    });
    if (encoded.length > 1) this.#concatRef = (this.#concatRef + 1) & 0xff;
    const parts: StoredSms[] = encoded.map((p, i) => ({
      stat: 0,
      pdu: p.hex.toUpperCase(),
      tpduLength: p.tpduLength,
      meta: { sender: sms.sender, text: sms.text, timestamp: timestamp.toISOString(), part: i + 1, parts: encoded.length },
    }));
    const message: HeldMessage = { parts, next: 0, messageClass: sms.messageClass ?? null };
    const indexes: number[] = [];
    if (this.#held.length > 0 || !this.#deliver(m, message, indexes)) this.#hold(message);
    return indexes;
  }

  /**
   * A status report per AT+CNMI <ds>: 1 → `+CDS` (not stored), 2 → stored in SR + `+CDSI`,
   * 0 → not routed to the host (27.005 §3.4.1). Returns the SR index, or null.
   */
  report(m: SimContext, r: InjectedStatusReport): number | null {
    const ds = m.settings.cnmi[3];
    if (ds === 0 || m.settings.cnmi[0] === 0) return null;
    const pdu = encodeStatusReport({
      smsc: m.sim?.profile.smsc ?? null,
      messageRef: r.messageRef,
      recipient: r.recipient,
      status: r.status ?? 0,
      dischargeTime: r.dischargeTime ?? new Date(),
      tzQuarterHours: m.profile.network.tzQuarterHours,
    });
    if (ds === 1) {
      m.urc(`+CDS: ${pdu.tpduLength}\r\n${pdu.hex}`);
      return null;
    }
    const sr = m.storage("SR");
    const index = sr?.store({ stat: 0, pdu: pdu.hex, tpduLength: pdu.tpduLength }) ?? null;
    if (index !== null) m.urc(`+CDSI: "SR",${index}`);
    return index;
  }

  /** Deliver held messages, oldest first, while the module can take them. */
  retry(m: SimContext): void {
    while (this.#held.length > 0) {
      const first = this.#held[0];
      if (!first || !this.#deliver(m, first, [])) return;
      this.#held.shift();
    }
  }

  #hold(message: HeldMessage): void {
    this.#held.push(message);
    if (this.#held.length > MAX_HELD) this.#held.shift();
  }

  /** True when every part is delivered. */
  #deliver(m: SimContext, message: HeldMessage, indexes: number[]): boolean {
    if (!isRegistered(m)) return false;
    const [mode, mt] = m.settings.cnmi;
    // <mode> 0 buffers indications in the TA; the simulator does not replay that buffer.
    const indicate = mode !== 0;
    // <mt> 2 routes every SMS directly, <mt> 3 only class 3 ones.
    if (indicate && (mt === 2 || (mt === 3 && message.messageClass === 3))) {
      for (; message.next < message.parts.length; message.next++) {
        const part = message.parts[message.next];
        if (part) m.urc(cmtLine(m, part));
      }
      return true;
    }
    const memName = m.settings.cpms[2];
    const storage = m.storage(memName);
    if (!storage) return false;
    for (; message.next < message.parts.length; message.next++) {
      const part = message.parts[message.next];
      if (!part) continue;
      const index = storage.store(structuredClone(part));
      if (index === null) {
        m.urc(...m.dialect.memoryFullUrcs(m, memName));
        return false;
      }
      indexes.push(index);
      if ((mt === 1 || mt === 3) && indicate) m.urc(`+CMTI: "${memName}",${index}`);
    }
    return true;
  }
}

/** `+CMT: ,<length>` + PDU in PDU mode; text-mode header + text otherwise (27.005 §3.4.1). */
function cmtLine(m: SimContext, part: StoredSms): string {
  if (m.settings.cmgf === 0) return `+CMT: ,${part.tpduLength}\r\n${part.pdu}`;
  const header = textModeHeader(m, part).replace(/^"[^"]*",/, "");
  const text = part.meta && part.meta.part === 1 ? part.meta.text : "";
  return `+CMT: ${header}\r\n${isGsm7Text(text) ? encodeForHost(m, text) : toUcs2Hex(text)}`;
}
