/**
 * A received SMS part as simgate keeps it: one PDU with where it came from (port, SIM,
 * memory slot, receive time). One stored PDU = one durable unit: the store commits it
 * before the modem deletes its copy. Decoding never throws and never drops a PDU: an
 * undecodable one is kept raw with `decoded: null`.
 */
import { decodePdu, type DeliverSms, type StatusReportSms } from "../codec/index.js";

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
