/**
 * The marketplace's books, as the fake Onlinesim process keeps them (market-host.ts), and
 * what they say about the daemon: which SMS were lost, pushed twice or altered, and
 * whether a number was ever in two open operations. Pure functions over plain records,
 * so the accounting itself is unit-tested (test/chaos/ledger.test.ts).
 */

/** One GET_NUMBER the buyer sent. Times are epoch ms on the market host's clock. */
export interface OrderRecord {
  requestedAt: number;
  answeredAt: number | null;
  outcome: "issued" | "no-numbers" | "error" | "failed";
  service: string;
  activationId?: number;
  /** Digits without "+". */
  number?: string;
  detail?: string;
}

/** The buyer's FINISH_ACTIVATION for one operation (re-sent until acknowledged). */
export interface FinishRecord {
  activationId: number;
  status: number;
  firstSentAt: number;
  ackAt: number | null;
  attempts: number;
}

/** One SMS a service sent to an ordered number (through the simulated network). */
export interface TextRecord {
  activationId: number;
  number: string;
  sender: string;
  text: string;
  sentAt: number;
  ok: boolean;
  error?: string;
}

/** One PUSH_SMS that reached Onlinesim's handler. */
export interface PushRecord {
  at: number;
  smsId: number;
  phone: string;
  from: string;
  text: string;
  /** The answer token: SUCCESS, NO_OPERATION, … */
  answer: string;
  /** The open operation the number belonged to when the push arrived. */
  activationId: number | null;
}

export interface Ledger {
  orders: OrderRecord[];
  finishes: FinishRecord[];
  texts: TextRecord[];
  pushes: PushRecord[];
  /** PUSH_SMS requests that reached the fake at all (an injected 500 never reaches the handler). */
  pushArrivals: number[];
}

export interface SmsAccount {
  /** SMS the services sent successfully. */
  sent: number;
  /** Sent SMS that reached Onlinesim with exactly their text, for their operation. */
  delivered: number;
  /** Never accepted for their operation (neither exact nor altered); `lateNoOperation` = pushed only after the operation was closed. */
  lost: Array<{ activationId: number; text: string; sentAt: number; lateNoOperation: boolean }>;
  /**
   * Delivered SMS that were pushed more than once (whatever Onlinesim answered the extra
   * pushes: a resend after the operation closed is refused, and still a resend), with the
   * arrival times of all their pushes.
   */
  duplicated: Array<{ activationId: number; text: string; pushes: number[] }>;
  duplicatePushes: number;
  /**
   * Accepted pushes whose text matches no SMS sent to that operation: `altered` (a text no
   * service sent: truncated, wrongly joined) or `other operation` (an SMS sent to an earlier
   * operation on the same number, accepted for the next buyer of that number: a late resend
   * delivers someone else's code).
   */
  corrupted: Array<{ activationId: number | null; got: string; sent: string[]; kind: "altered" | "other operation"; from?: number }>;
}

const key = (a: string | number, text: string): string => `${a}\u0000${text}`;

/**
 * @param everyText all the texts of the run, when `l` is a slice of it: a push of an SMS sent
 * before the slice is still recognised as that SMS, not taken for an altered text.
 */
export function accountSms(l: Ledger, everyText: readonly TextRecord[] = l.texts): SmsAccount {
  const sent = l.texts.filter((t) => t.ok);
  // Texts whose sending reported an error may still have reached the modem: a push of one
  // of them is not an altered text.
  const sentByOp = new Map<number, string[]>();
  for (const t of l.texts) sentByOp.set(t.activationId, [...(sentByOp.get(t.activationId) ?? []), t.text]);
  /** Every push of a text to a number, whatever the answer. */
  const byPhone = new Map<string, PushRecord[]>();
  const corrupted: SmsAccount["corrupted"] = [];
  for (const p of l.pushes) {
    const k = key(p.phone, p.text);
    byPhone.set(k, [...(byPhone.get(k) ?? []), p]);
    if (p.answer !== "SUCCESS") continue;
    const texts = p.activationId === null ? undefined : sentByOp.get(p.activationId);
    if (texts && texts.includes(p.text)) continue;
    const owner = everyText.find((t) => t.text === p.text && t.number === p.phone);
    corrupted.push({ activationId: p.activationId, got: p.text, sent: texts ?? [], ...(owner ? { kind: "other operation", from: owner.activationId } : { kind: "altered" }) });
  }
  // An operation that got an altered text instead of its own is counted as corrupted, not
  // lost too; one that got another operation's SMS still has its own to account for.
  const corruptedOps = new Set(corrupted.filter((c) => c.kind === "altered").map((c) => c.activationId));
  const lost: SmsAccount["lost"] = [];
  const duplicated: SmsAccount["duplicated"] = [];
  let delivered = 0;
  let duplicatePushes = 0;
  for (const t of sent) {
    const pushes = byPhone.get(key(t.number, t.text)) ?? [];
    const accepted = pushes.filter((p) => p.answer === "SUCCESS" && p.activationId === t.activationId);
    if (accepted.length === 0) {
      if (!corruptedOps.has(t.activationId)) lost.push({ activationId: t.activationId, text: t.text, sentAt: t.sentAt, lateNoOperation: pushes.length > 0 });
      continue;
    }
    delivered++;
    if (pushes.length > 1) {
      duplicated.push({ activationId: t.activationId, text: t.text, pushes: pushes.map((p) => p.at) });
      duplicatePushes += pushes.length - 1;
    }
  }
  return { sent: sent.length, delivered, lost, duplicated, duplicatePushes, corrupted };
}

