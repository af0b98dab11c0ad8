/** Shared bits of the store tests: real temp directories, real PDUs from the codec. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeDeliver } from "../../src/codec/pdu-encode.js";
import { buildPart, type ReceivedPart } from "../../src/sms/index.js";
import { outcomeOf } from "../../src/markets/onlinesim/statuses.js";
import type { ClaimOrder, CloseResult, SalesLedger } from "../../src/sales/ledger.js";
import type { NewReservation, Reservation } from "../../src/sales/types.js";

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

/** A GET_NUMBER reservation on Onlinesim for SIM `n` (number 7916…n), as the sales core claims it. */
export function newActivation(n: number, over: Partial<NewReservation> = {}): NewReservation {
  return {
    market: "onlinesim",
    number: `7916${String(n).padStart(7, "0")}`,
    iccid: `8970100${String(n).padStart(12, "0")}`,
    portId: `usb-1-${n}`,
    country: "russia",
    operator: "mts",
    service: "telegram",
    sum: 12.5,
    currency: "RUB",
    createdAt: 1_790_000_000_000 + n,
    ...over,
  };
}

/** The claim of exactly this reservation's SIM. */
export function claimOf(r: NewReservation): ClaimOrder {
  const { number, iccid, portId, country, operator, ...reservation } = r;
  return { reservation, candidates: [{ number, iccid, portId, country, operator }] };
}

/** Claim one reservation through the ledger (the fixture every store-level test needs); fails the test if the SIM is taken. */
export async function reserve(ledger: SalesLedger, r: NewReservation): Promise<Reservation> {
  const [result] = await ledger.claim([claimOf(r)]);
  if (result?.kind !== "reserved") throw new Error(`could not reserve ${r.number}: ${JSON.stringify(result)}`);
  return result.reservation;
}

/** Close a reservation as Onlinesim's FINISH_ACTIVATION with this status does (src/markets/onlinesim/statuses.ts). */
export function finish(ledger: SalesLedger, id: number, status: number, at: number, opts: { finishSum?: number | null; cancelLimit?: number; market?: string } = {}): Promise<CloseResult> {
  return ledger.close({ id, market: opts.market ?? "onlinesim", outcome: outcomeOf(status, opts.cancelLimit ?? 4), status, finishSum: opts.finishSum ?? null, closedAt: at, by: "finish" });
}

/** Route a stored SMS to whoever holds this reservation's SIM, as the core does on arrival. */
export function attach(ledger: SalesLedger, smsId: number, r: Pick<Reservation, "number" | "iccid">, at: number): ReturnType<SalesLedger["attachSms"]> {
  return ledger.attachSms({ smsId, iccid: r.iccid, number: r.number, at });
}
