/**
 * Open operations the fake Onlinesim placed (GET_NUMBER answers), so PUSH_SMS can be matched
 * to them (docs/protocols/onlinesim-v1.md#lifecycle step 3) and answered NO_OPERATION otherwise (docs/protocols/onlinesim-v1.md#push_sms).
 */
import type { FinishStatus } from "../schemas.js";

export interface Operation {
  activationId: number;
  /** E.164 digits, no "+". */
  number: string;
  country: string;
  operator: string;
  service: string;
  /** RUB credited on status 3 (docs/protocols/onlinesim-v1.md#get_number). */
  sum: number;
  openedAt: number;
  /** Accepted PUSH_SMS for this operation. */
  sms: Array<{ smsId: number; from: string; text: string; at: number }>;
  /** Set once FINISH_ACTIVATION was acknowledged with SUCCESS. */
  closed?: { status: FinishStatus; at: number; attempts: number };
}

export class OperationBook {
  private readonly open = new Map<number, Operation>();
  private readonly closedOps: Operation[] = [];

  add(op: Operation): void {
    this.open.set(op.activationId, op);
  }

  get(activationId: number): Operation | undefined {
    return this.open.get(activationId);
  }

  /** The open operation on this number (digits, "+" tolerated); a number is in at most one (docs/protocols/onlinesim-v1.md#get_number rule). */
  byNumber(number: string | number): Operation | undefined {
    const digits = String(number).replace(/^\+/, "");
    for (const op of this.open.values()) if (op.number === digits) return op;
    return undefined;
  }

  close(activationId: number, status: FinishStatus, attempts: number): Operation | undefined {
    const op = this.open.get(activationId);
    if (!op) return undefined;
    op.closed = { status, at: Date.now(), attempts };
    this.open.delete(activationId);
    this.closedOps.push(op);
    return op;
  }

  openOperations(): Operation[] {
    return [...this.open.values()];
  }

  closedOperations(): readonly Operation[] {
    return this.closedOps;
  }
}
