/**
 * What the activation engine needs from durable storage, and nothing more.
 *
 * The engine keeps its whole working state in memory (counts must be computed in well
 * under a millisecond, Q6/Q29) and writes through this interface before it
 * answers Onlinesim. The SQLite store (src/store/, better-sqlite3) implements it; the
 * in-memory twin in memory-persistence.ts implements the same contract for tests.
 *
 * Every method is SYNCHRONOUS on purpose. "Durable" below means: the method returned
 * only after the SQLite transaction committed (WAL + synchronous=FULL or NORMAL is the
 * store's choice and must be documented there). Because nothing here awaits, the engine
 * can pick a SIM, reserve it and commit the activation in one uninterrupted JS turn, so
 * concurrent HTTP requests cannot interleave between the pick and the commit.
 *
 * Errors: a method throws only for a broken store (disk full, corrupt file) or a
 * violated invariant listed on that method (SimgateError with an Engine* code). It never
 * throws for "not found"; those are ordinary return values.
 *
 * Identity: a number is its E.164 digits WITHOUT "+" (e.g. "79161234567"), the same
 * form Onlinesim uses in GET_NUMBER and PUSH_SMS (docs/protocols/onlinesim-v1.md#get_number, docs/protocols/onlinesim-v1.md#push_sms, Q8, Q13).
 * Per-service usage belongs to the number, not the ICCID: what a service remembers is
 * the phone number an account was registered with.
 */

/** FINISH_ACTIVATION status as received (docs/protocols/onlinesim-v1.md#finish_activation [C]: 1, 3, 4, 5; anything else is stored as is and logged, Q17). */
export type FinishStatus = number;

/** Times are milliseconds since the Unix epoch (Date.now()). */
export type EpochMs = number;

/** One activation (a GET_NUMBER operation). Immutable once created, except for the close fields. */
export interface ActivationRecord {
  /** Our operation id: integer ≥ 1, monotonic, never reused (Q18; the store uses an AUTOINCREMENT key). */
  id: number;
  /** E.164 digits without "+". */
  number: string;
  /** The SIM that carried the number when it was reserved. */
  iccid: string;
  /** Port (module) the SIM sat in at reservation time; informational only. */
  portId: string | null;
  /** As requested and as we resolved it (Onlinesim names, lowercase). `operator` is the SIM's real operator, never "any". */
  country: string;
  operator: string;
  service: string;
  /** RUB offered in GET_NUMBER (docs/protocols/onlinesim-v1.md#get_number). */
  sum: number;
  createdAt: EpochMs;
}

/**
 * Why an activation's number was freed:
 *   finish       FINISH_ACTIVATION from Onlinesim (the normal end)
 *   operator     `simgate activations close ID --status N`: the same close, by hand
 *   undelivered  our GET_NUMBER answer never reached Onlinesim (the client left, the write
 *                failed), so Onlinesim never learned the id and will never finish it
 *   overdue      released by the engine's policy long past the operation time, without a
 *                FINISH (config engine.releaseFactor / releaseWithSmsFactor)
 */
export type CloseReason = "finish" | "operator" | "undelivered" | "overdue";
/** The two reasons that free a number without a FINISH status (a late FINISH may still record one). */
export type ReleaseReason = Extract<CloseReason, "undelivered" | "overdue">;

/** An activation whose number is free again: finished (FINISH or operator), or released without a FINISH. */
export interface ClosedActivationRecord extends ActivationRecord {
  /** The FINISH status; null while a released activation has had no FINISH. */
  status: FinishStatus | null;
  /** `sum` from FINISH_ACTIVATION when present (newer docs, docs/protocols/onlinesim-v1.md#finish_activation), else null. */
  finishSum: number | null;
  /** When the number was freed. */
  closedAt: EpochMs;
  closeReason: CloseReason;
  /** When the FINISH status was recorded (equals closedAt unless it came after a release); null while none came. */
  finishedAt: EpochMs | null;
}

/**
 * What one (number, service) pair has been through. Absent row = never used for that
 * service (sold false, cancels 0, excluded false).
 */
export interface UsageRecord {
  number: string;
  service: string;
  /** Status 3 was received once: never offer this number for this service again (docs/protocols/onlinesim-v1.md#get_services-rule-3). */
  sold: boolean;
  /** How many status-4 closes (Q17). */
  cancels: number;
  /** Do not offer for this service: status 1 (Q17 [I]), or cancels reached the configured limit ([R] SMSHUB: 4 total). */
  excluded: boolean;
}

/** Everything the engine rebuilds its memory from at start. */
export interface EngineDurableState {
  /** Activations without a close, in id order. At most one per number and one per ICCID. */
  openActivations: ActivationRecord[];
  /** Every (number, service) row that differs from the default. */
  usage: UsageRecord[];
  /**
   * When each number was last handed out (the createdAt of its latest activation), for
   * least-recently-used selection after a restart. Numbers never used are absent.
   */
  lastUsed: { number: string; at: EpochMs }[];
  /** Ids of the open activations that have at least one SMS routed to them (an outbox entry), ascending. */
  openWithSms: number[];
}

export type NewActivation = Omit<ActivationRecord, "id">;

