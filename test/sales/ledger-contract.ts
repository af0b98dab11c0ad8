/**
 * The SalesLedger contract (src/sales/ledger.ts) as one reusable suite, run against every
 * implementation: `describeLedgerContract("sqlite", () => ({ ledger, reopen, storeSms }), { durable: true })`.
 * `reopen` (durable subjects) returns a fresh instance over the same durable data, as after a
 * crash: every committed write must be there. A PostgreSQL store runs the same suite.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ClaimOrder, SalesLedger } from "../../src/sales/ledger.js";
import type { ClaimCandidate, CloseOutcome } from "../../src/sales/types.js";

export interface LedgerSubject {
  ledger: SalesLedger;
  reopen?: () => SalesLedger | Promise<SalesLedger>;
  /** Store an SMS so attachSms has something to point at (stores with foreign keys); returns its id. */
  storeSms?: () => number;
}

export const sim = (n: number, extra: Partial<ClaimCandidate> = {}): ClaimCandidate => ({
  number: `7900000000${n}`,
  iccid: `897010100000000000${n}`,
  portId: `p${n}`,
  country: "russia",
  operator: "mts",
  ...extra,
});

export const order = (candidates: ClaimCandidate[], extra: Partial<ClaimOrder["reservation"]> = {}): ClaimOrder => ({
  reservation: { market: "onlinesim", service: "facebook", sum: 10.5, currency: "RUB", createdAt: 1000, ...extra },
  candidates,
});

const SOLD: CloseOutcome = { kind: "sold" };
const CANCELLED: CloseOutcome = { kind: "cancelled", cancelLimit: 2 };

async function reserve(l: SalesLedger, candidate: ClaimCandidate, extra: Partial<ClaimOrder["reservation"]> = {}) {
  const [r] = await l.claim([order([candidate], extra)]);
  if (r?.kind !== "reserved") throw new Error(`expected a reservation for ${candidate.number}, got ${JSON.stringify(r)}`);
  return r.reservation;
}

const close = (id: number, outcome: CloseOutcome, extra: { market?: string; status?: number; finishSum?: number | null; closedAt?: number; by?: "finish" | "operator" } = {}) => ({
  id,
  market: extra.market ?? "onlinesim",
  outcome,
  status: extra.status ?? { sold: 3, cancelled: 4, refunded: 5, rejected: 1, released: 9 }[outcome.kind],
  finishSum: extra.finishSum ?? null,
  closedAt: extra.closedAt ?? 5000,
  by: extra.by ?? "finish",
});

