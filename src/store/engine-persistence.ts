/**
 * EnginePersistence (src/engine/persistence.ts) on simgate.db. Every write method is one
 * IMMEDIATE transaction that has committed (WAL fsynced, synchronous=FULL, database.ts)
 * before it returns, so what the engine then tells Onlinesim is on disk.
 *
 * The invariants live in the schema as well as here: partial unique indexes make a second
 * open activation for one number or ICCID impossible (EngineNumberBusy), AUTOINCREMENT
 * keeps ids monotonic and never reused, UNIQUE (sms_id, activation_id) makes the outbox
 * idempotent. Activation ids also never go back across files (a restored backup, a
 * replaced store): the id floor's trigger checks every insert (id-floor.ts).
 */
import type Database from "better-sqlite3";
import { ErrorCode, SimgateError } from "../errors.js";
import type {
  ActivationRecord,
  AttachOutcome,
  ClosedActivationRecord,
  CloseActivation,
  CloseOutcome,
  CloseReason,
  EngineDurableState,
  EnginePersistence,
  EpochMs,
  NewActivation,
  ReleaseActivation,
  ReleaseOutcome,
  UsageRecord,
} from "../engine/persistence.js";

interface ActivationRow {
  id: number;
  number: string;
  iccid: string;
  port_id: string | null;
  country: string;
  operator: string;
  service: string;
  sum: number;
  created_at: number;
  status: number | null;
  finish_sum: number | null;
  closed_at: number | null;
  /** Schema 5 (schema/005-release.ts): null while open. */
  close_reason: CloseReason | null;
  /** Schema 5: when a FINISH status was recorded; null while open or released without one. */
  finished_at: number | null;
}

interface UsageRow {
  number: string;
  service: string;
  sold: number;
  cancels: number;
  excluded: number;
}

interface OutboxRow {
  id: number;
  sms_id: number;
  activation_id: number;
  created_at: number;
}

function openView(r: ActivationRow): ActivationRecord {
  return {
    id: r.id,
    number: r.number,
    iccid: r.iccid,
    portId: r.port_id,
    country: r.country,
    operator: r.operator,
    service: r.service,
    sum: r.sum,
    createdAt: r.created_at,
  };
}

/** A released row keeps status 0 until a FINISH comes (schema/005-release.ts): the status counts only once finished_at is set. */
function closedView(r: ActivationRow): ClosedActivationRecord {
  return {
    ...openView(r),
    status: r.finished_at === null ? null : r.status,
    finishSum: r.finish_sum,
    closedAt: r.closed_at ?? 0,
    closeReason: r.close_reason ?? "finish",
    finishedAt: r.finished_at,
  };
}

/** One activation as the admin API lists it (`simgate activations`): open ones have null close fields. */
export interface ActivationListItem extends ActivationRecord {
  /** The FINISH status; null while open, or released without a FINISH so far. */
  status: number | null;
  finishSum: number | null;
  closedAt: EpochMs | null;
  closeReason: CloseReason | null;
  finishedAt: EpochMs | null;
  /** SMS routed to it for PUSH_SMS (outbox rows). */
  smsCount: number;
}

const usageView = (r: UsageRow): UsageRecord => ({
  number: r.number,
  service: r.service,
  sold: r.sold === 1,
  cancels: r.cancels,
  excluded: r.excluded === 1,
});

const outboxView = (r: OutboxRow) => ({ id: r.id, smsId: r.sms_id, activationId: r.activation_id, createdAt: r.created_at });

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_UNIQUE";
}

