/**
 * SMS-STATUS-REPORT PDUs (23.040 §9.2.2.3) as the network hands them to a module: what
 * `+CDS` prints and what `AT+CMGR` reads from the SR memory after a `+CDSI`. The codec
 * decodes these; only the simulator has to make them.
 */
import { encodeSmscAddress, encodeTpAddress } from "../codec/address.js";
import type { EncodedPdu } from "../codec/index.js";
import { toHex } from "../codec/hex-reader.js";
import { encodeScts } from "../codec/scts.js";

export interface StatusReportOptions {
  smsc: string | null;
  /** TP-MR of the reported SMS. */
  messageRef: number;
  /** TP-RA: where the reported SMS went. */
  recipient: string;
  /** TP-ST. */
  status: number;
  /** TP-DT; TP-SCTS is taken as the same moment. */
  dischargeTime: Date;
  tzQuarterHours: number;
}

export function encodeStatusReport(o: StatusReportOptions): EncodedPdu {
  // First octet: TP-MTI 10 (status report) | TP-MMS (no more messages waiting). No TP-PI: no optional fields.
  const scts = encodeScts(o.dischargeTime, o.tzQuarterHours);
  const tpdu = [0x06, o.messageRef & 0xff, ...encodeTpAddress(o.recipient), ...scts, ...scts, o.status & 0xff];
  return { hex: toHex([...encodeSmscAddress(o.smsc), ...tpdu]).toUpperCase(), tpduLength: tpdu.length };
}