export interface CloseActivation {
  id: number;
  status: FinishStatus;
  finishSum: number | null;
  closedAt: EpochMs;
  /**
   * The (number, service) row as it must be after this close, computed by the engine
   * (it owns the cancel-limit policy). Written (upsert) in the same transaction as the
   * close, and ONLY when this call is the one that records the status. null = no change.
   */
  usage: UsageRecord | null;
  /** Who closes: Onlinesim's FINISH_ACTIVATION (default) or the operator. */
  reason?: Extract<CloseReason, "finish" | "operator">;
}

export type CloseOutcome =
  /** This call closed it; the usage row (if any) was written with it. */
  | { kind: "closed"; activation: ClosedActivationRecord }
  /**
   * It had been released without a FINISH (undelivered or overdue): this call recorded the
   * status, sum and usage row (the number was already free, closedAt stays the release time).
   */
  | { kind: "finished-after-release"; activation: ClosedActivationRecord }
  /** Its status was recorded before (a re-sent FINISH_ACTIVATION): nothing was written. */
  | { kind: "already-closed"; activation: ClosedActivationRecord }
  /** No activation with this id was ever created: nothing was written. */
  | { kind: "unknown" };

export interface ReleaseActivation {
  id: number;
  reason: ReleaseReason;
  releasedAt: EpochMs;
}

export type ReleaseOutcome =
  /** This call freed the number; the activation is closed without a status. */
  | { kind: "released"; activation: ClosedActivationRecord }
  /** Closed or released before, or never created: nothing was written. */
  | { kind: "not-open" };

export interface OutboxEntry {
  /** Store-assigned id, integer ≥ 1. */
  id: number;
  /** The SMS as stored by the SMS hand-off (src/store), before the modem deleted it. */
  smsId: number;
  activationId: number;
  createdAt: EpochMs;
}

export type AttachOutcome =
  /** New outbox entry, committed. */
  | { kind: "queued"; entry: OutboxEntry }
  /** This (smsId, activationId) pair was queued before (re-delivery after a crash): nothing was written. */
  | { kind: "duplicate"; entry: OutboxEntry }
  /** The activation does not exist or is closed: nothing was written, the SMS stays stored and unrouted. */
  | { kind: "not-open" };

export interface EnginePersistence {
  /**
   * Read the engine's durable state. Called once at start (and by restart tests after a
   * simulated crash). Pure read; may be slow-ish (it is not on a request path).
   */
  load(): EngineDurableState;

  /**
   * Create an activation and get its id, atomically with "this number and this ICCID are
   * now reserved". Durable on return.
   *
   * Must throw SimgateError(ErrorCode.EngineNumberBusy) and write nothing when another
   * open activation already holds the same number or the same ICCID (the store enforces
   * it with partial unique indexes WHERE closed_at IS NULL). The engine never asks for
   * that, so the throw is a last line of defence against a second engine on one file.
   *
   * Not idempotent: every successful call creates a new id (ids are never reused, even
   * after a rollback elsewhere). Its `createdAt` is what `load()` reports as the number's
   * last-used time.
   */
  createActivation(input: NewActivation): ActivationRecord;

  /**
   * Group commit: create several activations in ONE transaction (one WAL fsync for all),
   * all or nothing. Same rules as createActivation for each item, also between items of
   * the batch (two items with one number or ICCID ⇒ EngineNumberBusy, nothing written).
   * Returns the records in input order; ids ascend in input order. An empty batch writes
   * nothing and returns []. `createActivation(x)` must equal `createActivations([x])[0]`.
   *
   * Why: with synchronous=FULL each commit costs an fsync, and 200 GET_NUMBERs arriving
   * together would queue 200 fsyncs; the engine batches the orders of one event-loop turn
   * (engine.ts `orderNumber`) so the last of them still answers within the p99 budget.
   */
  createActivations(inputs: readonly NewActivation[]): ActivationRecord[];

  /**
   * Close an activation with FINISH_ACTIVATION's status/sum/time and write the usage
   * row in the same transaction. Durable on return. Idempotent by id: a second call for
   * the same id writes nothing and returns "already-closed" with the FIRST close's data
   * (so a re-sent FINISH with a different status cannot change history). An activation
   * released without a status (releaseActivation) takes the FIRST status that comes
   * ("finished-after-release"), so earnings and usage still change exactly once.
   */
  closeActivation(close: CloseActivation): CloseOutcome;

  /**
   * Free an open activation's number WITHOUT a FINISH status (closeReason = `reason`,
   * status null, usage unchanged). Durable on return. A later closeActivation for the
   * same id records its status once ("finished-after-release"). Ids stay used.
   */
  releaseActivation(release: ReleaseActivation): ReleaseOutcome;

  /** Any activation by id, open (closed fields absent) or closed; undefined when never created. Pure read. */
  findActivation(id: number): ActivationRecord | ClosedActivationRecord | undefined;

  /** The open activation holding this number (E.164 digits without "+"), if any. Pure read. */
  findOpenActivationByNumber(number: string): ActivationRecord | undefined;

  /**
   * Record that an already-stored SMS belongs to an open activation: create the outbox
   * entry for PUSH_SMS delivery, in one transaction that re-checks the activation is still
   * open. Durable on return. Idempotent by (smsId, activationId).
   */
  attachSmsToActivation(smsId: number, activationId: number, at: EpochMs): AttachOutcome;
}
