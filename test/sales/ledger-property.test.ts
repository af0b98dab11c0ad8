/**
 * One inventory on two marketplaces under random interleavings (issue 15, "Done when"):
 * bursts of concurrent orders on either marketplace, closes with every outcome, SIMs
 * leaving and coming back, overdue sweeps. After every step, against the ledger itself:
 *   - no SIM is ever in two open reservations (by number or ICCID), and the core's memory
 *     holds exactly the ledger's open reservations;
 *   - a service sold on a number is never sold on it again, on either marketplace;
 *   - the counts a marketplace is shown never include a held SIM, a SIM that is gone, or
 *     a burned pair, and never exceed its share;
 *   - a burst larger than what is free gets "none" for the rest, never a held SIM.
 * Run on the in-memory ledger (answering at once, and a few turns late as a remote store
 * would) and on the SQLite ledger over a real simgate.db.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { SalesCore, type ReserveResult } from "../../src/sales/core.js";
import type { PortInput } from "../../src/sales/inventory.js";
import type { SalesLedger } from "../../src/sales/ledger.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { DEFAULT_RULES, type MarketRules } from "../../src/sales/policy.js";
import type { CloseOutcome, Reservation } from "../../src/sales/types.js";
import { openStore } from "../../src/store/index.js";
import { tempStateDir } from "../store/helpers.js";

const SIMS = 5;
const SERVICES = ["telegram", "whatsapp"] as const;
const MARKETS = ["onlinesim", "smshub"] as const;
type Market = (typeof MARKETS)[number];

const rules = (id: Market): MarketRules => ({
  ...DEFAULT_RULES,
  id,
  services: [...SERVICES],
  // The slow reader sees less than everything (policy.ts); the fast one sees it all.
  ...(id === "onlinesim" ? { share: 0.8, headroom: 1 } : {}),
  lifeMs: 1_000,
  releaseFactor: 4,
  releaseWithSmsFactor: 8,
  staleFactor: 4,
});

const portOf = (n: number): PortInput => ({
  id: `port-${n}`,
  state: "ready",
  present: true,
  iccid: `89701010000000000${String(n).padStart(2, "0")}`,
  number: `+7916000000${n}`,
  mcc: "250",
  mnc: "01",
});

type Step =
  | { kind: "burst"; market: Market; service: number; orders: number }
  | { kind: "close"; pick: number; outcome: CloseOutcome["kind"] }
  | { kind: "gone"; sim: number }
  | { kind: "back"; sim: number }
  | { kind: "sweep"; advanceMs: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("burst" as const), market: fc.constantFrom(...MARKETS), service: fc.nat(SERVICES.length - 1), orders: fc.integer({ min: 1, max: SIMS + 2 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("close" as const), pick: fc.nat(20), outcome: fc.constantFrom("sold", "cancelled", "refunded", "rejected", "released") as fc.Arbitrary<CloseOutcome["kind"]> }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("gone" as const), sim: fc.integer({ min: 1, max: SIMS }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("back" as const), sim: fc.integer({ min: 1, max: SIMS }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sweep" as const), advanceMs: fc.integer({ min: 0, max: 6_000 }) }) },
);

const outcome = (kind: CloseOutcome["kind"]): CloseOutcome => {
  switch (kind) {
    case "cancelled":
      return { kind, cancelLimit: 2 };
    case "released":
      return { kind, why: "undocumented status" };
    default:
      return { kind };
  }
};

/** Run one interleaving on a fresh ledger and check the invariants after every step. */
async function run(ledger: SalesLedger, steps: readonly Step[]): Promise<void> {
  let now = 1_000_000;
  const core = await SalesCore.open({ ledger, markets: MARKETS.map(rules), clock: () => now });
  const present = new Set(Array.from({ length: SIMS }, (_, i) => i + 1));
  const feed = () => core.updatePorts([...present].map(portOf));
  feed();
  /** Every (number, service) ever closed as sold: never reserved again. */
  const sold = new Set<string>();
  /** Per marketplace, pairs it excluded (rejected, or its cancel limit). */
  const cancels = new Map<string, number>();
  const excluded = new Set<string>();

  for (const step of steps) {
    switch (step.kind) {
      case "burst": {
        const service = SERVICES[step.service]!;
        const freeBefore = freeFor(step.market, service);
        const results: ReserveResult[] = await Promise.all(
          Array.from({ length: step.orders }, () => core.reserve({ market: step.market, service, excludePrefixes: [], price: { amount: 1, currency: "RUB" } })),
        );
        const got = results.filter((r): r is Extract<ReserveResult, { status: "reserved" }> => r.status === "reserved").map((r) => r.reservation);
        expect(results.every((r) => r.status !== "failed")).toBe(true);
        // Over-subscription: never more than was free, the rest a clean "none".
        expect(got.length).toBeLessThanOrEqual(freeBefore);
        expect(got.length + results.filter((r) => r.status === "none").length).toBe(step.orders);
        for (const r of got) {
          expect(sold.has(`${r.number}/${r.service}`), `sold pair ${r.number}/${r.service} reserved again`).toBe(false);
          expect(excluded.has(`${r.market}/${r.number}/${r.service}`), `excluded pair reserved on ${r.market}`).toBe(false);
          expect(present.has(Number(r.number.slice(-1)))).toBe(true);
        }
        break;
      }
      case "close": {
        const open = core.openReservations();
        if (open.length === 0) break;
        const r: Reservation = open[step.pick % open.length]!;
        const result = await core.close({ market: r.market, id: r.id, outcome: outcome(step.outcome), status: 0, finishSum: null, by: "finish" });
        expect(result.kind).toBe("closed");
        if (step.outcome === "sold") sold.add(`${r.number}/${r.service}`);
        const key = `${r.market}/${r.number}/${r.service}`;
        if (step.outcome === "rejected") excluded.add(key);
        if (step.outcome === "cancelled") {
          const n = (cancels.get(key) ?? 0) + 1;
          cancels.set(key, n);
          if (n >= 2) excluded.add(key);
        }
        break;
      }
      case "gone":
        present.delete(step.sim);
        feed();
        break;
      case "back":
        present.add(step.sim);
        feed();
        break;
      case "sweep":
        now += step.advanceMs;
        await core.sweep();
        break;
    }
    await check();
  }

  /** SIMs a marketplace could get for a service now: present, held by nobody, not burned for it there. */
  function freeFor(market: Market, service: string): number {
    let n = 0;
    for (const sim of present) {
      const number = portOf(sim).number!.slice(1);
      if (core.isHeld(number)) continue;
      if (sold.has(`${number}/${service}`) || excluded.has(`${market}/${number}/${service}`)) continue;
      n++;
    }
    return n;
  }

  async function check(): Promise<void> {
    const state = await ledger.load();
    const numbers = state.open.map((r) => r.number);
    const iccids = state.open.map((r) => r.iccid);
    expect(new Set(numbers).size, "a SIM in two open reservations (number)").toBe(numbers.length);
    expect(new Set(iccids).size, "a SIM in two open reservations (ICCID)").toBe(iccids.length);
    expect(core.openReservations().map((r) => r.id).sort((a, b) => a - b)).toEqual(state.open.map((r) => r.id));
    // What the ledger burned is what the model burned.
    for (const s of state.sold) expect(sold.has(`${s.number}/${s.service}`)).toBe(true);
    for (const market of MARKETS) {
      const offers = core.offers(market);
      SERVICES.forEach((service, i) => {
        const shown = offers.reduce((sum, o) => sum + o.counts[i]!, 0);
        expect(shown, `${market} is shown more ${service} than is free`).toBeLessThanOrEqual(freeFor(market, service));
      });
    }
  }
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const steps = fc.array(stepArb, { minLength: 1, maxLength: 40 });

describe("the ledger under random interleavings on two marketplaces", () => {
  it("in memory", async () => {
    await fc.assert(fc.asyncProperty(steps, (s) => run(new MemoryLedger(), s)), { numRuns: 150 });
  });

  it("in memory, every answer a few event-loop turns late", async () => {
    await fc.assert(fc.asyncProperty(steps, (s) => run(new MemoryLedger({ turnsBeforeWrite: 2 }), s)), { numRuns: 100 });
  });

  it("on SQLite (a real simgate.db per run)", async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (s) => {
        const t = tempStateDir();
        const store = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
        try {
          await run(store.sales, s);
        } finally {
          store.close();
          t.cleanup();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
