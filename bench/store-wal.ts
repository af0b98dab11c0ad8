/**
 * How big the WAL gets under a write burst: the state directory must hold simgate.db plus
 * its WAL, and on a small disk the WAL's peak is what fills it. A burst of the daemon's
 * real writes (an SMS part, its message, a reservation, its outbox entry, a delivery, a
 * close, the last three through the sales ledger as the sales core makes them) as fast as the disk allows, for a bounded time; after every round the sizes of
 * simgate.db and simgate.db-wal are sampled.
 *
 *   node --import tsx bench/store-wal.ts [rounds]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeDeliver } from "../src/codec/pdu-encode.js";
import { buildPart } from "../src/sms/index.js";
import { openStore } from "../src/store/index.js";

const size = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

export interface WalPeak {
  rounds: number;
  ms: number;
  peakWalBytes: number;
  peakTotalBytes: number;
  finalDbBytes: number;
}

/**
 * `parent`: where the temporary state directory goes (default the OS temp dir; the disk
 * test puts it on a small tmpfs).
 */
export async function measureWalPeak(maxRounds = 3000, maxMs = 20_000, parent = tmpdir()): Promise<WalPeak> {
  const dir = mkdtempSync(join(parent, "simgate-bench-wal-"));
  const store = openStore({ stateDir: dir });
  const db = join(dir, "simgate.db");
  let peakWal = 0;
  let peakTotal = 0;
  const start = performance.now();
  let rounds = 0;
  try {
    let previousOutbox: number | undefined;
    for (; rounds < maxRounds && performance.now() - start < maxMs; rounds++) {
      const text = `Your code is ${100000 + rounds}. Do not share it with anyone. ${"x".repeat(60)}`;
      const [pdu] = encodeDeliver({ text, sender: "Telegram", timestamp: new Date(1_790_000_000_000 + rounds * 1000) });
      const { part } = buildPart({ portId: "usb-1-1", iccid: "8970100000000000001", memory: "SM", index: rounds % 50, pdu: pdu!.hex, tpduLength: pdu!.tpduLength, receivedAt: new Date() });
      store.sms.acceptPart(part);
      const sms = store.sms.storeMessage({ portId: "usb-1-1", iccid: part.iccid, sender: "Telegram", text, parts: [part], missingParts: [], timestamp: null });
      const number = `7916${String(rounds).padStart(7, "0")}`;
      const iccid = `iccid-${rounds}`;
      const [claimed] = await store.sales.claim([
        { reservation: { market: "onlinesim", service: "telegram", sum: 10, currency: "RUB", createdAt: Date.now() }, candidates: [{ number, iccid, portId: "usb-1-1", country: "russia", operator: "mts" }] },
      ]);
      if (claimed?.kind !== "reserved") throw new Error(`round ${rounds}: the claim of a free SIM came back ${claimed?.kind}`);
      const q = await store.sales.attachSms({ smsId: sms.id, iccid, number, at: Date.now() });
      if (previousOutbox !== undefined) store.outbox.markDelivered(previousOutbox, Date.now());
      if (q.kind === "queued") previousOutbox = q.deliveryId;
      await store.sales.close({ id: claimed.reservation.id, market: "onlinesim", outcome: { kind: "sold" }, status: 3, finishSum: null, closedAt: Date.now(), by: "finish" });
      const wal = size(`${db}-wal`);
      peakWal = Math.max(peakWal, wal);
      peakTotal = Math.max(peakTotal, wal + size(db));
    }
    return { rounds, ms: Math.round(performance.now() - start), peakWalBytes: peakWal, peakTotalBytes: peakTotal, finalDbBytes: size(db) };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measureWalPeak(Number(process.argv[2] ?? 3000));
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`${r.rounds} rounds (6 commits each) in ${r.ms} ms: WAL peak ${kib(r.peakWalBytes)}, simgate.db + WAL peak ${kib(r.peakTotalBytes)}, simgate.db at the end ${kib(r.finalDbBytes)}`);
}
