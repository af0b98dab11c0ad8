/**
 * The earnings read paths over a big ledger (issue 15: earnings in `simgate earnings`, the
 * status page and /metrics): 2,048 SIMs × 50 services sold once each (every (number,
 * service) pair can be sold once, on any marketplace), on two marketplaces, RUB and USD,
 * in a real simgate.db. Measures the ledger's `earnings(0)` scan, the earnings book's
 * first read, what a scrape or a status document then costs, one sale added, and the
 * API's groupings. `node --import tsx bench/earnings.ts [SIMS] [SERVICES]`
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EarningsBook, type RecordedOutcome } from "../src/http/admin/earnings-book.js";
import { earningsReport, type Dimension } from "../src/http/admin/earnings-report.js";
import { Exposition } from "../src/http/admin/metrics-format.js";
import { writeEarningsMetrics } from "../src/http/admin/metrics-earnings.js";
import { openStore } from "../src/store/index.js";

const SIMS = Number(process.argv[2] ?? 2048);
const SERVICES = Number(process.argv[3] ?? 50);

function stats(label: string, ms: number[]): void {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(3);
  console.log(`${label.padEnd(48)} n=${String(s.length).padStart(4)}  p50 ${at(0.5).padStart(9)} ms  p95 ${at(0.95).padStart(9)} ms  max ${s[s.length - 1]!.toFixed(3).padStart(9)} ms`);
}

async function time(n: number, f: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "simgate-bench-earnings-"));
const store = openStore({ stateDir: dir });
try {
  const insert = store.db.prepare(
    `INSERT INTO activations (market, number, iccid, port_id, country, operator, service, sum, currency, created_at, status, outcome, finish_sum, closed_at, close_reason, finished_at)
     VALUES (?, ?, ?, 'p', 'russia', 'mts', ?, ?, ?, ?, 3, 'sold', ?, ?, 'finish', ?)`,
  );
  const start = Date.now() - 30 * 86_400_000;
  let n = 0;
  store.db.transaction(() => {
    for (let sim = 0; sim < SIMS; sim++) {
      for (let svc = 0; svc < SERVICES; svc++) {
        const smshub = (sim + svc) % 3 === 0;
        const currency = smshub && svc % 2 === 0 ? "USD" : "RUB";
        const at = start + n * 20_000; // spread over the last month, some today
        insert.run(smshub ? "smshub" : "onlinesim", `7916${String(sim).padStart(7, "0")}`, `8970${String(sim).padStart(15, "0")}`, `service${svc}`, currency === "USD" ? 0.12 : 11.5, currency, at, n % 4 === 0 ? null : currency === "USD" ? 0.1234 : 12.25, at, at);
        n++;
      }
    }
  })();
  console.log(`ledger: ${n} sold reservations, ${SIMS} SIMs × ${SERVICES} services, 2 marketplaces, RUB and USD (${process.version})`);

  // What the status document and /metrics did before the earnings book, after every close: one RUB total,
  // all time (the old engine's earningsSince(0), gone with it; its query, kept here as the baseline).
  const earningsSince = store.db.prepare("SELECT coalesce(sum(coalesce(finish_sum, sum)), 0) AS total FROM activations WHERE status = 3 AND finished_at >= ?");
  stats("before: engine.earningsSince(0) per close", await time(10, () => earningsSince.get(0)));
  // And its closed activations per status (engine.closedByStatus()), also read again after every close.
  const closedByStatus = store.db.prepare("SELECT status, count(*) AS count FROM activations WHERE finished_at IS NOT NULL GROUP BY status ORDER BY status");
  stats("before: engine.closedByStatus() per close", await time(10, () => closedByStatus.all()));
  stats("ledger.closedCounts(): per market × outcome × status", await time(10, () => store.sales.closedCounts()));
  stats("ledger.earnings(0): every SIM line", await time(10, () => store.sales.earnings(0)));
  stats("ledger.earningsTotals(0): per service", await time(10, () => store.sales.earningsTotals(0)));
  stats("ledger.earningsPerSim(0): per SIM", await time(10, () => store.sales.earningsPerSim(0)));

  const events = new EventEmitter();
  const source = { ledger: store.sales, on: (e: "outcome-recorded" | "sale-refunded", l: (r: RecordedOutcome) => void) => events.on(e, l) };
  const firstReads = await time(5, () => new EarningsBook(source).ready());
  stats("earnings book: first read (once per start)", firstReads);

  const heapBefore = process.memoryUsage().heapUsed;
  const book = new EarningsBook(source);
  await book.ready();
  global.gc?.();
  console.log(`earnings book: heap after its first read +${((process.memoryUsage().heapUsed - heapBefore) / 1048576).toFixed(1)} MiB (no --expose-gc: includes garbage)`);

  stats("scrape: snapshot + earnings metric families", await time(200, () => writeEarningsMetrics(new Exposition(), book.snapshot())));
  stats("status document: per marketplace × currency", await time(200, () => book.snapshot().allTime.markets.entries()));
  let i = 0;
  stats("one sale added (the core's event)", await time(1000, () => {
    i++;
    events.emit("outcome-recorded", { outcome: "sold", market: "smshub", service: "extra", number: `7916${String(i % SIMS).padStart(7, "0")}`, iccid: `8970${String(i % SIMS).padStart(15, "0")}`, currency: "USD", sum: 0.1, finishSum: null, finishedAt: Date.now(), closedAt: Date.now(), status: 3 });
  }));
  for (const by of [["market"], ["service"], ["market", "service"]] as Dimension[][]) {
    stats(`GET /api/earnings?by=${by.join(",")} (all time)`, await time(10, async () => earningsReport(await book.totals(0), await book.totals(book.snapshot().todayStart), by, 20)));
  }
  const today = book.snapshot().todayStart;
  stats("GET /api/earnings?by=sim (all time, the ledger)", await time(10, async () => earningsReport(await store.sales.earningsPerSim(0), await store.sales.earningsPerSim(today), ["sim"], 20)));
  stats("GET /api/earnings?by=sim,service (the ledger)", await time(10, async () => earningsReport(await store.sales.earnings(0), await store.sales.earnings(today), ["service", "sim"], 20)));
  stats("GET /api/earnings?since=7d (the ledger's totals)", await time(10, async () => earningsReport(await book.totals(Date.now() - 7 * 86_400_000), [], ["market"], 20)));
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
