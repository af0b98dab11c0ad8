/**
 * The EnginePersistence contract (src/engine/persistence.ts) as a reusable suite. Run it
 * against any implementation: `describePersistenceContract("sqlite", () => ({ persistence,
 * reopen }))`. `reopen` (optional) returns a fresh instance over the same durable data,
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

export function describePersistenceContract(name: string, make: () => ContractSubject): void {
  describe(`EnginePersistence contract: ${name}`, () => {
    it("starts empty", () => {
      expect(make().persistence.load()).toEqual({ openActivations: [], usage: [], lastUsed: [] });
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
      expect(first).toEqual({ kind: "closed", activation: { ...a, status: 4, finishSum: null, closedAt: 5000 } });
      const again = p.closeActivation({ id: a.id, status: 3, finishSum: 9, closedAt: 6000, usage: { ...usage, sold: true } });
      expect(again).toEqual({ kind: "already-closed", activation: { ...a, status: 4, finishSum: null, closedAt: 5000 } });
      expect(p.load()).toEqual({ openActivations: [], usage: [usage], lastUsed: [{ number: a.number, at: a.createdAt }] });
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

    it("keeps every committed write across a reopen", (ctx) => {
      const subject = make();
      if (!subject.reopen) return ctx.skip();
      const p = subject.persistence;
      const a = p.createActivation(act(1));
      const b = p.createActivation(act(2));
      p.closeActivation({ id: a.id, status: 1, finishSum: null, closedAt: 9, usage: { number: a.number, service: "facebook", sold: false, cancels: 0, excluded: true } });
      const before = p.load();
      const reopened = subject.reopen();
      expect(reopened.load()).toEqual(before);
      expect(reopened.createActivation(act(3)).id).toBeGreaterThan(b.id);
    });
  });
}
