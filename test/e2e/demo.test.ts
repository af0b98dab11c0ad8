/**
 * The demo itself, so it can never silently rot: `simgate demo` (the orchestrator the CLI
 * runs) for a bounded time, into a state directory that does not exist yet. Everything
 * asserted is forced by the scenario, never left to chance or timing: the fake Onlinesim
 * closes its operations with a fixed round of outcomes (DEMO_OUTCOMES: SMS → 3, and one
 * each of 1, 4 and 5), and the rack's fault schedule hangs one module and unplugs another.
 * Afterwards the daemon's whole log is read: every line strict JSON with no key twice, the
 * version first, no error but the hung module's, no stack traces, no second listening line.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startDemo, DEMO_OUTCOMES, type RunningDemo } from "../../src/demo/demo.js";
import { DEMO_SLOTS } from "../../src/sim/scenarios.js";
import { VERSION } from "../../src/package-info.js";
import { waitFor } from "../helpers/daemon.js";
import { parseStrictJson } from "../log/strict-json.js";

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

  it("serves orders, delivers exact SMS, applies every finish status, and the faulty modules recover", async () => {
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
    // One round of outcomes forces every status: wait until the operations of the first round are all closed.
    let last = demo.counts();
    const final = await waitFor(
      () => `every finish status applied (last: ${JSON.stringify(last.markets.onlinesim.finishes)}, orders ${last.markets.onlinesim.orders})`,
      () => {
        const c = (last = demo!.counts());
        const f = c.markets.onlinesim.finishes;
        return f[1] > 0 && f[3] > 0 && f[4] > 0 && f[5] > 0 ? c : undefined;
      },
      90_000,
      250,
    );
    expect(DEMO_OUTCOMES).toEqual(expect.arrayContaining(["sms", "1", "4", "5"]));
    const onlinesim = final.markets.onlinesim;
    expect(onlinesim.delivered).toBeGreaterThan(0);
    expect(onlinesim.exact).toBe(onlinesim.delivered);
    expect(onlinesim.mismatched).toBe(0);
    expect(onlinesim.earnings["RUB"]).toBeGreaterThan(0);
    expect(onlinesim.violations).toBe(0);
    // The rack's fixed roles: two empty slots and the roaming SIM are never sold; the PIN-locked one is (its PIN is in the demo config).
    expect(await portState(DEMO_SLOTS.noSim[0])).toBe("no-sim");
    expect(await portState(DEMO_SLOTS.pinLocked)).toBe("ready");
    expect(await portState(DEMO_SLOTS.roaming)).toBe("roaming");
    await waitFor("a summary line", () => lines.some((l) => /orders \d+ · delivered \d+/.test(l) && /earned [\d.]+ RUB/.test(l)) || undefined, 10_000);
    expect(await demo.stop()).toBe(0);
  }, 330_000);

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
