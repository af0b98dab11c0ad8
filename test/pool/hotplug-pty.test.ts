/**
 * Hot-plug over real pseudo-terminals: the simulator's pty pool puts links modem0…modem3 in
 * a directory; unplug removes a link, replug re-creates it pointing at a new /dev/pts/N.
 * Real fs, real fs.watch, no udevadm and no serial binding: only the configured glob.
 */
import { once } from "node:events";
import { readdir, realpath } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { DiscoveredPort } from "../../src/pool/discovery.js";
import { discover } from "../../src/pool/discovery.js";
import { PortWatcher, watchDirectories } from "../../src/pool/hotplug.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";

const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });

describe("PortWatcher over a simulated pty pool", () => {
  let pool: SimulatedPool | undefined;
  let watcher: PortWatcher | undefined;

  afterEach(async () => {
    await watcher?.stop();
    await pool?.close();
    watcher = undefined;
    pool = undefined;
  });

  it("sees 4 ports, a removal at once on unplug, and the port again within 2 s of replug", async () => {
    pool = await startSimulatedPool({ count: 4, dialect: "mixed", seed: 4, attach: "pty" });
    const dir = pool.dir as string;
    const fs = { readdir, realpath };
    const options = { paths: [`${dir}/modem*`], serialDirs: [] };
    let scans = 0;
    watcher = new PortWatcher(
      { discover: () => (scans++, discover({ fs }, options)), watchDirs: () => watchDirectories(options, fs) },
      { rescanMs: 60_000 },
    );
    const added: DiscoveredPort[] = [];
    watcher.on("added", (p) => added.push(p));
    await watcher.start();

    expect(added.map((p) => p.id)).toEqual([0, 1, 2, 3].map((i) => `${dir}/modem${i}`));
    expect(added.every((p) => p.devName.startsWith("/dev/pts/") && p.source === "glob")).toBe(true);

    const target = pool.modems[1];
    if (!target?.pty) throw new Error("no pty attachment");
    const before = watcher.ports.get(`${dir}/modem1`)?.devName;

    const removed = once(watcher, "removed", within(1000));
    let t0 = Date.now();
    target.modem.unplug();
    const [gone] = (await removed) as [DiscoveredPort];
    expect(gone.id).toBe(`${dir}/modem1`);
    // Reported from the watch event itself, not from a later scan.
    expect(scans).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(watcher.ports.size).toBe(3);

    await target.pty.settled();
    const back = once(watcher, "added", within(2000));
    t0 = Date.now();
    target.modem.replug();
    const [again] = (await back) as [DiscoveredPort];
    const replugMs = Date.now() - t0;
    expect(replugMs).toBeLessThan(2000);
    expect(again.id).toBe(`${dir}/modem1`);
    expect(again.path).toBe(`${dir}/modem1`);
    expect(again.devName).toMatch(/^\/dev\/pts\/\d+$/);
    expect(before).toMatch(/^\/dev\/pts\/\d+$/);
    expect(watcher.ports.size).toBe(4);
  });
});
