/**
 * The demo itself, so it can never silently rot: `simgate demo` (the orchestrator the CLI
 * runs) for a bounded time, into a state directory that does not exist yet. Everything
 * asserted is forced by the scenario, never left to chance or timing: both fake
 * marketplaces (Onlinesim and SMSHUB, buying from the same SIMs at once) close their
 * operations with a fixed round of outcomes (DEMO_OUTCOMES: SMS → 3, and one each of 1, 4
 * and 5), and the rack's fault schedule hangs one module and unplugs another. The daemon's
 * ledger is read at the end: no SIM was ever held by two reservations at once. Afterwards
 * the daemon's whole log is read: every line strict JSON with no key twice, the version
 * first, no error but the hung module's, no stack traces, no second listening line.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDemo, DEMO_OUTCOMES, type RunningDemo } from "../../src/demo/demo.js";
import { DEMO_MARKETS } from "../../src/demo/marketplaces.js";
import { DEMO_SLOTS } from "../../src/sim/scenarios.js";
import { VERSION } from "../../src/package-info.js";
import { waitFor } from "../helpers/daemon.js";
import { parseStrictJson } from "../log/strict-json.js";

/** Reservations of one SIM whose holding times overlap (the second made before the first was closed). */
function overlappingHolds(list: ReadonlyArray<{ id: number; market: string; iccid: string; createdAt: number; closedAt: number | null }>): string[] {
  const bySim = new Map<string, Array<(typeof list)[number]>>();
  for (const a of list) bySim.set(a.iccid, [...(bySim.get(a.iccid) ?? []), a]);
  const overlaps: string[] = [];
  for (const holds of bySim.values()) {
    const sorted = [...holds].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
    for (let i = 1; i < sorted.length; i++) {
      const [prev, next] = [sorted[i - 1]!, sorted[i]!];
      if (prev.closedAt === null || next.createdAt < prev.closedAt) overlaps.push(`${prev.market} #${prev.id} and ${next.market} #${next.id} on ${next.iccid}`);
    }
  }
  return overlaps;
}

