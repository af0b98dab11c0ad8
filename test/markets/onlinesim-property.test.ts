/**
 * The engine the daemon runs for Onlinesim (the sales core with the Onlinesim adapter) under
 * random sequences of port changes, orders, SMS, finishes and restarts; the invariants
 * are checked after every step against an independent model:
 *  - no number (and no ICCID) in two open activations; memory = what load() returns;
 *  - counts never exceed ready idle SIMs nor ready modules (minus the reserve), and with no
 *    reserve they equal the model's exact count;
 *  - `any` equals the sum over operators;
 *  - a number sold for a service (or excluded for it) is never offered or issued for it again;
 *  - an issued number is ready, in a present module, and was idle;
 *  - an activation withdrawn (answer undelivered) or released as overdue frees its number at
 *    once and never opens again; a FINISH for it later records usage exactly once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseEngineConfig } from "../../src/config/engine-schema.js";
import { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import type { PortInput } from "../../src/sales/inventory.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { port } from "./onlinesim-engine.js";

const SERVICES = ["facebook", "telegram"];
/** 6 SIMs (one on an unnamed network) behind 4 modules: a small SIM bank. */
const SIMS = [
  { n: 1, net: "25001", country: "russia", operator: "mts" },
  { n: 2, net: "25001", country: "russia", operator: "mts" },
  { n: 3, net: "25002", country: "russia", operator: "megafon" },
  { n: 4, net: "25002", country: "russia", operator: "megafon" },
  { n: 5, net: "26201", country: "germany", operator: "telekom" },
  { n: 6, net: "99999", country: null, operator: null },
] as const;
const MODULES = 4;
/** The default operation time and release multiples (config.ts): 4 lives without an SMS, 8 with. */
const LIFE = 15 * 60_000;
const RELEASE_AFTER = { noSms: 4 * LIFE, withSms: 8 * LIFE };
const simPort = (s: number, p: number): PortInput => port(SIMS[s]!.n, { net: SIMS[s]!.net, id: `p${p}` });
const digits = (s: number): string => simPort(s, 0).number!.slice(1);