/** `durable`: the subject keeps its data across a reopen (a file store), so the reopen case runs. */
export function describeLedgerContract(name: string, make: () => LedgerSubject | Promise<LedgerSubject>, o: { durable?: boolean } = {}): void {
  describe(`SalesLedger contract: ${name}`, () => {
    it("starts empty", async () => {
      const { ledger } = await make();
      expect(await ledger.load()).toEqual({ open: [], sold: [], usage: [], lastUsed: [], openWithSms: [] });
      expect(await ledger.claim([])).toEqual([]);
    });

    it("claims in one group: ids ascend in order, each order takes its first free candidate", async () => {
      const { ledger } = await make();
      const results = await ledger.claim([order([sim(1)]), order([sim(1), sim(2)], { service: "telegram", market: "smshub", currency: "USD", sum: 0.25 }), order([sim(3)])]);
      expect(results.map((r) => r.kind)).toEqual(["reserved", "reserved", "reserved"]);
      const [a, b, c] = results.map((r) => (r as { reservation: { id: number; number: string } }).reservation);
      expect(a).toEqual({ ...order([]).reservation, ...sim(1), id: a!.id });
      // The batch's own first order holds sim 1: the second order takes its fallback.
      expect(b).toMatchObject({ number: sim(2).number, market: "smshub", service: "telegram", currency: "USD", sum: 0.25 });
      expect(a!.id).toBeGreaterThanOrEqual(1);
      expect(b!.id).toBeGreaterThan(a!.id);
      expect(c!.id).toBeGreaterThan(b!.id);
      expect((await ledger.load()).open).toEqual([a, b, c]);
    });

    it("a burst gets exactly what claiming its orders one by one gives: held, burned and already-taken candidates passed over, ids ascending", async () => {
      // Bursts of 10 to 80 orders over 120 SIMs, so a store that writes runs of orders in
      // one statement meets both runs that all go through and runs that hit a conflict.
      const POOL = 120;
      const burstArb = fc.record({
        firsts: fc.shuffledSubarray([...Array(POOL).keys()], { minLength: 10, maxLength: 80 }),
        fallbacks: fc.array(fc.uniqueArray(fc.nat(POOL - 1), { maxLength: 2 }), { minLength: 80, maxLength: 80 }),
        // Orders whose first candidate is replaced by another's (taken earlier in the burst) or by any SIM.
        clashes: fc.array(fc.tuple(fc.nat(79), fc.nat(POOL - 1)), { maxLength: 6 }),
        empty: fc.uniqueArray(fc.nat(79), { maxLength: 2 }),
        setup: fc.shuffledSubarray([...Array(POOL).keys()], { maxLength: 15 }),
      });
      await fc.assert(
        fc.asyncProperty(burstArb, async ({ firsts, fallbacks, clashes, empty, setup }) => {
          const { ledger } = await make();
          // Disjoint thirds of `setup`: held on another marketplace, sold (burned everywhere), rejected here.
          const third = Math.ceil(setup.length / 3);
          const held = setup.slice(0, third);
          const sold = setup.slice(third, 2 * third);
          const rejected = setup.slice(2 * third);
          let lastSetupId = 0;
          for (const n of sold) await ledger.close(close((lastSetupId = (await reserve(ledger, sim(n))).id), SOLD));
          for (const n of rejected) await ledger.close(close((lastSetupId = (await reserve(ledger, sim(n))).id), { kind: "rejected" }));
          for (const n of held) lastSetupId = (await reserve(ledger, sim(n), { market: "smshub" })).id;
          const candidateLists = firsts.map((f, k) => [f, ...fallbacks[k]!.filter((x) => x !== f)]);
          for (const [k, n] of clashes) if (k < candidateLists.length) candidateLists[k]![0] = n;
          for (const k of empty) if (k < candidateLists.length) candidateLists[k] = [];
          const orders = candidateLists.map((list) => order([...new Set(list)].map((n) => sim(n)), { createdAt: 2000 }));

          const results = await ledger.claim(orders);

          // One by one: each order takes its first candidate nobody holds and that is not burned here.
          const taken = new Set(held);
          const burned = new Set([...sold, ...rejected]);
          const expected = orders.map((o) => {
            const c = o.candidates.find((x) => !taken.has(Number(x.number.slice(10))) && !burned.has(Number(x.number.slice(10))));
            if (!c) return "taken";
            taken.add(Number(c.number.slice(10)));
            return c.number;
          });
          expect(results.map((r) => (r.kind === "reserved" ? r.reservation.number : r.kind))).toEqual(expected);
          const ids = results.flatMap((r) => (r.kind === "reserved" ? [r.reservation.id] : []));
          for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
          if (ids.length > 0) expect(ids[0]).toBeGreaterThan(lastSetupId);
          const open = (await ledger.load()).open;
          expect(open.filter((r) => r.createdAt === 2000).map((r) => r.number)).toEqual(expected.filter((e) => e !== "taken"));
        }),
        { numRuns: 25 },
      );
    });

    it("refuses a SIM in an open reservation, by number or by ICCID, on any marketplace", async () => {
      const { ledger } = await make();
      await reserve(ledger, sim(1));
      expect(await ledger.claim([order([sim(2, { number: sim(1).number })], { market: "smshub" })])).toEqual([{ kind: "taken" }]);
      expect(await ledger.claim([order([sim(2, { iccid: sim(1).iccid })])])).toEqual([{ kind: "taken" }]);
      expect(await ledger.claim([order([])])).toEqual([{ kind: "taken" }]);
      expect((await ledger.load()).open.map((r) => r.number)).toEqual([sim(1).number]);
    });

    it("a sold pair is burned on every marketplace; a rejected one only where it was rejected", async () => {
      const { ledger } = await make();
      const a = await reserve(ledger, sim(1));
      const sold = await ledger.close(close(a.id, SOLD, { finishSum: 9 }));
      expect(sold).toMatchObject({ kind: "closed", burns: { sold: { number: a.number, service: "facebook", market: "onlinesim", at: 5000 } } });
      expect(await ledger.claim([order([sim(1)], { market: "smshub" })])).toEqual([{ kind: "taken" }]);
      expect((await ledger.claim([order([sim(1)], { service: "telegram" })]))[0]?.kind).toBe("reserved");
      const b = await reserve(ledger, sim(2), { market: "smshub" });
      expect(await ledger.close(close(b.id, { kind: "rejected" }, { market: "smshub" }))).toMatchObject({ burns: { usage: { market: "smshub", number: b.number, service: "facebook", cancels: 0, excluded: true } } });
      expect(await ledger.claim([order([sim(2)], { market: "smshub" })])).toEqual([{ kind: "taken" }]);
      expect((await ledger.claim([order([sim(2)])]))[0]?.kind).toBe("reserved");
    });

    it("counts cancels per marketplace and excludes the pair there at the limit", async () => {
      const { ledger } = await make();
      const first = await reserve(ledger, sim(1));
      expect(await ledger.close(close(first.id, CANCELLED))).toMatchObject({ burns: { usage: { cancels: 1, excluded: false } } });
      const second = await reserve(ledger, sim(1), { createdAt: 2000 });
      expect(await ledger.close(close(second.id, CANCELLED))).toMatchObject({ burns: { usage: { cancels: 2, excluded: true } } });
      expect(await ledger.claim([order([sim(1)])])).toEqual([{ kind: "taken" }]);
      const elsewhere = await reserve(ledger, sim(1), { market: "smshub" });
      expect(await ledger.close(close(elsewhere.id, { kind: "refunded" }, { market: "smshub" }))).toMatchObject({ kind: "closed", burns: {} });
      const state = await ledger.load();
      expect(state.usage).toEqual([{ market: "onlinesim", number: sim(1).number, service: "facebook", cancels: 2, excluded: true }]);
      expect(state.sold).toEqual([]);
    });

    it("closes once; a re-send writes nothing and returns the first close", async () => {
      const { ledger } = await make();
      const a = await reserve(ledger, sim(1));
      const first = await ledger.close(close(a.id, CANCELLED, { closedAt: 5000 }));
      const closed = { ...a, outcome: "cancelled", status: 4, finishSum: null, closedAt: 5000, closeReason: "finish", finishedAt: 5000 };
      expect(first).toEqual({ kind: "closed", reservation: closed, burns: { usage: { market: "onlinesim", number: a.number, service: "facebook", cancels: 1, excluded: false } } });
      expect(await ledger.close(close(a.id, SOLD, { finishSum: 9, closedAt: 6000 }))).toEqual({ kind: "already-closed", reservation: closed });
      expect(await ledger.close(close(a.id + 100, SOLD))).toEqual({ kind: "unknown" });
      // Another marketplace cannot close it.
      const b = await reserve(ledger, sim(2));
      expect(await ledger.close(close(b.id, SOLD, { market: "smshub" }))).toEqual({ kind: "unknown" });
      expect((await ledger.load()).open).toEqual([b]);
      // The SIM is free again and its last use moves on.
      const c = await reserve(ledger, sim(1), { createdAt: 7000 });
      expect(c.id).toBeGreaterThan(b.id);
      expect((await ledger.load()).lastUsed).toContainEqual({ number: a.number, at: 7000 });
    });

    it("records who closed: the marketplace by default, or the operator", async () => {
      const { ledger } = await make();
      const a = await reserve(ledger, sim(1));
      const b = await reserve(ledger, sim(2));
      expect(await ledger.close(close(a.id, CANCELLED, { closedAt: 10 }))).toMatchObject({ reservation: { closeReason: "finish", finishedAt: 10 } });
      expect(await ledger.close(close(b.id, { kind: "refunded" }, { closedAt: 11, by: "operator" }))).toMatchObject({ kind: "closed", reservation: { closeReason: "operator", status: 5, outcome: "refunded" } });
      expect(await ledger.find(b.id)).toMatchObject({ closeReason: "operator", status: 5, closedAt: 11, finishedAt: 11 });
    });

    it("releases without an outcome: the SIM is free, the id stays used, the first later close is recorded once with its burn", async () => {
      const { ledger } = await make();
      const a = await reserve(ledger, sim(1));
      expect(await ledger.find(a.id)).toEqual(a);
      expect(await ledger.find(a.id + 100)).toBeUndefined();
      const view = { ...a, outcome: null, status: null, finishSum: null, closedAt: 2000, closeReason: "undelivered", finishedAt: null };
      expect(await ledger.release({ id: a.id, reason: "undelivered", releasedAt: 2000 })).toEqual({ kind: "released", reservation: view });
      expect(await ledger.find(a.id)).toEqual(view);
      expect((await ledger.load()).open).toEqual([]);
      expect(await ledger.release({ id: a.id, reason: "overdue", releasedAt: 2001 })).toEqual({ kind: "not-open" });
      expect(await ledger.release({ id: a.id + 100, reason: "overdue", releasedAt: 2001 })).toEqual({ kind: "not-open" });
      // The SIM sells again under a new id while the old one waits for its close.
      const b = await reserve(ledger, sim(1), { service: "telegram", createdAt: 2500 });
      expect(b.id).toBeGreaterThan(a.id);
      const late = await ledger.close(close(a.id, SOLD, { finishSum: 4.5, closedAt: 3000 }));
      const finished = { ...view, outcome: "sold", status: 3, finishSum: 4.5, finishedAt: 3000 };
      expect(late).toEqual({ kind: "finished-after-release", reservation: finished, burns: { sold: { number: a.number, service: "facebook", market: "onlinesim", at: 3000 } } });
      expect(await ledger.close(close(a.id, CANCELLED, { closedAt: 3001 }))).toEqual({ kind: "already-closed", reservation: finished });
      expect(await ledger.load()).toMatchObject({ open: [b], sold: [{ number: a.number, service: "facebook" }] });
    });

    it("never reuses ids", async () => {
      const { ledger } = await make();
      const a = await reserve(ledger, sim(1));
      await ledger.close(close(a.id, { kind: "refunded" }));
      const b = await reserve(ledger, sim(1));
      expect(b.id).toBeGreaterThan(a.id);
    });

    it("routes an SMS to the holder by ICCID, else by number, once; nothing without a holder", async () => {
      const subject = await make();
      const l = subject.ledger;
      const sms = [1, 2, 3, 4].map((i) => subject.storeSms?.() ?? 10 + i);
      const a = await reserve(l, sim(1));
      const b = await reserve(l, sim(2), { market: "smshub" });
      const byIccid = await l.attachSms({ smsId: sms[0]!, iccid: a.iccid, number: null, at: 3000 });
      expect(byIccid).toMatchObject({ kind: "queued", reservation: a });
      expect(await l.attachSms({ smsId: sms[0]!, iccid: a.iccid, number: null, at: 3001 })).toEqual({ ...byIccid, kind: "duplicate" });
      // A replaced SIM under the same number still reaches the number's holder.
      expect(await l.attachSms({ smsId: sms[1]!, iccid: "8970000000000000999", number: b.number, at: 3000 })).toMatchObject({ kind: "queued", reservation: b });
      expect(await l.attachSms({ smsId: sms[2]!, iccid: null, number: "79990000000", at: 3000 })).toEqual({ kind: "no-holder" });
      await l.close(close(a.id, SOLD));
      expect(await l.attachSms({ smsId: sms[3]!, iccid: a.iccid, number: a.number, at: 4001 })).toEqual({ kind: "no-holder" });
    });

    it("load names the open reservations that got an SMS", async () => {
      const subject = await make();
      const l = subject.ledger;
      const [s1, s2] = [subject.storeSms?.() ?? 11, subject.storeSms?.() ?? 12];
      const a = await reserve(l, sim(1));
      const b = await reserve(l, sim(2));
      const c = await reserve(l, sim(3));
      await l.attachSms({ smsId: s1, iccid: b.iccid, number: null, at: 3000 });
      await l.attachSms({ smsId: s2, iccid: c.iccid, number: null, at: 3000 });
      await l.close(close(c.id, SOLD));
      expect((await l.load()).openWithSms).toEqual([b.id]);
      expect((await l.load()).open.map((r) => r.id)).toEqual([a.id, b.id]);
    });

    it("records a refund after a sale once: the sale leaves the earnings, its outcome and burn stand", async () => {
      const { ledger } = await make();
      const a = await reserve(ledger, sim(1), { sum: 10 });
      await ledger.close(close(a.id, SOLD, { closedAt: 5000 }));
      const b = await reserve(ledger, sim(2), { service: "telegram", sum: 7 });
      await ledger.close(close(b.id, SOLD, { closedAt: 5000 }));
      const refund = await ledger.close(close(a.id, { kind: "refunded" }, { closedAt: 6000 }));
      expect(refund).toMatchObject({ kind: "already-closed", refundedAfterSale: true, reservation: { id: a.id, outcome: "sold", status: 3, refundedAt: 6000 } });
      // Once: a re-sent refund, or one of a sale never made, records nothing.
      expect(await ledger.close(close(a.id, { kind: "refunded" }, { closedAt: 7000 }))).toEqual({ kind: "already-closed", reservation: expect.objectContaining({ id: a.id, refundedAt: 6000 }) });
      const c = await reserve(ledger, sim(3), { sum: 4 });
      await ledger.close(close(c.id, CANCELLED));
      expect(await ledger.close(close(c.id, { kind: "refunded" }))).toEqual({ kind: "already-closed", reservation: expect.objectContaining({ id: c.id, outcome: "cancelled" }) });
      expect((await ledger.find(c.id)) as object).not.toHaveProperty("refundedAt");
      // Only b is still earned; a's number stays used up for facebook.
      expect(await ledger.earnings(0)).toEqual([{ market: "onlinesim", service: "telegram", number: sim(2).number, iccid: sim(2).iccid, currency: "RUB", sold: 1, amount: 7 }]);
      expect(await ledger.earningsTotals(0)).toEqual([{ market: "onlinesim", service: "telegram", currency: "RUB", sold: 1, amount: 7 }]);
      expect((await ledger.load()).sold).toEqual(expect.arrayContaining([expect.objectContaining({ number: sim(1).number, service: "facebook" })]));
      expect(((await ledger.find(a.id)) as { refundedAt?: number }).refundedAt).toBe(6000);
    });

    it("books earnings per SIM × service × marketplace × currency, the close's amount first, by when the sale was recorded", async () => {
      const { ledger } = await make();
      const a = await reserve(ledger, sim(1), { sum: 10 });
      await ledger.close(close(a.id, SOLD, { finishSum: 12.5, closedAt: 5000 }));
      const b = await reserve(ledger, sim(1), { service: "telegram", sum: 7 });
      await ledger.close(close(b.id, SOLD, { closedAt: 6000 }));
      const c = await reserve(ledger, sim(2), { market: "smshub", currency: "USD", sum: 0.1234 });
      await ledger.close(close(c.id, SOLD, { market: "smshub", closedAt: 7000 }));
      const d = await reserve(ledger, sim(3), { sum: 99 });
      await ledger.close(close(d.id, { kind: "refunded" }));
      const rows = await ledger.earnings(0);
      expect(rows).toEqual([
        { market: "onlinesim", service: "facebook", number: sim(1).number, iccid: sim(1).iccid, currency: "RUB", sold: 1, amount: 12.5 },
        { market: "onlinesim", service: "telegram", number: sim(1).number, iccid: sim(1).iccid, currency: "RUB", sold: 1, amount: 7 },
        { market: "smshub", service: "facebook", number: sim(2).number, iccid: sim(2).iccid, currency: "USD", sold: 1, amount: 0.1234 },
      ]);
      expect((await ledger.earnings(6000)).map((r) => r.service)).toEqual(["telegram", "facebook"]);
      const e = await reserve(ledger, sim(4), { service: "telegram", sum: 3 });
      await ledger.close(close(e.id, SOLD, { closedAt: 8000 }));
      // Without the SIMs: per service × marketplace × currency.
      expect(await ledger.earningsTotals(0)).toEqual([
        { market: "onlinesim", service: "facebook", currency: "RUB", sold: 1, amount: 12.5 },
        { market: "onlinesim", service: "telegram", currency: "RUB", sold: 2, amount: 10 },
        { market: "smshub", service: "facebook", currency: "USD", sold: 1, amount: 0.1234 },
      ]);
      expect(await ledger.earningsPerSim(0)).toEqual([
        { market: "onlinesim", number: sim(1).number, iccid: sim(1).iccid, currency: "RUB", sold: 2, amount: 19.5 },
        { market: "onlinesim", number: sim(4).number, iccid: sim(4).iccid, currency: "RUB", sold: 1, amount: 3 },
        { market: "smshub", number: sim(2).number, iccid: sim(2).iccid, currency: "USD", sold: 1, amount: 0.1234 },
      ]);
      expect(await ledger.earningsPerSim(7500)).toEqual([{ market: "onlinesim", number: sim(4).number, iccid: sim(4).iccid, currency: "RUB", sold: 1, amount: 3 }]);
      expect(await ledger.earningsTotals(6500)).toEqual([
        { market: "onlinesim", service: "telegram", currency: "RUB", sold: 1, amount: 3 },
        { market: "smshub", service: "facebook", currency: "USD", sold: 1, amount: 0.1234 },
      ]);
      expect(await ledger.closedCounts()).toEqual([
        { market: "onlinesim", outcome: "sold", status: 3, count: 3 },
        { market: "onlinesim", outcome: "refunded", status: 5, count: 1 },
        { market: "smshub", outcome: "sold", status: 3, count: 1 },
      ]);
    });

    it("lists every open reservation and the newest ones, newest first, with their SMS counts", async () => {
      const subject = await make();
      const l = subject.ledger;
      const old = await reserve(l, sim(1));
      const ids: number[] = [];
      for (const n of [2, 3, 4]) {
        const r = await reserve(l, sim(n));
        await l.close(close(r.id, SOLD, { finishSum: 9 }));
        ids.push(r.id);
      }
      await l.attachSms({ smsId: subject.storeSms?.() ?? 11, iccid: old.iccid, number: null, at: 3000 });
      const list = await l.recent(2);
      expect(list.map((r) => r.id)).toEqual([ids[2], ids[1], old.id]);
      expect(list[0]).toMatchObject({ outcome: "sold", status: 3, finishSum: 9, closeReason: "finish", smsCount: 0 });
      expect(list[2]).toMatchObject({ outcome: null, status: null, closedAt: null, closeReason: null, smsCount: 1 });
    });

    // Registered only for durable subjects: a memory store has nothing to reopen.
    if (o.durable === true) it("keeps every committed write across a reopen", async () => {
      const subject = await make();
      if (!subject.reopen) throw new Error("a durable subject must give reopen()");
      const l = subject.ledger;
      const a = await reserve(l, sim(1));
      await reserve(l, sim(2));
      await l.close(close(a.id, { kind: "rejected" }));
      const c = await reserve(l, sim(3));
      await l.release({ id: c.id, reason: "overdue", releasedAt: 10 });
      const d = await reserve(l, sim(4));
      await l.close(close(d.id, SOLD));
      const before = await l.load();
      const released = await l.find(c.id);
      const reopened = await subject.reopen();
      expect(await reopened.load()).toEqual(before);
      expect(await reopened.find(c.id)).toEqual(released);
      expect((await reserve(reopened, sim(3))).id).toBeGreaterThan(d.id);
    });
  });
}
