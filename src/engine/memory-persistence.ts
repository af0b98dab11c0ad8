/**
 * In-memory EnginePersistence with exactly the contract of persistence.ts, for unit,
 * property and restart tests. "Durable" here means "kept in this object": a test that
 * throws the engine away and builds a new one from the same MemoryPersistence (or from
 * `fromSnapshot(snapshot())`) simulates a crash after the last committed write.
 *
 * Returned records are copies, so an engine cannot mutate "disk" state by accident.
 */
import { ErrorCode, SimgateError } from "../errors.js";
import type {
  ActivationRecord,
  AttachOutcome,
  ClosedActivationRecord,
  CloseActivation,
  CloseOutcome,
  EngineDurableState,
  EnginePersistence,
  EpochMs,
  NewActivation,
  OutboxEntry,
  ReleaseActivation,
  ReleaseOutcome,
  UsageRecord,
} from "./persistence.js";

/**
 * As the store keeps it: closed ones have closedAt and closeReason; `status` is 0 and
 * `finishedAt` absent while a released activation has had no FINISH (the SQLite column
 * cannot be NULL on a closed row, see src/store/schema/005-release.ts).
 */
type StoredActivation = ActivationRecord &
  Partial<{ status: number; finishSum: number | null; closedAt: EpochMs; closeReason: ClosedActivationRecord["closeReason"]; finishedAt: EpochMs }>;

export interface MemorySnapshot {
  nextActivationId: number;
  nextOutboxId: number;
  activations: StoredActivation[];
  usage: UsageRecord[];
  outbox: OutboxEntry[];
}

const usageKey = (number: string, service: string): string => `${number}\u0000${service}`;

export class MemoryPersistence implements EnginePersistence {
  #nextActivationId = 1;
  #nextOutboxId = 1;
  readonly #activations = new Map<number, StoredActivation>();
  /** Open activations by number and by ICCID: the store's partial unique indexes. */
  readonly #openByNumber = new Map<string, StoredActivation>();
  readonly #openByIccid = new Map<string, StoredActivation>();
  /** `${smsId}/${activationId}` → entry: the store's UNIQUE (sms_id, activation_id). */
  readonly #outboxByPair = new Map<string, OutboxEntry>();
  readonly #usage = new Map<string, UsageRecord>();
  readonly #outbox: OutboxEntry[] = [];
  /** Test hook: the next write throws before changing anything (a failed transaction). */
  failNextWrite = false;
  /** Counters so tests can assert "nothing was written". */
  writes = 0;

  static fromSnapshot(snapshot: MemorySnapshot): MemoryPersistence {
    const p = new MemoryPersistence();
    const copy = structuredClone(snapshot);
    p.#nextActivationId = copy.nextActivationId;
    p.#nextOutboxId = copy.nextOutboxId;
    for (const a of copy.activations) {
      p.#activations.set(a.id, a);
      if (a.closedAt === undefined) {
        p.#openByNumber.set(a.number, a);
        p.#openByIccid.set(a.iccid, a);
      }
    }
    for (const u of copy.usage) p.#usage.set(usageKey(u.number, u.service), u);
    for (const e of copy.outbox) {
      p.#outbox.push(e);
      p.#outboxByPair.set(`${e.smsId}/${e.activationId}`, e);
    }
    return p;
  }

