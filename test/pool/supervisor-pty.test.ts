import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { afterEach, describe, expect, it } from "vitest";
import { readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { openBytePort } from "../../src/transport/serial-port.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";
import { PortMap, type PortView } from "../../src/modem/port-map.js";
import { ModemPool } from "../../src/pool/pool.js";
import { PoolSupervisor } from "../../src/pool/supervisor.js";
import { createPortWatcher, nodeExists, nodeWatch } from "../../src/pool/hotplug.js";

function waitFor(map: PortMap, predicate: (ports: readonly PortView[]) => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate(map.snapshot())) {
        map.off("changed", check);
        clearTimeout(timer);
        resolve();
      }
    };
    const timer = setTimeout(() => {
      map.off("changed", check);
      reject(new Error(`timed out; states: ${map.snapshot().map((p) => `${p.id}=${p.state}`).join(" ")}`));
    }, ms);
    map.on("changed", check);
    check();
  });
}

describe("hot-plug over real pseudo-terminals: discovery → pool → port map", () => {
  let sim: SimulatedPool | undefined;
  let supervisor: PoolSupervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop();
    await sim?.close();
  });

  it("brings up every port found, marks an unplugged one gone at once and probes it again within 2 s of coming back", async () => {
    sim = await startSimulatedPool({ count: 4, dialect: "mixed", seed: "hotplug", attach: "pty", noNumberRatio: 0 });
    const glob = join(sim.dir!, "modem*");
    const map = new PortMap();
    const pool = new ModemPool({
      map,
      openPort: (path) => openBytePort({ path }),
      session: sessionDefaults(),
    });
    const watcher = createPortWatcher(
      { fs: { readdir: (p) => readdir(p), realpath: (p) => realpath(p) }, watch: nodeWatch, exists: nodeExists },
      { paths: [glob], include: [glob], serialDirs: [] },
      { rescanMs: 1_000 },
    );
    supervisor = new PoolSupervisor(watcher, pool);
    await supervisor.start();
    await waitFor(map, (ports) => ports.length === 4 && ports.every((p) => p.state === "ready"), 10_000);

    const victim = sim.modems[2]!;
    const victimId = [...watcher.ports.values()].find((p) => p.path === victim.path)!.id;
    const unplugged = Date.now();
    victim.modem.unplug();
    await waitFor(map, () => map.get(victimId)?.state === "gone", 2_000);
    expect(Date.now() - unplugged).toBeLessThan(1_000);
    expect(map.sellable()).toHaveLength(3);

    const replugged = Date.now();
    victim.modem.replug();
    await waitFor(map, () => map.get(victimId)?.state === "ready", 5_000);
    expect(Date.now() - replugged).toBeLessThan(2_000 + 1_000); // probed within 2 s, then the bring-up itself
    expect(map.get(victimId)?.iccid).toBe(victim.profile.sim.iccid);
  });
});