type Step =
  | { kind: "insert"; p: number; s: number }
  | { kind: "empty"; p: number }
  | { kind: "state"; p: number; present: boolean; ready: boolean }
  | { kind: "order"; country: string; operator: string; service: string; prefixes: (number | string)[] }
  /** Concurrent orders through the group-commit path (orderNumber). */
  | { kind: "burst"; count: number; country: string; operator: string; service: string }
  | { kind: "finish"; pick: number; status: number; unknown: boolean }
  | { kind: "sms"; p: number; smsId: number }
  /** The GET_NUMBER answer of an open activation never reached the client. */
  | { kind: "withdraw"; pick: number }
  /** Time passes (up to ten operation lives), then the periodic sweep runs. */
  | { kind: "age"; ms: number }
  | { kind: "restart" };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("insert" as const), p: fc.nat(MODULES - 1), s: fc.nat(SIMS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("empty" as const), p: fc.nat(MODULES - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("state" as const), p: fc.nat(MODULES - 1), present: fc.boolean(), ready: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("order" as const),
      country: fc.constantFrom("russia", "russia", "russia", "germany", "atlantis"),
      operator: fc.constantFrom("any", "any", "mts", "megafon", "telekom", "nonet"),
      service: fc.constantFrom("facebook", "facebook", "telegram", "vk"),
      prefixes: fc.oneof(
        { weight: 3, arbitrary: fc.constant<(number | string)[]>([]) },
        { weight: 1, arbitrary: fc.array(fc.constantFrom<number | string>(7, "49", 790000000, "790000000", 44, "7900000000"), { maxLength: 2 }) },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("burst" as const),
      count: fc.integer({ min: 1, max: 6 }),
      country: fc.constantFrom("russia", "germany"),
      operator: fc.constantFrom("any", "mts", "megafon"),
      service: fc.constantFrom("facebook", "telegram"),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("finish" as const), pick: fc.nat(20), status: fc.constantFrom(1, 3, 3, 4, 4, 4, 5, 2), unknown: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sms" as const), p: fc.nat(MODULES - 1), smsId: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), pick: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("age" as const), ms: fc.integer({ min: 0, max: 10 * LIFE }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
);

interface ModelPort { sim: number | null; present: boolean; ready: boolean }

async function run(steps: Step[], reserve: number, cancelLimit: number): Promise<void> {
  const config = parseEngineConfig({ services: SERVICES, reserveModules: reserve, cancelLimit });
  const ledger = new MemoryLedger();
  let now = 1;
  const build = () => OnlinesimEngine.open({ ledger, config, clock: () => now });
  let engine = await build();
  // Start with a SIM in every module (SIMs 0, 2, 4, 5: both Russian operators, Germany, an unnamed network).
  const ports: ModelPort[] = [0, 2, 4, 5].map((sim) => ({ sim, present: true, ready: true }));
  const open = new Map<number, { s: number; service: string; createdAt: number; sms: boolean }>();
  /** Freed without a FINISH (withdrawn or overdue): the first FINISH still records its usage. */
  const released = new Map<number, { s: number; service: string }>();
  const applyUsage = (a: { s: number; service: string }, status: number): void => {
    const key = `${a.s}/${a.service}`;
    if (status === 3) sold.add(key);
    if (status === 1) excluded.add(key);
    if (status === 4) {
      cancels.set(key, (cancels.get(key) ?? 0) + 1);
      if (cancels.get(key)! >= cancelLimit) excluded.add(key);
    }
  };
  const issued: number[] = [];
  const sold = new Set<string>();
  const excluded = new Set<string>();
  const cancels = new Map<string, number>();
  const blocked = (s: number, service: string) => sold.has(`${s}/${service}`) || excluded.has(`${s}/${service}`);
  const snapshot = (): PortInput[] =>
    ports.flatMap((p, i) => (p.sim === null ? [] : [{ ...simPort(p.sim, i), present: p.present, state: p.ready ? "ready" : "registering" }]));
  const readySims = (): number[] => ports.filter((p) => p.sim !== null && p.present && p.ready).map((p) => p.sim!);
  const busy = (s: number) => [...open.values()].some((a) => a.s === s);

  engine.updatePorts(snapshot());

  const check = async (): Promise<void> => {
    const durable = (await ledger.load()).open;
    expect(engine.openActivations()).toEqual(durable);
    expect(new Set(durable.map((a) => a.number)).size).toBe(durable.length);
    expect(new Set(durable.map((a) => a.iccid)).size).toBe(durable.length);
    expect(durable.map((a) => a.id).sort((a, b) => a - b)).toEqual([...open.keys()].sort((a, b) => a - b));

    const list = engine.getServices().countryList;
    const ready = readySims();
    const idleNamed = ready.filter((s) => !busy(s) && SIMS[s]!.country !== null);
    for (const service of SERVICES) {
      let total = 0;
      for (const entry of list) {
        const { any, ...operators } = entry.operatorMap;
        const sum = Object.values(operators).reduce((acc, counts) => acc + counts[service]!, 0);
        expect(any![service], "any = sum").toBe(sum);
        const offerable = idleNamed.filter((s) => SIMS[s]!.country === entry.country && !blocked(s, service));
        expect(any![service]).toBeLessThanOrEqual(offerable.length);
        if (reserve === 0) {
          expect(any![service]).toBe(offerable.length);
          for (const [op, counts] of Object.entries(operators)) expect(counts[service]).toBe(offerable.filter((s) => SIMS[s]!.operator === op).length);
        }
        total += any![service]!;
      }
      expect(total).toBeLessThanOrEqual(Math.max(0, idleNamed.length - reserve));
      expect(total).toBeLessThanOrEqual(ready.length);
      expect(total).toBeLessThanOrEqual(MODULES);
    }
  };

  for (const st of steps) {
    now += 1000;
    switch (st.kind) {
      case "insert":
        for (const p of ports) if (p.sim === st.s) p.sim = null;
        ports[st.p]!.sim = st.s;
        engine.updatePorts(snapshot());
        break;
      case "empty":
        ports[st.p]!.sim = null;
        engine.updatePorts(snapshot());
        break;
      case "state":
        ports[st.p]!.present = st.present;
        ports[st.p]!.ready = st.ready;
        engine.updatePorts(snapshot());
        break;
      case "order": {
        const r = await engine.getNumber({ ...st, exceptionPhoneSet: st.prefixes, sum: 1 });
        expect(r.status).not.toBe("ERROR");
        if (r.status === "SUCCESS") {
          const s = SIMS.findIndex((_, i) => digits(i) === String(r.number));
          expect(s).toBeGreaterThanOrEqual(0);
          expect(readySims()).toContain(s);
          expect(busy(s), "issued a busy number").toBe(false);
          expect(blocked(s, st.service), "issued a sold/excluded number").toBe(false);
          expect(SIMS[s]!.country).toBe(st.country);
          if (st.operator !== "any") expect(SIMS[s]!.operator).toBe(st.operator);
          expect(st.prefixes.some((p) => String(r.number).startsWith(String(p)))).toBe(false);
          expect(issued).not.toContain(r.activationId);
          open.set(r.activationId, { s, service: st.service, createdAt: now, sms: false });
          issued.push(r.activationId);
        }
        break;
      }
      case "burst": {
        const busyBefore = new Set([...open.values()].map((a) => a.s));
        const results = await Promise.all(Array.from({ length: st.count }, () => engine.orderNumber({ ...st, sum: 1 })));
        const got = new Set<number>();
        for (const r of results) {
          expect(r.status).not.toBe("ERROR");
          if (r.status !== "SUCCESS") continue;
          const s = SIMS.findIndex((_, i) => digits(i) === String(r.number));
          expect(readySims()).toContain(s);
          expect(busyBefore.has(s) || got.has(s), "issued a busy number").toBe(false);
          expect(blocked(s, st.service)).toBe(false);
          expect(SIMS[s]!.country).toBe(st.country);
          if (st.operator !== "any") expect(SIMS[s]!.operator).toBe(st.operator);
          got.add(s);
          expect(issued).not.toContain(r.activationId);
          open.set(r.activationId, { s, service: st.service, createdAt: now, sms: false });
          issued.push(r.activationId);
        }
        break;
      }
      case "finish": {
        const id = st.unknown || issued.length === 0 ? 1000 + st.pick : issued[st.pick % issued.length]!;
        expect(await engine.finishActivation({ activationId: id, status: st.status })).toEqual({ status: "SUCCESS" });
        const a = open.get(id) ?? released.get(id);
        if (a) {
          open.delete(id);
          released.delete(id);
          applyUsage(a, st.status);
        }
        break;
      }
      case "withdraw": {
        const ids = [...open.keys()];
        if (ids.length === 0) break;
        const id = ids[st.pick % ids.length]!;
        await engine.withdrawUndelivered(id, "the client closed the connection");
        released.set(id, open.get(id)!);
        open.delete(id);
        break;
      }
      case "age": {
        now += st.ms;
        const freed = (await engine.sweep()).map((a) => a.id);
        const due = [...open.entries()].filter(([, a]) => now - a.createdAt > (a.sms ? RELEASE_AFTER.withSms : RELEASE_AFTER.noSms)).map(([id]) => id);
        expect(freed.sort((x, y) => x - y)).toEqual(due.sort((x, y) => x - y));
        for (const id of due) {
          released.set(id, open.get(id)!);
          open.delete(id);
        }
        break;
      }
      case "sms": {
        const s = ports[st.p]!.sim;
        if (s === null) break;
        const p = simPort(s, st.p);
        const r = await engine.routeSms({ smsId: st.smsId, portId: p.id, iccid: p.iccid, number: p.number, receivedAt: now });
        const a = [...open.entries()].find(([, v]) => v.s === s);
        if (a) {
          expect(r).toMatchObject({ reservation: { id: a[0] } });
          a[1].sms = true;
        } else expect(r.kind).toBe("unrouted");
        break;
      }
      case "restart": {
        const before = engine.getServices();
        engine = await build();
        engine.updatePorts(snapshot());
        expect(engine.getServices()).toEqual(before);
        break;
      }
    }
    await check();
  }
}

describe("engine invariants (property)", () => {
  it("hold after every step of random port changes, orders, SMS, finishes and restarts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 120, size: "max" }), fc.constantFrom(0, 0, 1, 2), fc.integer({ min: 1, max: 4 }), async (steps, reserve, limit) => {
        await run(steps, reserve, limit);
      }),
      { numRuns: 200 },
    );
  });
});
