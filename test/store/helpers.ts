/** Shared bits of the store tests: real temp directories, real PDUs from the codec. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeDeliver } from "../../src/codec/pdu-encode.js";
import { buildPart, type ReceivedPart } from "../../src/sms/index.js";
import type { NewActivation } from "../../src/engine/persistence.js";

export function tempStateDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "simgate-store-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The parts of one SMS as the receiver would hand them off (decoded by the codec). */
export function deliverParts(opts: { text: string; sender?: string; portId?: string; iccid?: string | null; at?: Date; concatRef?: number }): ReceivedPart[] {
  const at = opts.at ?? new Date("2026-11-22T08:00:00Z");
  const pdus = encodeDeliver({ text: opts.text, sender: opts.sender ?? "+79160000001", timestamp: at, smsc: "+79168999100", ...(opts.concatRef === undefined ? {} : { concatRef: opts.concatRef }) });
  return pdus.map((p, i) => {
    const { part } = buildPart({
      portId: opts.portId ?? "usb-1-1",
      iccid: opts.iccid === undefined ? "8970100000000000001" : opts.iccid,
      memory: "SM",
      index: i,
      pdu: p.hex,
      tpduLength: p.tpduLength,
      receivedAt: at,
    });
    return part;
  });
}

export function newActivation(n: number, over: Partial<NewActivation> = {}): NewActivation {
  return {
    number: `7916${String(n).padStart(7, "0")}`,
    iccid: `8970100${String(n).padStart(12, "0")}`,
    portId: `usb-1-${n}`,
    country: "russia",
    operator: "mts",
    service: "telegram",
    sum: 12.5,
    createdAt: 1_790_000_000_000 + n,
    ...over,
  };
}