/** "N corrupted (a altered, b another operation's SMS …)" for the notes; empty when none. */
export function corruptedNote(a: SmsAccount): string {
  if (a.corrupted.length === 0) return "";
  const other = a.corrupted.filter((c) => c.kind === "other operation").length;
  return `${a.corrupted.length} corrupted: ${a.corrupted.length - other} altered texts, ${other} SMS of an earlier operation accepted for the next buyer of the same number (a late resend delivers someone else's code)`;
}

/** For each delivered SMS: ms from the service sending it to Onlinesim accepting it. */
export function deliveryTimes(l: Ledger): number[] {
  const firstAccepted = new Map<string, number>();
  for (const p of l.pushes) {
    if (p.answer !== "SUCCESS" || p.activationId === null) continue;
    const k = key(p.activationId, p.text);
    if (!firstAccepted.has(k)) firstAccepted.set(k, p.at);
  }
  return l.texts.flatMap((t) => {
    const at = t.ok ? firstAccepted.get(key(t.activationId, t.text)) : undefined;
    return at === undefined ? [] : [at - t.sentAt];
  });
}

/** One line on how long delivery took, and how many SMS took longer than `slowMs`. */
export function deliveryNote(l: Ledger, slowMs = 30_000): string {
  const times = [...deliveryTimes(l)].sort((a, b) => a - b);
  if (times.length === 0) return "no SMS delivered";
  const at = (p: number): number => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
  const slow = times.filter((t) => t > slowMs).length;
  return `SMS sent → accepted by Onlinesim: p50 ${(at(50) / 1000).toFixed(1)} s, p95 ${(at(95) / 1000).toFixed(1)} s, max ${(times.at(-1)! / 1000).toFixed(1)} s; ${slow} took over ${slowMs / 1000} s`;
}

export interface AssignmentAccount {
  issued: number;
  /** Activation ids the daemon gave out more than once. */
  reusedIds: number[];
  /** A number given out while the buyer still held it in an open operation (no FINISH sent yet). */
  overlaps: Array<{ number: string; first: number; second: number }>;
}

export function accountAssignments(l: Ledger): AssignmentAccount {
  const issued = l.orders.filter((o) => o.outcome === "issued" && o.activationId !== undefined && o.number !== undefined && o.answeredAt !== null);
  const seen = new Set<number>();
  const reusedIds: number[] = [];
  for (const o of issued) {
    if (seen.has(o.activationId!)) reusedIds.push(o.activationId!);
    seen.add(o.activationId!);
  }
  const finishSent = new Map<number, number>();
  for (const f of l.finishes) finishSent.set(f.activationId, Math.min(finishSent.get(f.activationId) ?? Infinity, f.firstSentAt));
  const byNumber = new Map<string, OrderRecord[]>();
  for (const o of issued) byNumber.set(o.number!, [...(byNumber.get(o.number!) ?? []), o]);
  const overlaps: AssignmentAccount["overlaps"] = [];
  for (const [number, orders] of byNumber) {
    orders.sort((a, b) => a.answeredAt! - b.answeredAt!);
    for (let i = 1; i < orders.length; i++) {
      const later = orders[i]!;
      // Any earlier operation on this number that the buyer had not yet asked to close
      // when the daemon answered the later order.
      const open = orders.slice(0, i).find((earlier) => (finishSent.get(earlier.activationId!) ?? Infinity) > later.answeredAt!);
      if (open) overlaps.push({ number, first: open.activationId!, second: later.activationId! });
    }
  }
  return { issued: issued.length, reusedIds, overlaps };
}

/** Double-assigned, as one count: reused activation ids plus numbers handed out twice. */
export const doubleAssigned = (a: AssignmentAccount): number => a.reusedIds.length + a.overlaps.length;

/**
 * The part of the books that belongs to one phase of a scenario: the operations whose SMS
 * were sent in [from, to) — all their SMS and every push for them, whenever it came — and
 * the orders placed in [from, to).
 */
export function sliceLedger(l: Ledger, from: number, to: number): Ledger {
  const ops = new Set(l.texts.filter((t) => t.sentAt >= from && t.sentAt < to).map((t) => t.activationId));
  const texts = l.texts.filter((t) => ops.has(t.activationId));
  const sentKeys = new Set(texts.map((t) => key(t.number, t.text)));
  return {
    orders: l.orders.filter((o) => o.requestedAt >= from && o.requestedAt < to),
    finishes: l.finishes,
    texts,
    pushes: l.pushes.filter((p) => (p.activationId !== null && ops.has(p.activationId)) || sentKeys.has(key(p.phone, p.text))),
    pushArrivals: l.pushArrivals.filter((a) => a >= from && a < to),
  };
}
