/**
 * The fake marketplace's book: open orders (activationId → number, service, sum), what
 * came back by PUSH_SMS, how each closed, and per (number, service) what the agent may
 * still offer (SMSHUB appendix 4: after status 3 or 1 never again for that service; after
 * status 4 at most `cancelLimit` times in total).
 */
export type FinishStatus = 1 | 3 | 4 | 5;

export interface Order {
  activationId: number;
  /** E.164 digits, no "+". */
  number: string;
  country: string;
  operator: string;
  /** The service code ordered ("vk"). */
  service: string;
  sum: number;
  /** ISO 4217 numeric. */
  currency: number;
  openedAt: number;
  /** Accepted PUSH_SMS for this order. */
  sms: Array<{ smsId: number; from: string; text: string; at: number }>;
  closed?: { status: FinishStatus; at: number; attempts: number };
  /** A refund (status 5) acknowledged after the sale. */
  refundedAfterSale?: boolean;
}

/** Why the agent may no longer give this number for this service, or undefined. */
export type Burn = "sold" | "rejected" | "cancel-limit";

export class OrderBook {
  readonly #open = new Map<number, Order>();
  readonly #byNumber = new Map<string, Order>();
  readonly #closed: Order[] = [];
  readonly #history = new Map<string, { cancels: number; sold: boolean; rejected: boolean }>();
  readonly #everIssued = new Set<number>();

  constructor(private readonly cancelLimit: number) {}

  add(order: Order): void {
    this.#open.set(order.activationId, order);
    this.#byNumber.set(order.number, order);
    this.#everIssued.add(order.activationId);
  }

  get(activationId: number): Order | undefined {
    return this.#open.get(activationId);
  }

  /** The open order on this number: a number is in at most one at a time. */
  byNumber(number: string): Order | undefined {
    return this.#byNumber.get(number);
  }

  wasIssued(activationId: number): boolean {
    return this.#everIssued.has(activationId);
  }

  /** The most recent closed order of this number, if any. */
  lastClosed(number: string): Order | undefined {
    for (let i = this.#closed.length - 1; i >= 0; i--) if (this.#closed[i]!.number === number) return this.#closed[i];
    return undefined;
  }

  /** Any closed order with this activation id (a refund after the sale looks it up). */
  closedById(activationId: number): Order | undefined {
    return this.#closed.find((o) => o.activationId === activationId);
  }

  burn(number: string, service: string): Burn | undefined {
    const h = this.#history.get(`${number}|${service}`);
    if (!h) return undefined;
    if (h.sold) return "sold";
    if (h.rejected) return "rejected";
    return h.cancels >= this.cancelLimit ? "cancel-limit" : undefined;
  }

  cancels(number: string, service: string): number {
    return this.#history.get(`${number}|${service}`)?.cancels ?? 0;
  }

  close(activationId: number, status: FinishStatus, attempts: number): Order | undefined {
    const order = this.#open.get(activationId);
    if (!order) return undefined;
    order.closed = { status, at: Date.now(), attempts };
    this.#open.delete(activationId);
    if (this.#byNumber.get(order.number) === order) this.#byNumber.delete(order.number);
    this.#closed.push(order);
    const key = `${order.number}|${order.service}`;
    const h = this.#history.get(key) ?? { cancels: 0, sold: false, rejected: false };
    if (status === 3) h.sold = true;
    if (status === 1) h.rejected = true;
    if (status === 4) h.cancels++;
    this.#history.set(key, h);
    return order;
  }

  openOrders(): Order[] {
    return [...this.#open.values()];
  }

  closedOrders(): readonly Order[] {
    return this.#closed;
  }
}