describe("simgate demo", () => {
  let demo: RunningDemo | undefined;
  const lines: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "simgate-demo-test-"));
  // Two levels that do not exist yet: `demo --state-dir NEWDIR` creates them.
  const stateDir = join(scratch, "new", "state");

  afterAll(async () => {
    await demo?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("sells one rack on two marketplaces at once: orders, exact SMS, every finish status, no SIM held twice, and the faulty modules recover", async () => {
    demo = await startDemo({ modems: 16, seed: "1", stateDir, adminPort: 0, partnerPort: 0, orderEveryMs: 800, summaryMs: 1_000, durationMs: 200_000, out: (l) => lines.push(l) });
    expect(lines.join("\n")).toContain(`status page   ${demo.adminUrl}/?token=${demo.adminToken}\n`);
    // The printed URL logs a browser in with one click: a session cookie and the page without the token.
    const click = await fetch(`${demo.adminUrl}/?token=${demo.adminToken}`, { redirect: "manual" });
    expect(click.status).toBe(303);
    expect(click.headers.get("location")).toBe("/");
    expect(click.headers.get("set-cookie")).toMatch(/^simgate_session_\d+=.+; HttpOnly; SameSite=Strict$/);
    // The summary's finish codes are explained once, under the URLs.
    expect(lines.join("\n")).toMatch(/finished S:N = operations it closed with status S:\s+3 sold \(code received, paid\), 1 number not wanted for that service, 4 cancelled \(no SMS\),\s+5 cancelled and refunded/);
    const portState = async (slot: number): Promise<string | undefined> => {
      const status = (await (await fetch(`${demo!.adminUrl}/api/status`, { headers: { authorization: `Bearer ${demo!.adminToken}` } })).json()) as { ports: Array<{ id: string; state: string }> };
      return status.ports.find((p) => p.id.endsWith(`/modem${slot}`))?.state;
    };
    // Both start sellable (the rack's faults come 20 s and 28 s in)…
    await waitFor("modem9 and modem11 sellable", async () => ((await portState(DEMO_SLOTS.hangs)) === "ready" && (await portState(DEMO_SLOTS.unplugged)) === "ready") || undefined, 60_000, 250);
    // …both faults are noticed: the hung module stops being sellable, the unplugged one is gone…
    await waitFor("modem9 noticed as hung", async () => ((await portState(DEMO_SLOTS.hangs)) ?? "ready") !== "ready" || undefined, 60_000, 250);
    await waitFor("modem11 noticed as unplugged", async () => ((await portState(DEMO_SLOTS.unplugged)) ?? "gone") !== "ready" || undefined, 60_000, 250);
    // …and both come back by themselves.
    await waitFor("modem11 sellable again", async () => (await portState(DEMO_SLOTS.unplugged)) === "ready" || undefined, 60_000, 250);
    await waitFor("modem9 sellable again", async () => (await portState(DEMO_SLOTS.hangs)) === "ready" || undefined, 90_000, 250);
    // One round of outcomes forces every status on each marketplace: wait until the
    // operations of the first round are all closed on both.
    let last = demo.counts();
    const final = await waitFor(
      () => `every finish status applied on both marketplaces (last: ${JSON.stringify(Object.fromEntries(DEMO_MARKETS.map((m) => [m, { orders: last.markets[m].orders, finishes: last.markets[m].finishes }])))})`,
      () => {
        const c = (last = demo!.counts());
        const all = (f: Record<1 | 3 | 4 | 5, number>): boolean => f[1] > 0 && f[3] > 0 && f[4] > 0 && f[5] > 0;
        return DEMO_MARKETS.every((m) => all(c.markets[m].finishes)) ? c : undefined;
      },
      90_000,
      250,
    );
    expect(DEMO_OUTCOMES).toEqual(expect.arrayContaining(["sms", "1", "4", "5"]));
    // One inventory, two buyers: each got numbers, its SMS with the exact text, and paid for
    // them; neither fake caught the daemon out (a number it holds given again, a burned
    // number offered, counts above the modules, an SMS for a number it does not hold…).
    for (const m of DEMO_MARKETS) {
      const c = final.markets[m];
      expect(c.issued, m).toBeGreaterThan(0);
      expect(c.delivered, m).toBeGreaterThan(0);
      expect(c.exact, m).toBe(c.delivered);
      expect(c.mismatched, m).toBe(0);
      expect(c.earnings["RUB"], m).toBeGreaterThan(0);
      expect(c.violations, `${m}: ${c.lastViolation}`).toBe(0);
    }
    // The daemon's own ledger over the whole run: no SIM was ever held by two reservations at once, and both marketplaces bought.
    const ledger = (await (await fetch(`${demo.adminUrl}/api/activations?limit=1000`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json()) as {
      activations: Array<{ id: number; market: string; iccid: string; createdAt: number; closedAt: number | null }>;
    };
    expect(new Set(ledger.activations.map((a) => a.market))).toEqual(new Set(DEMO_MARKETS));
    expect(overlappingHolds(ledger.activations)).toEqual([]);
    // The rack's fixed roles: two empty slots and the roaming SIM are never sold; the PIN-locked one is (its PIN is in the demo config).
    expect(await portState(DEMO_SLOTS.noSim[0])).toBe("no-sim");
    expect(await portState(DEMO_SLOTS.pinLocked)).toBe("ready");
    expect(await portState(DEMO_SLOTS.roaming)).toBe("roaming");
    // The summary: a line for the rack, then one per marketplace.
    await waitFor("a summary tick", () => lines.some((l, i) => /^\[\d+:\d\d\] ports \d+\/16 sellable$/.test(l) && /^  onlinesim orders [1-9]\d* · delivered \d+ \(exact \d+\) · finished 1:\d+ 3:\d+ 4:\d+ 5:\d+ · earned [\d.]+ RUB · v2 listed \d+$/.test(lines[i + 1] ?? "") && /^  smshub {4}orders [1-9]\d* · delivered \d+ \(exact \d+\) · finished 1:\d+ 3:\d+ 4:\d+ 5:\d+ · earned [\d.]+ RUB$/.test(lines[i + 2] ?? "") && !/ · delivered 0 /.test(lines[i + 2] ?? "")) || undefined, 10_000);
    expect(lines.filter((l) => /VIOLATIONS|MISMATCHED/.test(l))).toEqual([]);
    expect(await demo.stop()).toBe(0);
  }, 330_000);

  it("(the ledger check itself) finds a SIM reserved again before its previous reservation closed", () => {
    const hold = (id: number, market: string, createdAt: number, closedAt: number | null) => ({ id, market, iccid: "8970100000000000001", createdAt, closedAt });
    expect(overlappingHolds([hold(1, "onlinesim", 100, 200), hold(2, "smshub", 200, 300), hold(3, "onlinesim", 300, null)])).toEqual([]);
    expect(overlappingHolds([hold(1, "onlinesim", 100, 250), hold(2, "smshub", 200, 300)])).toEqual(["onlinesim #1 and smshub #2 on 8970100000000000001"]);
    expect(overlappingHolds([hold(2, "smshub", 200, 300), hold(1, "onlinesim", 100, null)])).toHaveLength(1);
  });

  it("leaves a daemon log of strict JSON lines: no key twice, the version first, no error but the hung module's", () => {
    const log = join(stateDir, "simgate.log");
    expect(existsSync(log)).toBe(true);
    const records = readFileSync(log, "utf8").split("\n").filter((l) => l !== "").map((l) => parseStrictJson(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(50);
    expect(records[0]).toMatchObject({ event: "starting", version: VERSION, msg: `simgate ${VERSION} starting` });
    // The demo starts the fake Onlinesim first and stops the daemon first: no "connection refused" at either end.
    const errors = records.filter((r) => (r["level"] as number) >= 50);
    for (const r of errors) expect(String(r["port"]), JSON.stringify(r)).toMatch(new RegExp(`/modem${DEMO_SLOTS.hangs}$`));
    expect(records.filter((r) => String(r["msg"]).startsWith("Server listening"))).toEqual([]);
    expect(records.filter((r) => JSON.stringify(r).includes('"stack"'))).toEqual([]);
    // The expected unplug reads as warn or info, one line each.
    const unplug = records.filter((r) => String(r["port"]).endsWith(`/modem${DEMO_SLOTS.unplugged}`) && (r["level"] as number) >= 40);
    expect(unplug.length).toBeGreaterThan(0);
    for (const r of unplug) expect(r["level"]).toBe(40);
  });
});
