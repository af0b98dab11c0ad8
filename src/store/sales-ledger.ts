/**
 * The sales ledger port (src/sales/ledger.ts) on simgate.db. Every write is one IMMEDIATE
 * transaction that has committed (WAL fsynced, synchronous=FULL, database.ts) before the
 * promise resolves, so what the core then tells a marketplace is on disk (the crash tables
 * of docs/architecture.md and docs/store.md hold unchanged: a claim is durable before its
 * answer, a close is durable before its SUCCESS).
 *
 * better-sqlite3 is synchronous: each method runs its transaction whole in the caller's
 * turn and returns a settled promise. The port is asynchronous so a store across a network
 * (PostgreSQL next) is a drop-in; the core never assumes the answer comes in the same turn.
 *
 * The store is the arbiter of who holds a SIM: the partial unique indexes over the open
 * activations' numbers and ICCIDs (schema 1) make a second open reservation of one SIM
 * impossible, whatever the core's memory believes; `claim` moves on to the order's next
 * candidate when one is held or burned. AUTOINCREMENT and the id floor's trigger
 * (id-floor.ts) keep ids monotonic and never reused, on any marketplace. Tables: schema 1,
 * 5 and 6 (schema/006-sales-ledger.ts).
 */
import type Database from "better-sqlite3";
import { burnFor } from "../sales/burns.js";
import type {
  AttachResult,
  BurnChange,
  ClaimOrder,
  ClaimResult,
  ClosedCount,
  CloseRequest,
  CloseResult,
  LedgerState,
  ReleaseRequest,
  ReleaseResult,
  ReservationListItem,
  SalesLedger,
  SmsArrival,
} from "../sales/ledger.js";
import type { ClosedReservation, CloseReason, EarningsRow, EarningsTotal, EpochMs, MarketUsage, Outcome, Reservation, SimEarnings } from "../sales/types.js";

interface ActivationRow {
  id: number;
  market: string;
  number: string;
  iccid: string;
  port_id: string | null;
  country: string;
  operator: string;
  service: string;
  sum: number;
  currency: string;
  created_at: number;
  /** The marketplace's status; 0 on a row released without a close (schema 5), NULL while open. */
  status: number | null;
  outcome: Outcome | null;
  finish_sum: number | null;
  closed_at: number | null;
  close_reason: CloseReason | null;
  finished_at: number | null;
  /** A refund that came after the sale (schema 7). */
  refunded_at: number | null;
}

interface UsageRow {
  market: string;
  number: string;
  service: string;
  cancels: number;
  excluded: number;
}

function openView(r: ActivationRow): Reservation {
  return {
    id: r.id,
    market: r.market,
    number: r.number,
    iccid: r.iccid,
    portId: r.port_id,
    country: r.country,
    operator: r.operator,
    service: r.service,
    sum: r.sum,
    currency: r.currency,
    createdAt: r.created_at,
  };
}

/** A released row keeps status 0 until a close comes (schema 5): status and outcome count only once finished_at is set. */
function closedView(r: ActivationRow): ClosedReservation {
  const finished = r.finished_at !== null;
  return {
    ...openView(r),
    outcome: finished ? r.outcome : null,
    status: finished ? r.status : null,
    finishSum: r.finish_sum,
    closedAt: r.closed_at ?? 0,
    closeReason: r.close_reason ?? "finish",
    finishedAt: r.finished_at,
    ...(r.refunded_at !== null ? { refundedAt: r.refunded_at } : {}),
  };
}

const usageView = (r: UsageRow): MarketUsage => ({ market: r.market, number: r.number, service: r.service, cancels: r.cancels, excluded: r.excluded === 1 });

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_UNIQUE";
}

