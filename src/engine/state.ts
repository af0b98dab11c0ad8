/**
 * The engine's working memory: open activations, per-(number, service) usage and
 * last-used times. It mirrors what persistence.ts holds durably; it is rebuilt from
 * `load()` at start and changed only AFTER the matching durable write returned, so a
 * crash at any point leaves the store as the truth and memory disposable.
 */
import type { ActivationRecord, EngineDurableState, EpochMs, UsageRecord } from "./persistence.js";

export class EngineState {
  readonly open = new Map<number, ActivationRecord>();
  readonly openByNumber = new Map<string, ActivationRecord>();
  readonly openByIccid = new Map<string, ActivationRecord>();
  /** number → service → usage. Only rows that differ from the default are kept. */
  readonly usage = new Map<string, Map<string, UsageRecord>>();
  readonly lastUsed = new Map<string, EpochMs>();
  /** Open activations that got at least one SMS (an outbox entry): the release policy waits longer for them. */
  readonly withSms = new Set<number>();
  /**
   * Picked for an order whose group commit has not returned yet (engine.ts orderNumber).
   * Memory only: a crash loses them, which is right, because nobody was answered.
   */
  readonly reservedNumbers = new Set<string>();
  readonly reservedIccids = new Set<string>();
  /** Bumped on every change; lets the inventory cache derived data (held-back set). */
  version = 0;

  static fromDurable(d: EngineDurableState): EngineState {
    const s = new EngineState();
    for (const a of d.openActivations) s.addOpen(a);
    for (const u of d.usage) s.setUsage(u);
    for (const l of d.lastUsed) s.lastUsed.set(l.number, Math.max(s.lastUsed.get(l.number) ?? 0, l.at));
    for (const id of d.openWithSms) if (s.open.has(id)) s.withSms.add(id);
    return s;
  }

  isBusy(number: string, iccid: string): boolean {
    return this.openByNumber.has(number) || this.openByIccid.has(iccid) || this.reservedNumbers.has(number) || this.reservedIccids.has(iccid);
  }

  usageOf(number: string, service: string): UsageRecord {
    return this.usage.get(number)?.get(service) ?? { number, service, sold: false, cancels: 0, excluded: false };
  }

  /** Sold or excluded for this service: never offered for it (docs/protocols/onlinesim-v1.md#get_services-rule-3, Q17). */
  isBlocked(number: string, service: string): boolean {
    const u = this.usage.get(number)?.get(service);
    return u !== undefined && (u.sold || u.excluded);
  }

  reserve(number: string, iccid: string): void {
    this.reservedNumbers.add(number);
    this.reservedIccids.add(iccid);
    this.version++;
  }

  unreserve(number: string, iccid: string): void {
    this.reservedNumbers.delete(number);
    this.reservedIccids.delete(iccid);
    this.version++;
  }

  addOpen(a: ActivationRecord): void {
    this.open.set(a.id, a);
    this.openByNumber.set(a.number, a);
    this.openByIccid.set(a.iccid, a);
    this.lastUsed.set(a.number, Math.max(this.lastUsed.get(a.number) ?? 0, a.createdAt));
    this.version++;
  }

  removeOpen(id: number): ActivationRecord | undefined {
    const a = this.open.get(id);
    if (!a) return undefined;
    this.open.delete(id);
    this.withSms.delete(id);
    if (this.openByNumber.get(a.number)?.id === id) this.openByNumber.delete(a.number);
    if (this.openByIccid.get(a.iccid)?.id === id) this.openByIccid.delete(a.iccid);
    this.version++;
    return a;
  }

  /** An SMS was routed to this open activation (no effect on counts, so no version bump). */
  markSms(id: number): void {
    if (this.open.has(id)) this.withSms.add(id);
  }

  setUsage(u: UsageRecord): void {
    let perNumber = this.usage.get(u.number);
    if (!perNumber) this.usage.set(u.number, (perNumber = new Map()));
    perNumber.set(u.service, { ...u });
    this.version++;
  }
}
