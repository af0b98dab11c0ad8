/**
 * Durable store throughput on a real file (tmpdir), with the production pragmas
 * (WAL, synchronous=FULL, one fsync per commit): how many SMS parts per second the
 * receiver can hand off, and how many GET_NUMBER reservations per second the sales ledger
 * (src/store/sales-ledger.ts, the port the sales core writes through) can commit one by one
 * and in group commits. The numbers are bounded by the disk's fsync
 * latency, so they say more about the host than about the code; compare them with the
 * load (a 256-port pool receives a few SMS per second at peak).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeDeliver } from "../src/codec/pdu-encode.js";
import { buildPart } from "../src/sms/index.js";
import { openStore } from "../src/store/index.js";
import type { ClaimOrder } from "../src/sales/ledger.js";
import type { BenchResult } from "./result.js";

const RUN_MS = 2000;
const MAX_OPS = 200_000;

async function timed(op: (i: number) => unknown, maxOps = MAX_OPS): Promise<{ ops: number; perSecond: number }> {
  const start = performance.now();
  let ops = 0;
  while (performance.now() - start < RUN_MS && ops < maxOps) await op(ops++);
  return { ops, perSecond: ops / ((performance.now() - start) / 1000) };
}

/** One GET_NUMBER's claim: a single candidate SIM, as the core sends for an order it can fill. */
const order = (n: number): ClaimOrder => ({
  reservation: { market: "onlinesim", service: "telegram", sum: 10, currency: "RUB", createdAt: Date.now() },
  candidates: [{ number: `7916${String(n).padStart(7, "0")}`, iccid: `iccid-${n}`, portId: "usb-1-1", country: "russia", operator: "mts" }],
});

export async function benchStore(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "simgate-bench-store-"));
  const store = openStore({ stateDir: dir });
  try {
    // Pre-encode outside the timed loop: the codec has its own benchmark.
    const pdus = Array.from({ length: 4096 }, (_, i) => encodeDeliver({ text: `Your code is ${100000 + i}`, sender: "Telegram", timestamp: new Date(1_790_000_000_000 + i * 1000) })[0]!);
    const parts = await timed((i) => {
      const p = pdus[i % pdus.length]!;
      // Distinct SIM per lap of the PDU list keeps every accept a real insert, not a dedup hit.
      const { part } = buildPart({ portId: "usb-1-1", iccid: `sim-${Math.floor(i / pdus.length)}`, memory: "SM", index: i % 50, pdu: p.hex, tpduLength: p.tpduLength, receivedAt: new Date() });
      store.sms.acceptPart(part);
    });
    // Every number distinct, never closed inside the timed loop: the open-number index grows
    // to a few thousand rows, more than any real pool has open at once.
    const creates = await timed((i) => store.sales.claim([order(i)]));
    // A cancel writes the pair's cancel count with the close, as a status-4 FINISH does.
    const closes = await timed(
      (i) => store.sales.close({ id: i + 1, market: "onlinesim", outcome: { kind: "cancelled", cancelLimit: 4 }, status: 4, finishSum: null, closedAt: Date.now(), by: "finish" }),
      creates.ops,
    );
    const base = 1_000_000;
    const batched = await timed((i) => store.sales.claim(Array.from({ length: 50 }, (_, k) => order(base + i * 50 + k))));
    const note = (r: { ops: number }, what: string) => `${r.ops} in ~${RUN_MS / 1000} s, ${what} (WAL, synchronous=FULL)`;
    return [
      { name: "store: durable SMS-part accepts", value: parts.perSecond, unit: "parts/s", note: note(parts, "one fsync'd transaction each") },
      { name: "store: activation creates", value: creates.perSecond, unit: "activations/s", note: note(creates, "one fsync'd transaction each") },
      { name: "store: activation closes (+ usage row)", value: closes.perSecond, unit: "closes/s", note: note(closes, "one fsync'd transaction each") },
      { name: "store: activation creates in groups of 50", value: batched.perSecond * 50, unit: "activations/s", note: note({ ops: batched.ops * 50 }, "one claim of 50 orders, one transaction per 50") },
    ];
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchStore()) console.log(`${r.name}: ${r.value.toFixed(0)} ${r.unit} (${r.note ?? ""})`);
}
