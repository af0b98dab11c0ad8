/**
 * After a restart: rebuild a port's multipart reassembly from the parts that are durable
 * but belong to no message yet (sms_parts.sms_id IS NULL).
 *
 * Why from the parts and not (only) from the reassembly blob: a part is committed in
 * acceptPart, before the receiver feeds the assembler, so a crash between the two leaves
 * a part that no blob has seen; and a single-part SMS whose message row was not written
 * yet would never come back at all. Re-feeding the stored parts, each at its original
 * receive time, rebuilds exactly what the receiver had — including the ReceivedPart lists
 * MessageAssembler keeps, which the codec blob does not hold — and returns the messages
 * that complete in doing so, for the caller to store (storeMessage is idempotent) and route.
 * Restored groups obey the same rules as live ones (src/codec/reassembly.ts): a later
 * part joins one only with the same coding, close SC timestamps and within the timeout of
 * its first part, so an incomplete group kept across a restart is not completed by the
 * next message that happens to reuse its sender and reference (issue 12).
 */
import type { Logger } from "../log/logger.js";
import { MessageAssembler, type CompleteSms } from "../sms/index.js";
import type { SmsRepository } from "./sms.js";

export interface RestoredAssembler {
  assembler: MessageAssembler;
  /** Messages that completed from stored parts alone (store them, then route them). */
  completed: CompleteSms[];
  /** How many stored parts were re-fed. */
  parts: number;
}

export function restoreAssembler(sms: SmsRepository, portId: string, timeoutMs: number, log: Logger): RestoredAssembler {
  const assembler = new MessageAssembler(portId, timeoutMs, log);
  const completed: CompleteSms[] = [];
  const parts = sms.unassembledParts(portId);
  for (const part of parts) {
    // StoredPart carries id/smsId too; the assembler only reads the ReceivedPart fields.
    const done = assembler.add(part, part.receivedAt.getTime());
    if (done) completed.push(done);
  }
  return { assembler, completed, parts: parts.length };
}
