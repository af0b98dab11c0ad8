import { existsSync, readlinkSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { ErrorCode } from "../../src/errors.js";
import { Host } from "./helpers.js";

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("simulated modems on real pseudo-terminals", () => {
  let pool: SimulatedPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it("any program can open the link; unplug hangs up; replug re-points the same link; close cleans up", async () => {
    pool = await startSimulatedPool({ count: 2, dialect: "mixed", seed: 9, attach: "pty", modem: { resetMs: 50 } });
    const [first, second] = pool.modems;
    if (!first || !second || !first.pty) throw new Error("pool too small");
    const dir = pool.dir ?? "";
    const pid = pool.ptyHostPid;
    expect(alive(pid)).toBe(true);
    expect(first.path).toBe(`${dir}/modem0`);
    expect(readlinkSync(first.path)).toMatch(/^\/dev\/pts\/\d+$/);

    const host = new Host(await openBytePort({ path: first.path }));
    await host.cmd("ATE0");
    expect(await host.cmd("AT+CGSN")).toBe(`\r\n${first.profile.imei}\r\n\r\nOK\r\n`);

    const closed = new Promise((resolve) => host.port.once("close", resolve));
    first.modem.unplug();
    expect(await closed).toMatchObject({ code: ErrorCode.TransportDisconnected });
    await first.pty.settled();
    expect(existsSync(first.path)).toBe(false);

    first.modem.replug();
    await first.pty.settled();
    expect(readlinkSync(first.path)).toMatch(/^\/dev\/pts\/\d+$/);
    const again = new Host(await openBytePort({ path: first.path }));
    try {
      await again.cmd("ATE0");
      expect(await again.lines("AT+CGMI")).toEqual([first.profile.manufacturer, "OK"]);
    } finally {
      await again.port.close();
    }

    // The other modem never noticed.
    const other = new Host(await openBytePort({ path: second.path }));
    await other.cmd("ATE0");
    expect(await other.lines("AT+CGSN")).toEqual([second.profile.imei, "OK"]);
    await other.port.close();

    await pool.close();
    pool = undefined;
    expect(existsSync(dir)).toBe(false);
    await waitUntil(() => !alive(pid), 3000, "pty helper to exit");
  });

  it("a port stays usable between two clients (the helper holds the slave open)", async () => {
    pool = await startSimulatedPool({ count: 1, dialect: "simcom", seed: 3, attach: "pty" });
    const m = pool.modems[0];
    if (!m) throw new Error("no modem");
    for (let i = 0; i < 2; i++) {
      const host = new Host(await openBytePort({ path: m.path }));
      await host.cmd("ATE0");
      expect(await host.lines("AT+CIMI")).toEqual([m.profile.sim.imsi, "OK"]);
      await host.port.close();
    }
  });
});
