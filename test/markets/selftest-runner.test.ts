/**
 * The selftest's rules (src/markets/selftest.ts) over any mix of answers, with a client
 * that answers from a script: every claimed order is fired before any answer is awaited,
 * `got` counts exactly the numbers given in time, every number given (late ones too) is
 * cancelled with bounded retries, and the verdict follows.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runSelftest, selftestPassed, SelftestTooLarge, summaryLine, type OrderResult, type SelftestClient, type SelftestGroup } from "../../src/markets/selftest.js";

const DEADLINE = 3_000;

type Scripted = { kind: "issued"; late: boolean; cancelFailures: number } | { kind: "none"; late: boolean } | { kind: "error"; detail: string; late: boolean };

const scripted: fc.Arbitrary<Scripted> = fc.oneof(
  fc.record({ kind: fc.constant("issued" as const), late: fc.boolean(), cancelFailures: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant("none" as const), late: fc.boolean() }),
  fc.record({ kind: fc.constant("error" as const), detail: fc.constantFrom("GET_NUMBER answered ERROR: NOT_RECORDED", "GET_NUMBER HTTP 500: x"), late: fc.boolean() }),
);

class ScriptedClient implements SelftestClient<SelftestGroup> {
  readonly deadlineMs = DEADLINE;
  inFlight = 0;
  maxInFlight = 0;
  readonly cancels = new Map<number, number>();
  readonly issued: Array<{ id: number; late: boolean }> = [];
  #next = 0;
  #nextId = 1;
  readonly #failuresLeft = new Map<number, number>();

  constructor(
    readonly groupsGiven: SelftestGroup[],
    readonly script: Scripted[],
  ) {}

  async groups() {
    return this.groupsGiven;
  }

  async order(): Promise<OrderResult> {
    const s = this.script[this.#next++ % this.script.length]!;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setImmediate(r));
    this.inFlight--;
    const ms = s.late ? DEADLINE + 1 : DEADLINE;
    if (s.kind === "issued") {
      const id = this.#nextId++;
      this.issued.push({ id, late: s.late });
      this.#failuresLeft.set(id, s.cancelFailures);
      return { kind: "issued", id, number: `7928${id}`, ms };
    }
    return s.kind === "none" ? { kind: "none", ms } : { kind: "error", detail: s.detail, ms };
  }

  async cancel(id: number): Promise<string | undefined> {
    this.cancels.set(id, (this.cancels.get(id) ?? 0) + 1);
    const left = this.#failuresLeft.get(id)!;
    if (left === 0) return undefined;
    this.#failuresLeft.set(id, left - 1);
    return "ERROR NOT_RECORDED";
  }
}

describe("selftest runner", () => {
  it("fires every claimed order at once, counts only timely numbers, cancels every number given, and passes only without a shortfall", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ label: fc.string({ minLength: 1, maxLength: 8 }), claimed: fc.integer({ min: 0, max: 8 }) }), { maxLength: 5 }),
        fc.array(scripted, { minLength: 1, maxLength: 12 }),
        async (groups, script) => {
          const client = new ScriptedClient(groups, script);
          const report = await runSelftest(client, { maxOrders: 100, cancelAttempts: 3 });
          const claimed = groups.reduce((n, g) => n + g.claimed, 0);
          expect(report.claimed).toBe(claimed);
          expect(client.maxInFlight).toBe(claimed);
          expect(report.got).toBe(client.issued.filter((i) => !i.late).length);
          const errors = report.errors.reduce((n, e) => n + e.count, 0);
          expect(report.got + report.late + report.noNumbers + errors).toBe(claimed);
          expect(report.groups.reduce((n, g) => n + g.got, 0)).toBe(report.got);
          // Every number given is cancelled, late ones too; a refused cancel is tried 3 times in all.
          expect([...client.cancels.keys()].sort((a, b) => a - b)).toEqual(client.issued.map((i) => i.id));
          for (const n of client.cancels.values()) expect(n).toBeLessThanOrEqual(3);
          expect(report.cancelled + report.cancelFailures.length).toBe(client.issued.length);
          expect(selftestPassed(report)).toBe(report.got === claimed && report.cancelFailures.length === 0);
          expect(summaryLine(report)).toMatch(/^claimed \d+, got \d+, slowest \d+ ms$/);
          expect(report.slowestMs).toBe(claimed === 0 ? 0 : Math.max(...Array.from({ length: claimed }, (_, i) => (script[i % script.length]!.late ? DEADLINE + 1 : DEADLINE))));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses to fire more than --max-orders, ordering nothing", async () => {
    const client = new ScriptedClient([{ label: "russia/any/vk", claimed: 5 }], [{ kind: "none", late: false }]);
    await expect(runSelftest(client, { maxOrders: 4 })).rejects.toBeInstanceOf(SelftestTooLarge);
    expect(client.maxInFlight).toBe(0);
  });
});
