/**
 * Which SIM an order gets (src/sales/core.ts `reserve`, src/sales/inventory.ts): the least
 * recently used SIM that fits, over every network the order accepts, after the reserve of
 * most recently used idle SIMs is held back from everyone. Checked against a plain model
 * (every SIM sorted by (last used, number), never used first) over random sequences of
 * orders for one network, several, any, or a country, and closes that burn pairs, on
 * several home networks at once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SalesCore } from "../../src/sales/core.js";
import type { PortInput } from "../../src/sales/inventory.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { DEFAULT_RULES } from "../../src/sales/policy.js";
import type { CloseOutcome } from "../../src/sales/types.js";

const MARKET = "m1";
const SERVICES = ["s0", "s1"];
/** Two Russian networks and a German one (the core derives the country from MCC+MNC). */
const NETWORKS = [
  { network: "25001", country: "RU" },
  { network: "25002", country: "RU" },
  { network: "26201", country: "DE" },
];
const SIMS = 9;

interface ModelSim {
  number: string;
  iccid: string;
  network: string;
  country: string;
}

const sims: ModelSim[] = Array.from({ length: SIMS }, (_, i) => {
  const n = NETWORKS[i % NETWORKS.length]!;
  return { number: `7900000000${i}`, iccid: `8970000000000000${String(i).padStart(3, "0")}`, network: n.network, country: n.country };
});

const ports: PortInput[] = sims.map((s, i) => ({ id: `p${i}`, state: "ready", present: true, iccid: s.iccid, number: `+${s.number}`, mcc: s.network.slice(0, 3), mnc: s.network.slice(3) }));

type Step =
  | { kind: "order"; service: number; networks: number[] | null; country: string | null }
  | { kind: "close"; pick: number; outcome: "sold" | "cancelled" | "rejected" | "refunded" };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("order" as const),
      service: fc.nat(SERVICES.length - 1),
      networks: fc.option(fc.uniqueArray(fc.nat(NETWORKS.length - 1), { minLength: 1, maxLength: NETWORKS.length }), { nil: null }),
      country: fc.option(fc.constantFrom("RU", "DE"), { nil: null, freq: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("close" as const), pick: fc.nat(20), outcome: fc.constantFrom("sold" as const, "cancelled" as const, "rejected" as const, "refunded" as const) }) },
);

/** (last used, number) ascending, never used first: the order the core promises. */
function lruKey(lastUsed: Map<string, number>, a: ModelSim, b: ModelSim): number {
  return (lastUsed.get(a.number) ?? -1) - (lastUsed.get(b.number) ?? -1) || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
}

describe("the SIM an order gets", () => {
  it("is the least recently used fit over the networks it accepts, after the reserve is held back", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (reserveModules, steps) => {
        let now = 1_000;
        const core = await SalesCore.open({
          ledger: new MemoryLedger(),
          markets: [{ ...DEFAULT_RULES, id: MARKET, services: SERVICES }],
          reserveModules,
          clock: () => now++,
        });
        core.updatePorts(ports);
        const lastUsed = new Map<string, number>();
        const open = new Map<number, { number: string; service: string }>();
        const sold = new Set<string>();
        const excluded = new Set<string>();
        for (const step of steps) {
          if (step.kind === "close") {
            const ids = [...open.keys()];
            if (ids.length === 0) continue;
            const id = ids[step.pick % ids.length]!;
            const r = open.get(id)!;
            const outcome: CloseOutcome = step.outcome === "cancelled" ? { kind: "cancelled", cancelLimit: 2 } : { kind: step.outcome };
            const closed = await core.close({ market: MARKET, id, outcome, status: 0, finishSum: null, by: "finish" });
            expect(closed.kind).toBe("closed");
            open.delete(id);
            if (step.outcome === "sold") sold.add(`${r.number}|${r.service}`);
            if (step.outcome === "rejected") excluded.add(`${r.number}|${r.service}`);
            // Two cancels exclude the pair here (cancelLimit 2): ask the ledger's own answer.
            if (step.outcome === "cancelled" && (await core.ledger.load()).usage.some((u) => u.number === r.number && u.service === r.service && u.excluded)) excluded.add(`${r.number}|${r.service}`);
            continue;
          }
          const service = SERVICES[step.service]!;
          const held = new Set([...open.values()].map((r) => r.number));
          const idle = sims.filter((s) => !held.has(s.number));
          const heldBack = new Set([...idle].sort((a, b) => lruKey(lastUsed, b, a)).slice(0, reserveModules).map((s) => s.number));
          const networks = step.networks === null ? null : new Set(step.networks.map((i) => NETWORKS[i]!.network));
          const expected = idle
            .filter((s) => !heldBack.has(s.number))
            .filter((s) => networks === null || networks.has(s.network))
            .filter((s) => step.country === null || s.country === step.country)
            .filter((s) => !sold.has(`${s.number}|${service}`) && !excluded.has(`${s.number}|${service}`))
            .sort((a, b) => lruKey(lastUsed, a, b))[0];
          const result = await core.reserve({
            market: MARKET,
            service,
            ...(networks === null ? {} : { networks }),
            ...(step.country === null ? {} : { country: step.country }),
            excludePrefixes: [],
            price: { amount: 1, currency: "RUB" },
          });
          if (expected === undefined) {
            expect(result.status).toBe("none");
            continue;
          }
          expect(result.status).toBe("reserved");
          if (result.status !== "reserved") continue;
          expect(result.reservation.number).toBe(expected.number);
          open.set(result.reservation.id, { number: expected.number, service });
          lastUsed.set(expected.number, result.reservation.createdAt);
        }
      }),
      { numRuns: 300 },
    );
  });
});
