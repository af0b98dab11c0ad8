/** A whole received message, built from its parts (assembler.ts). */
import type { ReceivedPart } from "./part.js";

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
