/**
 * Incoming SMS, network side to module: encode an SMS-DELIVER (one PDU per part), then
 * store + `+CMTI` or route directly as `+CMT` according to AT+CNMI (27.005 §3.4.1).
 * What cannot be delivered now (no registration, memory full) is held "by the network"
 * and retried when things change, as an SMSC retries: after a storage-full episode the
 * host frees space and the message arrives (modems.md §1.9: full storage stops +CMTI).
 */
import { encodeDeliver } from "../codec/index.js";
import { isRegistered } from "./commands/network.js";
import { textModeHeader } from "./commands/sms-text.js";
import { isGsm7Text, encodeForHost } from "./commands/charset.js";
import type { InjectedSms, SimContext } from "./commands/types.js";
import { toUcs2Hex } from "./identifiers.js";
import type { StoredSms } from "./sms-storage.js";

interface HeldMessage {
  parts: StoredSms[];
  /** Parts already delivered. */
  next: number;
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
    });
    if (encoded.length > 1) this.#concatRef = (this.#concatRef + 1) & 0xff;
    const parts: StoredSms[] = encoded.map((p, i) => ({
      stat: 0,
      pdu: p.hex.toUpperCase(),
      tpduLength: p.tpduLength,
      meta: { sender: sms.sender, text: sms.text, timestamp: timestamp.toISOString(), part: i + 1, parts: encoded.length },
    }));
    const message: HeldMessage = { parts, next: 0 };
    const indexes: number[] = [];
    if (this.#held.length > 0 || !this.#deliver(m, message, indexes)) this.#hold(message);
    return indexes;
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
    if (mt === 2 && indicate) {
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
