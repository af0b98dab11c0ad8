/**
 * User Data Header (23.040 §9.2.3.24): UDHL, then information elements IEI, IEDL, data.
 * Unknown IEIs are kept as raw data (23.040: a receiver ignores IEs it does not know);
 * malformed ones are dropped with a warning instead of failing the message.
 */
import { toHex } from "./hex-reader.js";

export interface ConcatInfo {
  ref: number;
  total: number;
  seq: number;
  refWidth: 8 | 16;
}

export type UdhElement =
  | ({ kind: "concat"; iei: 0x00 | 0x08 } & ConcatInfo)
  | { kind: "port"; iei: 0x04 | 0x05; destination: number; source: number; width: 8 | 16 }
  | { kind: "national-single-shift"; iei: 0x24; language: number }
  | { kind: "national-locking-shift"; iei: 0x25; language: number }
  | { kind: "other"; iei: number; data: string };

export interface ParsedUdh {
  elements: UdhElement[];
  concat: ConcatInfo | null;
  singleShift: number | null;
  lockingShift: number | null;
  port: { destination: number; source: number; width: 8 | 16 } | null;
}

/** Parse the IEs of a header whose UDHL octet has already been consumed (`body` = UDHL octets). */
export function parseUdh(body: Uint8Array, warnings: string[]): ParsedUdh {
  const out: ParsedUdh = { elements: [], concat: null, singleShift: null, lockingShift: null, port: null };
  let i = 0;
  while (i < body.length) {
    const iei = body[i]!;
    const len = body[i + 1];
    if (len === undefined || i + 2 + len > body.length) {
      warnings.push(`UDH: information element 0x${iei.toString(16).padStart(2, "0")} at header octet ${i} overruns the header; rest of header ignored`);
      break;
    }
    const d = body.subarray(i + 2, i + 2 + len);
    i += 2 + len;
    const bad = (what: string) => {
      warnings.push(`UDH: IEI 0x${iei.toString(16).padStart(2, "0")} ${what}; element ignored`);
      out.elements.push({ kind: "other", iei, data: toHex(d) });
    };
    switch (iei) {
      case 0x00:
      case 0x08: {
        const wide = iei === 0x08;
        if (len !== (wide ? 4 : 3)) {
          bad(`has length ${len}, expected ${wide ? 4 : 3}`);
          break;
        }
        const ref = wide ? (d[0]! << 8) | d[1]! : d[0]!;
        const total = d[wide ? 2 : 1]!;
        const seq = d[wide ? 3 : 2]!;
        // 23.040 §9.2.3.24.1: total 0, or seq 0 / > total → ignore the whole IE.
        if (total === 0 || seq === 0 || seq > total) {
          bad(`says part ${seq} of ${total}`);
          break;
        }
        const c: ConcatInfo = { ref, total, seq, refWidth: wide ? 16 : 8 };
        out.elements.push({ kind: "concat", iei, ...c });
        out.concat ??= c;
        break;
      }
      case 0x04:
      case 0x05: {
        const wide = iei === 0x05;
        if (len !== (wide ? 4 : 2)) {
          bad(`has length ${len}, expected ${wide ? 4 : 2}`);
          break;
        }
        const p = wide
          ? { destination: (d[0]! << 8) | d[1]!, source: (d[2]! << 8) | d[3]!, width: 16 as const }
          : { destination: d[0]!, source: d[1]!, width: 8 as const };
        out.elements.push({ kind: "port", iei, ...p });
        out.port ??= p;
        break;
      }
      case 0x24:
      case 0x25: {
        if (len !== 1) {
          bad(`has length ${len}, expected 1`);
          break;
        }
        const language = d[0]!;
        if (iei === 0x24) {
          out.elements.push({ kind: "national-single-shift", iei, language });
          out.singleShift = language;
        } else {
          out.elements.push({ kind: "national-locking-shift", iei, language });
          out.lockingShift = language;
        }
        break;
      }
      default:
        out.elements.push({ kind: "other", iei, data: toHex(d) });
    }
  }
  return out;
}

export interface UdhBuild {
  concat?: ConcatInfo;
  singleShift?: number;
  lockingShift?: number;
}

/** Header octets including UDHL, or an empty array when there is nothing to put in it. */
export function buildUdh(b: UdhBuild): number[] {
  const ies: number[] = [];
  if (b.concat) {
    const c = b.concat;
    if (c.refWidth === 16) ies.push(0x08, 4, (c.ref >> 8) & 0xff, c.ref & 0xff, c.total, c.seq);
    else ies.push(0x00, 3, c.ref & 0xff, c.total, c.seq);
  }
  if (b.singleShift !== undefined) ies.push(0x24, 1, b.singleShift);
  if (b.lockingShift !== undefined) ies.push(0x25, 1, b.lockingShift);
  return ies.length === 0 ? [] : [ies.length, ...ies];
}

/** Octets of a header (UDHL included) for the given content, without building it. */
export function udhLength(b: UdhBuild): number {
  let n = 0;
  if (b.concat) n += b.concat.refWidth === 16 ? 6 : 5;
  if (b.singleShift !== undefined) n += 3;
  if (b.lockingShift !== undefined) n += 3;
  return n === 0 ? 0 : n + 1;
}