  snapshot(): MemorySnapshot {
    return structuredClone({
      nextActivationId: this.#nextActivationId,
      nextOutboxId: this.#nextOutboxId,
      activations: [...this.#activations.values()],
      usage: [...this.#usage.values()],
      outbox: this.#outbox,
    });
  }

  load(): EngineDurableState {
    const open: ActivationRecord[] = [];
    const lastUsed = new Map<string, EpochMs>();
    for (const a of [...this.#activations.values()].sort((x, y) => x.id - y.id)) {
      if (a.closedAt === undefined) open.push(openView(a));
      lastUsed.set(a.number, Math.max(lastUsed.get(a.number) ?? 0, a.createdAt));
    }
    const withSms = new Set(this.#outbox.map((e) => e.activationId));
    return {
      openActivations: open,
      usage: [...this.#usage.values()].map((u) => ({ ...u })),
      lastUsed: [...lastUsed].map(([number, at]) => ({ number, at })),
      openWithSms: open.filter((a) => withSms.has(a.id)).map((a) => a.id),
    };
  }

  createActivation(input: NewActivation): ActivationRecord {
    this.#maybeFail();
    const holder = this.#openByNumber.get(input.number) ?? this.#openByIccid.get(input.iccid);
    if (holder) {
      throw new SimgateError("number or SIM already has an open activation", ErrorCode.EngineNumberBusy, {
        number: input.number,
        iccid: input.iccid,
        activationId: holder.id,
      });
    }
    const record: StoredActivation = { ...input, id: this.#nextActivationId++ };
    this.#activations.set(record.id, record);
    this.#openByNumber.set(record.number, record);
    this.#openByIccid.set(record.iccid, record);
    this.writes++;
    return openView(record);
  }

  createActivations(inputs: readonly NewActivation[]): ActivationRecord[] {
    this.#maybeFail();
    const numbers = new Set<string>();
    const iccids = new Set<string>();
    for (const input of inputs) {
      const holder = this.#openByNumber.get(input.number) ?? this.#openByIccid.get(input.iccid);
      if (holder || numbers.has(input.number) || iccids.has(input.iccid)) {
        throw new SimgateError("number or SIM already has an open activation", ErrorCode.EngineNumberBusy, { number: input.number, iccid: input.iccid });
      }
      numbers.add(input.number);
      iccids.add(input.iccid);
    }
    return inputs.map((input) => this.createActivation(input));
  }

  closeActivation(close: CloseActivation): CloseOutcome {
    const a = this.#activations.get(close.id);
    if (!a) return { kind: "unknown" };
    const released = awaitingFinish(a);
    if (a.closedAt !== undefined && !released) return { kind: "already-closed", activation: closedView(a) };
    this.#maybeFail();
    a.status = close.status;
    a.finishSum = close.finishSum;
    a.finishedAt = close.closedAt;
    if (!released) {
      a.closedAt = close.closedAt;
      a.closeReason = close.reason ?? "finish";
      this.#openByNumber.delete(a.number);
      this.#openByIccid.delete(a.iccid);
    }
    if (close.usage) this.#usage.set(usageKey(close.usage.number, close.usage.service), { ...close.usage });
    this.writes++;
    return { kind: released ? "finished-after-release" : "closed", activation: closedView(a) };
  }

  releaseActivation(release: ReleaseActivation): ReleaseOutcome {
    const a = this.#activations.get(release.id);
    if (!a || a.closedAt !== undefined) return { kind: "not-open" };
    this.#maybeFail();
    a.status = 0;
    a.finishSum = null;
    a.closedAt = release.releasedAt;
    a.closeReason = release.reason;
    this.#openByNumber.delete(a.number);
    this.#openByIccid.delete(a.iccid);
    this.writes++;
    return { kind: "released", activation: closedView(a) };
  }

  findActivation(id: number): ActivationRecord | ClosedActivationRecord | undefined {
    const a = this.#activations.get(id);
    if (!a) return undefined;
    return a.closedAt === undefined ? openView(a) : closedView(a);
  }

  findOpenActivationByNumber(number: string): ActivationRecord | undefined {
    const a = this.#openByNumber.get(number);
    return a ? openView(a) : undefined;
  }

  attachSmsToActivation(smsId: number, activationId: number, at: EpochMs): AttachOutcome {
    const existing = this.#outboxByPair.get(`${smsId}/${activationId}`);
    if (existing) return { kind: "duplicate", entry: { ...existing } };
    const a = this.#activations.get(activationId);
    if (!a || a.closedAt !== undefined) return { kind: "not-open" };
    this.#maybeFail();
    const entry: OutboxEntry = { id: this.#nextOutboxId++, smsId, activationId, createdAt: at };
    this.#outbox.push(entry);
    this.#outboxByPair.set(`${smsId}/${activationId}`, entry);
    this.writes++;
    return { kind: "queued", entry: { ...entry } };
  }

  /** Test view of the outbox. */
  outbox(): OutboxEntry[] {
    return this.#outbox.map((e) => ({ ...e }));
  }

  #maybeFail(): void {
    if (this.failNextWrite) {
      this.failNextWrite = false;
      throw new Error("simulated store failure (transaction rolled back)");
    }
  }
}

function openView(a: StoredActivation): ActivationRecord {
  const { id, number, iccid, portId, country, operator, service, sum, createdAt } = a;
  return { id, number, iccid, portId, country, operator, service, sum, createdAt };
}

/** Released without a FINISH so far (a snapshot from before releases existed has no closeReason: finished). */
function awaitingFinish(a: StoredActivation): boolean {
  return a.closedAt !== undefined && (a.closeReason === "undelivered" || a.closeReason === "overdue") && a.finishedAt === undefined;
}

function closedView(a: StoredActivation): ClosedActivationRecord {
  const finishedAt = awaitingFinish(a) ? null : (a.finishedAt ?? a.closedAt ?? 0);
  return {
    ...openView(a),
    status: finishedAt === null ? null : (a.status ?? 0),
    finishSum: a.finishSum ?? null,
    closedAt: a.closedAt ?? 0,
    closeReason: a.closeReason ?? "finish",
    finishedAt,
  };
}
