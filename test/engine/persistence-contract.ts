/**
 * The EnginePersistence contract (src/engine/persistence.ts) as a reusable suite. Run it
 * against any implementation: `describePersistenceContract("sqlite", () => ({ persistence,
 * reopen }), { durable: true })`. `reopen` returns a fresh instance over the same durable data,
 * as after a crash: committed writes must be there.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import type { EnginePersistence, NewActivation } from "../../src/engine/persistence.js";

export interface ContractSubject {
  persistence: EnginePersistence;
  reopen?: () => EnginePersistence;
  /** Store an SMS so attachSmsToActivation has something to point at (stores with foreign keys); returns its id. */
  storeSms?: () => number;
}

const act = (n: number, extra: Partial<NewActivation> = {}): NewActivation => ({
  number: `7900000000${n}`,
  iccid: `897010100000000000${n}`,
  portId: `p${n}`,
  country: "russia",
  operator: "mts",
  service: "facebook",
  sum: 10.5,
  createdAt: 1000 + n,
  ...extra,
});

function expectBusy(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isSimgateError(caught, ErrorCode.EngineNumberBusy), String(caught)).toBe(true);
}

/** `durable`: the subject keeps its data across a reopen (a file store), so the reopen case runs. */
export function describePersistenceContract(name: string, make: () => ContractSubject, o: { durable?: boolean } = {}): void {
  describe(`EnginePersistence contract: ${name}`, () => {
    it("starts empty", () => {
      expect(make().persistence.load()).toEqual({ openActivations: [], usage: [], lastUsed: [], openWithSms: [] });
    });

    it("creates activations with ascending ids ≥ 1 and loads them as open", () => {
      const { persistence: p } = make();
      const a = p.createActivation(act(1));
      const [b, c] = p.createActivations([act(2), act(3)]);
      expect(a).toEqual({ ...act(1), id: a.id });
      expect(a.id).toBeGreaterThanOrEqual(1);
      expect(b!.id).toBeGreaterThan(a.id);
      expect(c!.id).toBeGreaterThan(b!.id);
      expect(p.createActivations([])).toEqual([]);
      expect(p.load().openActivations).toEqual([a, b, c]);
      expect(p.findOpenActivationByNumber(act(2).number)).toEqual(b);
      expect(p.findOpenActivationByNumber("4999")).toBeUndefined();
    });

    it("refuses a second open activation on one number or ICCID, writing nothing", () => {
      const { persistence: p } = make();
      p.createActivation(act(1));
      expectBusy(() => p.createActivation(act(2, { number: act(1).number })));
      expectBusy(() => p.createActivation(act(2, { iccid: act(1).iccid })));
      expectBusy(() => p.createActivations([act(2), act(3, { number: act(2).number })]));
      expectBusy(() => p.createActivations([act(4), act(1)]));
      expect(p.load().openActivations.map((a) => a.number)).toEqual([act(1).number]);
    });

    it("closes once with its usage row; a re-send writes nothing and returns the first close", () => {
      const { persistence: p } = make();
      const a = p.createActivation(act(1));
      const usage = { number: a.number, service: a.service, sold: false, cancels: 1, excluded: false };
      const first = p.closeActivation({ id: a.id, status: 4, finishSum: null, closedAt: 5000, usage });
      const closed = { ...a, status: 4, finishSum: null, closedAt: 5000, closeReason: "finish", finishedAt: 5000 };
      expect(first).toEqual({ kind: "closed", activation: closed });
      const again = p.closeActivation({ id: a.id, status: 3, finishSum: 9, closedAt: 6000, usage: { ...usage, sold: true } });
      expect(again).toEqual({ kind: "already-closed", activation: closed });
      expect(p.load()).toEqual({ openActivations: [], usage: [usage], lastUsed: [{ number: a.number, at: a.createdAt }], openWithSms: [] });
      expect(p.closeActivation({ id: a.id + 100, status: 3, finishSum: null, closedAt: 1, usage: null })).toEqual({ kind: "unknown" });
      // The number is free again.
      expect(p.createActivation(act(1, { createdAt: 7000 })).id).toBeGreaterThan(a.id);
      expect(p.load().lastUsed).toEqual([{ number: a.number, at: 7000 }]);
    });

    it("never reuses ids", () => {
      const { persistence: p } = make();
      const a = p.createActivation(act(1));
      p.closeActivation({ id: a.id, status: 5, finishSum: 1, closedAt: 2, usage: null });
      const b = p.createActivation(act(1));
      expect(b.id).toBeGreaterThan(a.id);
    });

    it("attaches an SMS to an open activation once; not to a closed or unknown one", () => {
      const subject = make();
      const p = subject.persistence;
      const sms1 = subject.storeSms?.() ?? 11;
      const sms2 = subject.storeSms?.() ?? 12;
      const a = p.createActivation(act(1));
      const queued = p.attachSmsToActivation(sms1, a.id, 3000);
      expect(queued).toMatchObject({ kind: "queued", entry: { smsId: sms1, activationId: a.id, createdAt: 3000 } });
      expect(p.attachSmsToActivation(sms1, a.id, 3001)).toEqual({ kind: "duplicate", entry: (queued as { entry: unknown }).entry });
      expect(p.attachSmsToActivation(sms2, a.id + 100, 3000)).toEqual({ kind: "not-open" });
      p.closeActivation({ id: a.id, status: 3, finishSum: null, closedAt: 4000, usage: null });
      expect(p.attachSmsToActivation(sms2, a.id, 4001)).toEqual({ kind: "not-open" });
    });

    it("releases an open activation without a status: the number is free, the id stays used, the first later FINISH is recorded once", () => {
      const { persistence: p } = make();
      const a = p.createActivation(act(1));
      expect(p.findActivation(a.id)).toEqual(a);
      expect(p.findActivation(a.id + 100)).toBeUndefined();
      const released = p.releaseActivation({ id: a.id, reason: "undelivered", releasedAt: 2000 });
      const view = { ...a, status: null, finishSum: null, closedAt: 2000, closeReason: "undelivered", finishedAt: null };
      expect(released).toEqual({ kind: "released", activation: view });
      expect(p.findActivation(a.id)).toEqual(view);
      expect(p.load().openActivations).toEqual([]);
      expect(p.releaseActivation({ id: a.id, reason: "overdue", releasedAt: 2001 })).toEqual({ kind: "not-open" });
      expect(p.releaseActivation({ id: a.id + 100, reason: "overdue", releasedAt: 2001 })).toEqual({ kind: "not-open" });
      // The number sells again under a new id while the old one waits for a FINISH.
      const b = p.createActivation(act(1, { createdAt: 2500 }));
      expect(b.id).toBeGreaterThan(a.id);
      const usage = { number: a.number, service: a.service, sold: true, cancels: 0, excluded: false };
      const late = p.closeActivation({ id: a.id, status: 3, finishSum: 4.5, closedAt: 3000, usage });
      const finished = { ...view, status: 3, finishSum: 4.5, finishedAt: 3000 };
      expect(late).toEqual({ kind: "finished-after-release", activation: finished });
      expect(p.closeActivation({ id: a.id, status: 4, finishSum: null, closedAt: 3001, usage: null })).toEqual({ kind: "already-closed", activation: finished });
      expect(p.load()).toMatchObject({ openActivations: [b], usage: [usage] });
    });

    it("records who closed: FINISH by default, or the operator", () => {
      const { persistence: p } = make();
      const a = p.createActivation(act(1));
      const b = p.createActivation(act(2));
      expect(p.closeActivation({ id: a.id, status: 4, finishSum: null, closedAt: 10, usage: null })).toMatchObject({ activation: { closeReason: "finish", finishedAt: 10 } });
      expect(p.closeActivation({ id: b.id, status: 5, finishSum: null, closedAt: 11, usage: null, reason: "operator" })).toMatchObject({ kind: "closed", activation: { closeReason: "operator", status: 5 } });
      expect(p.findActivation(b.id)).toMatchObject({ closeReason: "operator", status: 5, closedAt: 11, finishedAt: 11 });
    });

    it("load names the open activations that got an SMS", () => {
      const subject = make();
      const p = subject.persistence;
      const sms1 = subject.storeSms?.() ?? 11;
      const sms2 = subject.storeSms?.() ?? 12;
      const a = p.createActivation(act(1));
      const b = p.createActivation(act(2));
      const c = p.createActivation(act(3));
      p.attachSmsToActivation(sms1, b.id, 3000);
      p.attachSmsToActivation(sms2, c.id, 3000);
      p.closeActivation({ id: c.id, status: 3, finishSum: null, closedAt: 4000, usage: null });
      expect(p.load().openWithSms).toEqual([b.id]);
      expect(p.load().openActivations.map((x) => x.id)).toEqual([a.id, b.id]);
    });

    // Registered only for durable subjects: a memory store has nothing to reopen.
    if (o.durable === true) it("keeps every committed write across a reopen", () => {
      const subject = make();
      if (!subject.reopen) throw new Error("a durable subject must give reopen()");
      const p = subject.persistence;
      const a = p.createActivation(act(1));
      p.createActivation(act(2));
      p.closeActivation({ id: a.id, status: 1, finishSum: null, closedAt: 9, usage: { number: a.number, service: "facebook", sold: false, cancels: 0, excluded: true } });
      const c = p.createActivation(act(3));
      p.releaseActivation({ id: c.id, reason: "overdue", releasedAt: 10 });
      const before = p.load();
      const released = p.findActivation(c.id);
      const reopened = subject.reopen();
      expect(reopened.load()).toEqual(before);
      expect(reopened.findActivation(c.id)).toEqual(released);
      expect(reopened.createActivation(act(3)).id).toBeGreaterThan(c.id);
    });
  });
}