export class SqliteEnginePersistence implements EnginePersistence {
  readonly #open: Database.Statement<[], ActivationRow>;
  readonly #usage: Database.Statement<[], UsageRow>;
  readonly #lastUsed: Database.Statement<[], { number: string; at: number }>;
  readonly #insert: Database.Statement;
  readonly #get: Database.Statement<[number], ActivationRow>;
  readonly #openHolder: Database.Statement<[string, string], { id: number }>;
  readonly #close: Database.Statement;
  readonly #finishReleased: Database.Statement;
  readonly #release: Database.Statement;
  readonly #outboxActivations: Database.Statement<[number], { id: number }>;
  readonly #upsertUsage: Database.Statement;
  readonly #openByNumber: Database.Statement<[string], ActivationRow>;
  readonly #outboxPair: Database.Statement<[number, number], OutboxRow>;
  readonly #outboxInsert: Database.Statement<[number, number, number, number]>;
  readonly #recent: Database.Statement<[number], ActivationRow>;
  readonly #smsCounts: Database.Statement<[number, number], { activation_id: number; n: number }>;
  readonly #createTx: Database.Transaction<(input: NewActivation) => ActivationRecord>;
  readonly #createManyTx: Database.Transaction<(inputs: readonly NewActivation[]) => ActivationRecord[]>;
  readonly #closeTx: Database.Transaction<(close: CloseActivation) => CloseOutcome>;
  readonly #releaseTx: Database.Transaction<(release: ReleaseActivation) => ReleaseOutcome>;
  readonly #attachTx: Database.Transaction<(smsId: number, activationId: number, at: EpochMs) => AttachOutcome>;
  /** For the read-only summary queries (closedByStatus, earningsSince), prepared on first use. */
  readonly #db: Database.Database;
  readonly #summaries = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#open = db.prepare("SELECT * FROM activations WHERE closed_at IS NULL ORDER BY id");
    // Only rows that differ from "never used" (persistence.ts: EngineDurableState.usage).
    this.#usage = db.prepare("SELECT number, service, sold, cancels, excluded FROM usage WHERE sold = 1 OR cancels > 0 OR excluded = 1 ORDER BY number, service");
    this.#lastUsed = db.prepare("SELECT number, max(created_at) AS at FROM activations GROUP BY number ORDER BY number");
    this.#insert = db.prepare(`
      INSERT INTO activations (number, iccid, port_id, country, operator, service, sum, created_at)
      VALUES (@number, @iccid, @portId, @country, @operator, @service, @sum, @createdAt)`);
    this.#get = db.prepare("SELECT * FROM activations WHERE id = ?");
    this.#openHolder = db.prepare("SELECT id FROM activations WHERE closed_at IS NULL AND (number = ? OR iccid = ?) LIMIT 1");
    // `closed_at IS NULL` in the WHERE makes the close itself idempotent even without the read before it.
    this.#close = db.prepare(
      "UPDATE activations SET status = @status, finish_sum = @finishSum, closed_at = @closedAt, close_reason = @reason, finished_at = @closedAt WHERE id = @id AND closed_at IS NULL",
    );
    // A released activation takes the first FINISH status that comes; its number was freed at the release (closed_at stays).
    this.#finishReleased = db.prepare(
      "UPDATE activations SET status = @status, finish_sum = @finishSum, finished_at = @closedAt WHERE id = @id AND finished_at IS NULL AND close_reason IN ('undelivered', 'overdue')",
    );
    this.#release = db.prepare("UPDATE activations SET status = 0, finish_sum = NULL, closed_at = @releasedAt, close_reason = @reason WHERE id = @id AND closed_at IS NULL");
    // outbox has no activation index: one pass at start, from the oldest open activation on.
    this.#outboxActivations = db.prepare("SELECT DISTINCT activation_id AS id FROM outbox WHERE activation_id >= ? ORDER BY activation_id");
    this.#upsertUsage = db.prepare(`
      INSERT INTO usage (number, service, sold, cancels, excluded, updated_at) VALUES (@number, @service, @sold, @cancels, @excluded, @at)
      ON CONFLICT (number, service) DO UPDATE SET sold = excluded.sold, cancels = excluded.cancels, excluded = excluded.excluded, updated_at = excluded.updated_at`);
    this.#openByNumber = db.prepare("SELECT * FROM activations WHERE closed_at IS NULL AND number = ?");
    this.#outboxPair = db.prepare("SELECT id, sms_id, activation_id, created_at FROM outbox WHERE sms_id = ? AND activation_id = ?");
    this.#outboxInsert = db.prepare("INSERT INTO outbox (sms_id, activation_id, created_at, next_try_at) VALUES (?, ?, ?, ?)");
    // Open ones however old (a stale one is exactly what an operator looks for), then the newest.
    this.#recent = db.prepare("SELECT * FROM activations WHERE closed_at IS NULL OR id IN (SELECT id FROM activations ORDER BY id DESC LIMIT ?) ORDER BY id DESC");
    // outbox has no activation index: one pass per listing (admin-only, a few ms per 100k rows).
    this.#smsCounts = db.prepare("SELECT activation_id, count(*) AS n FROM outbox WHERE activation_id BETWEEN ? AND ? GROUP BY activation_id");
    this.#createTx = db.transaction((input: NewActivation) => this.#create(input));
    // The partial unique indexes see the batch's own earlier rows, so a clash inside the batch throws too and rolls all back.
    this.#createManyTx = db.transaction((inputs: readonly NewActivation[]) => inputs.map((input) => this.#create(input)));
    this.#closeTx = db.transaction((close: CloseActivation) => this.#closeOne(close));
    this.#releaseTx = db.transaction((release: ReleaseActivation) => this.#releaseOne(release));
    this.#attachTx = db.transaction((smsId: number, activationId: number, at: EpochMs) => this.#attach(smsId, activationId, at));
  }

  load(): EngineDurableState {
    const openActivations = this.#open.all().map(openView);
    const openIds = new Set(openActivations.map((a) => a.id));
    const withSms = openActivations.length === 0 ? [] : this.#outboxActivations.all(openActivations[0]!.id).map((r) => r.id).filter((id) => openIds.has(id));
    return {
      openActivations,
      usage: this.#usage.all().map(usageView),
      lastUsed: this.#lastUsed.all().map((r) => ({ number: r.number, at: r.at })),
      openWithSms: withSms,
    };
  }

  createActivation(input: NewActivation): ActivationRecord {
    return this.#createTx.immediate(input);
  }

  /** Group commit: one transaction, one WAL fsync, all or nothing. */
  createActivations(inputs: readonly NewActivation[]): ActivationRecord[] {
    if (inputs.length === 0) return [];
    return this.#createManyTx.immediate(inputs);
  }

  closeActivation(close: CloseActivation): CloseOutcome {
    return this.#closeTx.immediate(close);
  }

  releaseActivation(release: ReleaseActivation): ReleaseOutcome {
    return this.#releaseTx.immediate(release);
  }

  findOpenActivationByNumber(number: string): ActivationRecord | undefined {
    const row = this.#openByNumber.get(number);
    return row ? openView(row) : undefined;
  }

  attachSmsToActivation(smsId: number, activationId: number, at: EpochMs): AttachOutcome {
    return this.#attachTx.immediate(smsId, activationId, at);
  }

  findActivation(id: number): ActivationRecord | ClosedActivationRecord | undefined {
    const row = this.#get.get(id);
    if (!row) return undefined;
    return row.closed_at === null ? openView(row) : closedView(row);
  }

  /** Any activation by id, open or closed (diagnostics and tests). */
  getActivation(id: number): ActivationRecord | ClosedActivationRecord | undefined {
    return this.findActivation(id);
  }

  /**
   * Finished activations per FINISH status (metrics, status page): released ones count
   * only once a FINISH recorded their status. One scan of the table; callers cache it
   * (status.ts recomputes only after a FINISH).
   */
  closedByStatus(): Array<{ status: number; count: number }> {
    return this.#summary("SELECT status, count(*) AS count FROM activations WHERE finished_at IS NOT NULL GROUP BY status ORDER BY status").all() as Array<{ status: number; count: number }>;
  }

  /**
   * RUB earned: the sums of activations finished with status 3 (number used) since
   * `sinceMs` (0 = ever), by when the status was recorded. FINISH_ACTIVATION's `sum` is
   * optional, so a close without one counts the sum GET_NUMBER offered. A status is
   * recorded once per activation, so a repeated or late FINISH cannot count twice.
   */
  earningsSince(sinceMs: number): number {
    return (this.#summary("SELECT coalesce(sum(coalesce(finish_sum, sum)), 0) AS total FROM activations WHERE status = 3 AND finished_at >= ?").get(sinceMs) as { total: number }).total;
  }

  #summary(sql: string): Database.Statement {
    let stmt = this.#summaries.get(sql);
    if (!stmt) this.#summaries.set(sql, (stmt = this.#db.prepare(sql)));
    return stmt;
  }

  /** Every open activation and the newest `limit` ones, newest first, with how many SMS each got (read-only). */
  recentActivations(limit: number): ActivationListItem[] {
    const rows = this.#recent.all(limit);
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const counts = new Map(this.#smsCounts.all(Math.min(...ids), Math.max(...ids)).map((c) => [c.activation_id, c.n]));
    return rows.map((r) => ({
      ...openView(r),
      status: r.finished_at === null ? null : r.status,
      finishSum: r.finish_sum,
      closedAt: r.closed_at,
      closeReason: r.close_reason,
      finishedAt: r.finished_at,
      smsCount: counts.get(r.id) ?? 0,
    }));
  }

  #create(input: NewActivation): ActivationRecord {
    let info: Database.RunResult;
    try {
      info = this.#insert.run(input);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const holder = this.#openHolder.get(input.number, input.iccid);
      throw new SimgateError("number or SIM already has an open activation", ErrorCode.EngineNumberBusy, {
        number: input.number,
        iccid: input.iccid,
        activationId: holder?.id,
      }, { cause: err });
    }
    const id = Number(info.lastInsertRowid);
    if (!Number.isSafeInteger(id)) throw new Error(`activation id ${String(info.lastInsertRowid)} is beyond 2^53`);
    return { ...input, id };
  }

  #closeOne(close: CloseActivation): CloseOutcome {
    const row = this.#get.get(close.id);
    if (!row) return { kind: "unknown" };
    if (row.finished_at !== null) return { kind: "already-closed", activation: closedView(row) };
    const released = row.closed_at !== null;
    const params = { id: close.id, status: close.status, finishSum: close.finishSum, closedAt: close.closedAt };
    let after: ActivationRow;
    if (released) {
      this.#finishReleased.run(params);
      after = { ...row, status: close.status, finish_sum: close.finishSum, finished_at: close.closedAt };
    } else {
      const reason = close.reason ?? "finish";
      this.#close.run({ ...params, reason });
      after = { ...row, status: close.status, finish_sum: close.finishSum, closed_at: close.closedAt, close_reason: reason, finished_at: close.closedAt };
    }
    if (close.usage) {
      const u = close.usage;
      this.#upsertUsage.run({ number: u.number, service: u.service, sold: u.sold ? 1 : 0, cancels: u.cancels, excluded: u.excluded ? 1 : 0, at: close.closedAt });
    }
    return { kind: released ? "finished-after-release" : "closed", activation: closedView(after) };
  }

  #releaseOne(release: ReleaseActivation): ReleaseOutcome {
    const row = this.#get.get(release.id);
    if (!row || row.closed_at !== null) return { kind: "not-open" };
    this.#release.run({ id: release.id, reason: release.reason, releasedAt: release.releasedAt });
    return { kind: "released", activation: closedView({ ...row, status: 0, finish_sum: null, closed_at: release.releasedAt, close_reason: release.reason }) };
  }

  #attach(smsId: number, activationId: number, at: EpochMs): AttachOutcome {
    const existing = this.#outboxPair.get(smsId, activationId);
    if (existing) return { kind: "duplicate", entry: outboxView(existing) };
    const activation = this.#get.get(activationId);
    if (!activation || activation.closed_at !== null) return { kind: "not-open" };
    const info = this.#outboxInsert.run(smsId, activationId, at, at);
    return { kind: "queued", entry: { id: Number(info.lastInsertRowid), smsId, activationId, createdAt: at } };
  }
}
