/**
 * The demo itself, so it can never silently rot: `simgate demo` (the orchestrator the CLI
 * runs) for a bounded time. Orders are served, SMS are delivered with the exact text, every
 * finish status is applied, earnings move, and the module that hangs and the one that is
 * unplugged are both noticed and come back.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startDemo, type RunningDemo } from "../../src/demo/demo.js";
import { DEMO_SLOTS } from "../../src/sim/scenarios.js";
import { waitFor } from "../helpers/daemon.js";

describe("simgate demo", () => {
  let demo: RunningDemo | undefined;
  const lines: string[] = [];

  afterAll(async () => {
    await demo?.stop();
  });

  it("serves orders, delivers exact SMS, applies every finish status, and the faulty modules recover", async () => {
    demo = await startDemo({ modems: 16, seed: "1", adminPort: 0, partnerPort: 0, orderEveryMs: 800, summaryMs: 1_000, durationMs: 150_000, out: (l) => lines.push(l) });
    expect(lines.join("\n")).toContain(`status page   ${demo.adminUrl}/?token=${demo.adminToken}\n`);
    // The printed URL logs a browser in with one click: a session cookie and the page without the token.
    const click = await fetch(`${demo.adminUrl}/?token=${demo.adminToken}`, { redirect: "manual" });
    expect(click.status).toBe(303);
    expect(click.headers.get("location")).toBe("/");
    expect(click.headers.get("set-cookie")).toMatch(/^simgate_session_\d+=.+; HttpOnly; SameSite=Strict$/);
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
    let last = demo.counts();
    const final = await waitFor(
      () => `every finish status applied (last: ${JSON.stringify(last.finishes)}, orders ${last.orders})`,
      () => {
        const c = (last = demo!.counts());
        const f = c.finishes as Record<number, number>;
        return f[1]! > 0 && f[3]! > 0 && f[4]! + f[5]! > 0 && f[4]! > 0 && f[5]! > 0 ? c : undefined;
      },
      60_000,
      250,
    );
    expect(final.orders).toBeGreaterThan(5);
    expect(final.delivered).toBeGreaterThan(3);
    expect(final.exact).toBeGreaterThan(3);
    expect(final.mismatched).toBe(0);
    expect(final.earnings).toBeGreaterThan(0);
    expect(final.violations).toBe(0);
    // The rack's fixed roles: two empty slots and the roaming SIM are never sold; the PIN-locked one is (its PIN is in the demo config).
    expect(await portState(DEMO_SLOTS.noSim[0])).toBe("no-sim");
    expect(await portState(DEMO_SLOTS.pinLocked)).toBe("ready");
    expect(await portState(DEMO_SLOTS.roaming)).toBe("roaming");
    expect(lines.some((l) => /orders \d+ · delivered \d+/.test(l) && /earnings [\d.]+ RUB/.test(l))).toBe(true);
    expect(await demo.stop()).toBe(0);
  }, 240_000);
});