export class SqliteSalesLedger implements SalesLedger {
  readonly #db: Database.Database;
  readonly #stmts: ReturnType<typeof prepare>;
  readonly #claimTx: Database.Transaction<(orders: readonly ClaimOrder[]) => ClaimResult[]>;
  /** One guarded multi-row INSERT per batch size, prepared once on first use. */
  readonly #insertBatch = new Map<number, Database.Statement<unknown[]>>();
  readonly #closeTx: Database.Transaction<(req: CloseRequest) => CloseResult>;
  readonly #releaseTx: Database.Transaction<(req: ReleaseRequest) => ReleaseResult>;
  readonly #attachTx: Database.Transaction<(sms: SmsArrival) => AttachResult>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#stmts = prepare(db);
    this.#claimTx = db.transaction((orders: readonly ClaimOrder[]) => this.#claimAll(orders));
    this.#closeTx = db.transaction((req: CloseRequest) => this.#closeOne(req));
    this.#releaseTx = db.transaction((req: ReleaseRequest) => this.#releaseOne(req));
    this.#attachTx = db.transaction((sms: SmsArrival) => this.#attachOne(sms));
  }

  async load(): Promise<LedgerState> {
    const s = this.#stmts;
    const open = s.open.all().map(openView);
    const openIds = new Set(open.map((a) => a.id));
    // outbox has no activation index: one pass at start, from the oldest open activation on.
    const withSms = open.length === 0 ? [] : s.outboxActivations.all(open[0]!.id).map((r) => r.id).filter((id) => openIds.has(id));
    return {
      open,
      sold: s.sold.all().map((r) => ({ number: r.number, service: r.service, market: r.market, at: r.sold_at })),
      usage: s.usage.all().map(usageView),
      lastUsed: s.lastUsed.all().map((r) => ({ number: r.number, at: r.at })),
      openWithSms: withSms,
    };
  }

  /** Group commit: one transaction, one WAL fsync, every order decided inside it. */
  async claim(orders: readonly ClaimOrder[]): Promise<ClaimResult[]> {
    if (orders.length === 0) return [];
    return this.#claimTx.immediate(orders);
  }

  async close(req: CloseRequest): Promise<CloseResult> {
    return this.#closeTx.immediate(req);
  }

  async release(req: ReleaseRequest): Promise<ReleaseResult> {
    return this.#releaseTx.immediate(req);
  }

  async find(id: number): Promise<Reservation | ClosedReservation | undefined> {
    const row = this.#stmts.get.get(id);
    if (!row) return undefined;
    return row.closed_at === null ? openView(row) : closedView(row);
  }

  async attachSms(sms: SmsArrival): Promise<AttachResult> {
    return this.#attachTx.immediate(sms);
  }

  /**
   * Sold reservations per SIM × service × marketplace × currency, by when the sale was
   * recorded. A close without an amount counts the price offered. An outcome is recorded
   * once per reservation, so a repeated or late close cannot count twice.
   */
  async earnings(since: EpochMs): Promise<EarningsRow[]> {
    return this.#stmts.earnings.all(since).map((r) => ({ market: r.market, service: r.service, number: r.number, iccid: r.iccid, currency: r.currency, sold: r.sold, amount: r.amount }));
  }

  async earningsTotals(since: EpochMs): Promise<EarningsTotal[]> {
    return this.#stmts.earningsTotals.all(since).map((r) => ({ market: r.market, service: r.service, currency: r.currency, sold: r.sold, amount: r.amount }));
  }

  async earningsPerSim(since: EpochMs): Promise<SimEarnings[]> {
    return this.#stmts.earningsPerSim.all(since).map((r) => ({ market: r.market, number: r.number, iccid: r.iccid, currency: r.currency, sold: r.sold, amount: r.amount }));
  }

  async recent(limit: number): Promise<ReservationListItem[]> {
    const rows = this.#stmts.recent.all(limit);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const counts = new Map(this.#stmts.smsCounts.all(Math.min(...ids), Math.max(...ids)).map((c) => [c.activation_id, c.n]));
    return rows.map((r) => {
      const closed = r.closed_at === null ? undefined : closedView(r);
      return {
        ...openView(r),
        outcome: closed?.outcome ?? null,
        status: closed?.status ?? null,
        finishSum: closed?.finishSum ?? null,
        closedAt: closed?.closedAt ?? null,
        closeReason: closed?.closeReason ?? null,
        finishedAt: closed?.finishedAt ?? null,
        ...(closed?.refundedAt !== undefined ? { refundedAt: closed.refundedAt } : {}),
        smsCount: counts.get(r.id) ?? 0,
      };
    });
  }

  async closedCounts(): Promise<ClosedCount[]> {
    return this.#stmts.closedCounts.all();
  }

  /** The raw connection's owner closes it (Store.close); nothing to release here. */
  get database(): Database.Database {
    return this.#db;
  }

  /**
   * The orders in arrival order, as if claimed one by one (`#claimOne`), but a run of
   * orders whose first candidates all go through is written by one multi-row statement
   * (a burst's common case): one statement per CLAIM_BATCH orders instead of one per order.
   * The batch runs inside a savepoint; if any of its rows is missing (a first candidate
   * held by another reservation, burned, or taken by an earlier order of the batch) it is
   * rolled back and those orders are claimed one by one, so every order still gets exactly
   * what the one-by-one claim gives it, and ids still ascend in arrival order.
   */
  #claimAll(orders: readonly ClaimOrder[]): ClaimResult[] {
    const results: ClaimResult[] = new Array(orders.length);
    let i = 0;
    while (i < orders.length) {
      const size = CLAIM_BATCH_SIZES.find((n) => n <= orders.length - i);
      if (size !== undefined && this.#claimFirsts(orders, i, size, results)) {
        i += size;
        continue;
      }
      const end = i + (size ?? 1);
      for (; i < end; i++) results[i] = this.#claimOne(orders[i]!);
    }
    return results;
  }

  /** Orders from..from+size-1 each take their first candidate in one statement, or nothing is written and false is returned. */
  #claimFirsts(orders: readonly ClaimOrder[], from: number, size: number, results: ClaimResult[]): boolean {
    const values: unknown[] = [];
    for (let k = 0; k < size; k++) {
      const o = orders[from + k]!;
      const c = o.candidates[0];
      if (!c) return false;
      const r = o.reservation;
      values.push(r.market, c.number, c.iccid, c.portId, c.country, c.operator, r.service, r.sum, r.currency, r.createdAt);
    }
    const s = this.#stmts;
    s.savepoint.run();
    let info: Database.RunResult;
    try {
      // OR IGNORE: a row the open-SIM unique indexes refuse is left out (then rolled back below), not an error.
      info = this.#batchStatement(size).run(...values);
    } catch (err) {
      s.rollbackToSavepoint.run();
      s.releaseSavepoint.run();
      throw err;
    }
    const last = Number(info.lastInsertRowid);
    // Every row written, with consecutive ids in the orders' order: checked, not assumed.
    const rows = info.changes === size ? s.idsBetween.all(last - size + 1, last) : [];
    const intact = rows.length === size && rows.every((row, k) => row.id === last - size + 1 + k && row.number === orders[from + k]!.candidates[0]!.number);
    if (!intact) {
      s.rollbackToSavepoint.run();
      s.releaseSavepoint.run();
      return false;
    }
    s.releaseSavepoint.run();
    if (!Number.isSafeInteger(last)) throw new Error(`activation id ${String(info.lastInsertRowid)} is beyond 2^53`);
    for (let k = 0; k < size; k++) {
      const o = orders[from + k]!;
      const c = o.candidates[0]!;
      results[from + k] = { kind: "reserved", reservation: { ...o.reservation, number: c.number, iccid: c.iccid, portId: c.portId, country: c.country, operator: c.operator, id: rows[k]!.id } };
    }
    return true;
  }

  #batchStatement(size: number): Database.Statement<unknown[]> {
    let stmt = this.#insertBatch.get(size);
    if (!stmt) {
      const rows = Array.from({ length: size }, () => "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ");
      stmt = this.#db.prepare<unknown[]>(`
        WITH c (${CLAIM_COLUMNS}) AS (VALUES ${rows})
        INSERT OR IGNORE INTO activations (${CLAIM_COLUMNS})
        SELECT * FROM c ${UNBURNED}`);
      this.#insertBatch.set(size, stmt);
    }
    return stmt;
  }

  /**
   * One statement per candidate: the INSERT itself skips a burned pair (no row), and the
   * open-SIM unique indexes refuse a held SIM (a constraint error, rolled back for this
   * statement only). Either way the order moves on to its next candidate.
   */
  #claimOne(order: ClaimOrder): ClaimResult {
    const s = this.#stmts;
    const r = order.reservation;
    for (const c of order.candidates) {
      let info: Database.RunResult;
      try {
        // Positional values, in the statement's column order: no parameter object per candidate.
        info = s.insertUnburned.run(r.market, c.number, c.iccid, c.portId, c.country, c.operator, r.service, r.sum, r.currency, r.createdAt);
      } catch (err) {
        if (isUniqueViolation(err)) continue;
        throw err;
      }
      if (info.changes === 0) continue;
      const id = Number(info.lastInsertRowid);
      if (!Number.isSafeInteger(id)) throw new Error(`activation id ${String(info.lastInsertRowid)} is beyond 2^53`);
      return { kind: "reserved", reservation: { ...r, number: c.number, iccid: c.iccid, portId: c.portId, country: c.country, operator: c.operator, id } };
    }
    return { kind: "taken" };
  }

  #closeOne(req: CloseRequest): CloseResult {
    const s = this.#stmts;
    const row = s.get.get(req.id);
    if (!row || row.market !== req.market) return { kind: "unknown" };
    if (row.finished_at !== null) {
      // A refund of a sale: recorded once beside the sale, which stays the outcome (and the burn).
      if (row.outcome === "sold" && req.outcome.kind === "refunded" && row.refunded_at === null) {
        s.refundSale.run(req.closedAt, req.id);
        return { kind: "already-closed", reservation: closedView({ ...row, refunded_at: req.closedAt }), refundedAfterSale: true };
      }
      return { kind: "already-closed", reservation: closedView(row) };
    }
    const released = row.closed_at !== null;
    const usage = s.usageRow.get(row.market, row.number, row.service);
    const burns = burnFor(req.outcome, row, { sold: s.soldPair.get(row.number, row.service) !== undefined, usage: usage ? usageView(usage) : undefined }, req.closedAt);
    const params = { id: req.id, status: req.status, outcome: req.outcome.kind, finishSum: req.finishSum, closedAt: req.closedAt };
    let after: ActivationRow;
    if (released) {
      s.finishReleased.run(params);
      after = { ...row, status: req.status, outcome: req.outcome.kind, finish_sum: req.finishSum, finished_at: req.closedAt };
    } else {
      s.close.run({ ...params, reason: req.by });
      after = { ...row, status: req.status, outcome: req.outcome.kind, finish_sum: req.finishSum, closed_at: req.closedAt, close_reason: req.by, finished_at: req.closedAt };
    }
    this.#writeBurns(burns, req.closedAt);
    return { kind: released ? "finished-after-release" : "closed", reservation: closedView(after), burns };
  }

  #writeBurns(burns: BurnChange, at: EpochMs): void {
    const s = this.#stmts;
    if (burns.sold) s.insertSold.run({ number: burns.sold.number, service: burns.sold.service, market: burns.sold.market, at: burns.sold.at });
    if (burns.usage) {
      const u = burns.usage;
      s.upsertUsage.run({ market: u.market, number: u.number, service: u.service, cancels: u.cancels, excluded: u.excluded ? 1 : 0, at });
    }
  }

  #releaseOne(req: ReleaseRequest): ReleaseResult {
    const s = this.#stmts;
    const row = s.get.get(req.id);
    if (!row || row.closed_at !== null) return { kind: "not-open" };
    s.release.run({ id: req.id, reason: req.reason, releasedAt: req.releasedAt });
    return { kind: "released", reservation: closedView({ ...row, status: 0, outcome: null, finish_sum: null, closed_at: req.releasedAt, close_reason: req.reason }) };
  }

  #attachOne(sms: SmsArrival): AttachResult {
    const s = this.#stmts;
    const holder = (sms.iccid !== null ? s.openByIccid.get(sms.iccid) : undefined) ?? (sms.number !== null ? s.openByNumber.get(sms.number) : undefined);
    if (!holder) return { kind: "no-holder" };
    const existing = s.outboxPair.get(sms.smsId, holder.id);
    if (existing) return { kind: "duplicate", reservation: openView(holder), deliveryId: existing.id };
    const info = s.outboxInsert.run(sms.smsId, holder.id, sms.at, sms.at);
    return { kind: "queued", reservation: openView(holder), deliveryId: Number(info.lastInsertRowid) };
  }
}

/** A claim's row, in the order its values are bound. */
const CLAIM_COLUMNS = "market, number, iccid, port_id, country, operator, service, sum, currency, created_at";
/** Keeps a claim's row out when its pair is sold anywhere or excluded on its marketplace (the CTE `c` is the row). */
const UNBURNED = `WHERE NOT EXISTS (SELECT 1 FROM sold_pairs s WHERE s.number = c.number AND s.service = c.service)
        AND NOT EXISTS (SELECT 1 FROM market_usage u WHERE u.market = c.market AND u.number = c.number AND u.service = c.service AND u.excluded = 1)`;
/** Orders per multi-row claim statement, largest first; a shorter run is claimed one by one. */
const CLAIM_BATCH_SIZES = [50, 10] as const;

function prepare(db: Database.Database) {
  return {
    open: db.prepare<[], ActivationRow>("SELECT * FROM activations WHERE closed_at IS NULL ORDER BY id"),
    sold: db.prepare<[], { number: string; service: string; market: string; sold_at: number }>("SELECT number, service, market, sold_at FROM sold_pairs ORDER BY number, service"),
    // Only rows that differ from "never cancelled nor rejected" (ledger.ts LedgerState.usage).
    usage: db.prepare<[], UsageRow>("SELECT market, number, service, cancels, excluded FROM market_usage WHERE cancels > 0 OR excluded = 1 ORDER BY market, number, service"),
    lastUsed: db.prepare<[], { number: string; at: number }>("SELECT number, max(created_at) AS at FROM activations GROUP BY number ORDER BY number"),
    outboxActivations: db.prepare<[number], { id: number }>("SELECT DISTINCT activation_id AS id FROM outbox WHERE activation_id >= ? ORDER BY activation_id"),
    // Inserts nothing when the pair is sold anywhere or excluded on this marketplace.
    // The candidate's row is named once (the CTE) and bound by position: ten values, each once.
    insertUnburned: db.prepare<[string, string, string, string | null, string, string, string, number, string, number]>(`
      WITH c (${CLAIM_COLUMNS}) AS (VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?))
      INSERT INTO activations (${CLAIM_COLUMNS})
      SELECT * FROM c ${UNBURNED}`),
    idsBetween: db.prepare<[number, number], { id: number; number: string }>("SELECT id, number FROM activations WHERE id BETWEEN ? AND ? ORDER BY id"),
    savepoint: db.prepare("SAVEPOINT claim_batch"),
    rollbackToSavepoint: db.prepare("ROLLBACK TO claim_batch"),
    releaseSavepoint: db.prepare("RELEASE claim_batch"),
    get: db.prepare<[number], ActivationRow>("SELECT * FROM activations WHERE id = ?"),
    refundSale: db.prepare<[number, number]>("UPDATE activations SET refunded_at = ? WHERE id = ? AND outcome = 'sold' AND refunded_at IS NULL"),
    openByNumber: db.prepare<[string], ActivationRow>("SELECT * FROM activations WHERE closed_at IS NULL AND number = ?"),
    openByIccid: db.prepare<[string], ActivationRow>("SELECT * FROM activations WHERE closed_at IS NULL AND iccid = ?"),
    soldPair: db.prepare<[string, string], { one: number }>("SELECT 1 AS one FROM sold_pairs WHERE number = ? AND service = ?"),
    usageRow: db.prepare<[string, string, string], UsageRow>("SELECT market, number, service, cancels, excluded FROM market_usage WHERE market = ? AND number = ? AND service = ?"),
    // `closed_at IS NULL` in the WHERE makes the close idempotent even without the read before it.
    close: db.prepare(
      "UPDATE activations SET status = @status, outcome = @outcome, finish_sum = @finishSum, closed_at = @closedAt, close_reason = @reason, finished_at = @closedAt WHERE id = @id AND closed_at IS NULL",
    ),
    // A released reservation takes the first close that comes; its SIM was freed at the release (closed_at stays).
    finishReleased: db.prepare(
      "UPDATE activations SET status = @status, outcome = @outcome, finish_sum = @finishSum, finished_at = @closedAt WHERE id = @id AND finished_at IS NULL AND close_reason IN ('undelivered', 'overdue')",
    ),
    release: db.prepare("UPDATE activations SET status = 0, outcome = NULL, finish_sum = NULL, closed_at = @releasedAt, close_reason = @reason WHERE id = @id AND closed_at IS NULL"),
    insertSold: db.prepare("INSERT INTO sold_pairs (number, service, market, sold_at) VALUES (@number, @service, @market, @at) ON CONFLICT (number, service) DO NOTHING"),
    upsertUsage: db.prepare(`
      INSERT INTO market_usage (market, number, service, cancels, excluded, updated_at) VALUES (@market, @number, @service, @cancels, @excluded, @at)
      ON CONFLICT (market, number, service) DO UPDATE SET cancels = excluded.cancels, excluded = excluded.excluded, updated_at = excluded.updated_at`),
    outboxPair: db.prepare<[number, number], { id: number }>("SELECT id FROM outbox WHERE sms_id = ? AND activation_id = ?"),
    outboxInsert: db.prepare<[number, number, number, number]>("INSERT INTO outbox (sms_id, activation_id, created_at, next_try_at) VALUES (?, ?, ?, ?)"),
    // Open ones however old (a stale one is exactly what an operator looks for), then the newest.
    recent: db.prepare<[number], ActivationRow>("SELECT * FROM activations WHERE closed_at IS NULL OR id IN (SELECT id FROM activations ORDER BY id DESC LIMIT ?) ORDER BY id DESC"),
    // outbox has no activation index: one pass per listing (admin-only, a few ms per 100k rows).
    smsCounts: db.prepare<[number, number], { activation_id: number; n: number }>("SELECT activation_id, count(*) AS n FROM outbox WHERE activation_id BETWEEN ? AND ? GROUP BY activation_id"),
    earnings: db.prepare<[number], EarningsRow>(`
      SELECT market, service, number, iccid, currency, count(*) AS sold, sum(coalesce(finish_sum, sum)) AS amount
      FROM activations WHERE outcome = 'sold' AND refunded_at IS NULL AND finished_at >= ?
      GROUP BY market, service, number, iccid, currency
      ORDER BY market, service, number, currency, iccid`),
    earningsTotals: db.prepare<[number], EarningsTotal>(`
      SELECT market, service, currency, count(*) AS sold, sum(coalesce(finish_sum, sum)) AS amount
      FROM activations WHERE outcome = 'sold' AND refunded_at IS NULL AND finished_at >= ?
      GROUP BY market, service, currency ORDER BY market, service, currency`),
    earningsPerSim: db.prepare<[number], SimEarnings>(`
      SELECT market, number, iccid, currency, count(*) AS sold, sum(coalesce(finish_sum, sum)) AS amount
      FROM activations WHERE outcome = 'sold' AND refunded_at IS NULL AND finished_at >= ?
      GROUP BY market, number, iccid, currency ORDER BY market, number, currency, iccid`),
    closedCounts: db.prepare<[], ClosedCount>(`
      SELECT market, outcome, status, count(*) AS count FROM activations WHERE finished_at IS NOT NULL
      GROUP BY market, outcome, status ORDER BY market, status, outcome`),
  };
}
