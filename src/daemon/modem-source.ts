/**
 * Where the daemon's ports come from: the host's serial ports (discovery + hot-plug
 * watcher, config `modem.paths/include/exclude`), or N simulated modems on real
 * pseudo-terminals (`simgate run --simulate N`). Both end the same way: a PortWatcher
 * reports ports to the pool through the PoolSupervisor, so the simulated path exercises
 * the same discovery, hot-plug and session code as a real pool.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log/logger.js";
import { createPortWatcher, nodeExists, nodeWatch } from "../pool/hotplug.js";
import { hostDiscoveryDeps } from "../pool/host-discovery.js";
import type { DiscoveryOptions } from "../pool/discovery-types.js";
import type { ModemPool } from "../pool/pool.js";
import { PoolSupervisor } from "../pool/supervisor.js";
// The simulator is imported when a simulation is asked for (below), not with the daemon:
// on real modems its code would only take memory.
import type { SimulatedPool } from "../sim/pool.js";
import type { ReplayPool } from "../sim/replay-pool.js";
import type { PoolDialect } from "../sim/profile.js";
import type { ScenarioName } from "../sim/scenarios.js";
import type { Config } from "../config/schema.js";

export interface SimulateOptions {
  count: number;
  seed: string;
  dialect: PoolDialect;
  /** Delay every simulated reply (ms): a busier, more realistic module. */
  latencyMs?: number;
  /** A named pool with deliberate variety (src/sim/scenarios.ts) instead of a plain generated one. */
  scenario?: ScenarioName;
  /** Replay a captured device (src/sim/replay-profile.ts) on every simulated port instead of generated modems. */
  profileFile?: string;
}

export interface ModemSource {
  /** The simulated pool, when simulating (the admin API injects SMS and faults through it). */
  readonly simulated: SimulatedPool | undefined;
  /** Resolves after the first discovery pass handed every port to the pool. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Simulated links live under the state directory, so port ids (and with them the SMS
 * parts and activations that name a port) are the same on every start with the same seed.
 */
export function simulatedLinkDir(stateDir: string): string {
  return join(stateDir, "simulated-ports");
}

export async function createModemSource(opts: {
  pool: ModemPool;
  modem: Config["modem"];
  stateDir: string;
  simulate: SimulateOptions | undefined;
  logger: Logger;
}): Promise<ModemSource> {
  let simulated: SimulatedPool | undefined;
  let replayed: ReplayPool | undefined;
  let discovery: DiscoveryOptions;
  if (opts.simulate?.profileFile) {
    const dir = simulatedLinkDir(opts.stateDir);
    mkdirSync(dir, { recursive: true });
    const [{ loadReplayProfile }, { startReplayPool }] = await Promise.all([import("../sim/replay-profile.js"), import("../sim/replay-pool.js")]);
    const profile = loadReplayProfile(opts.simulate.profileFile);
    replayed = await startReplayPool({ profile, count: opts.simulate.count, attach: "pty", dir });
    const glob = join(dir, "modem*");
    discovery = { paths: [glob], include: [glob], serialDirs: [] };
    opts.logger.info({ event: "replayed-pool", modems: opts.simulate.count, profile: opts.simulate.profileFile, model: profile.model, dir }, "replayed devices started");
  } else if (opts.simulate) {
    const dir = simulatedLinkDir(opts.stateDir);
    mkdirSync(dir, { recursive: true });
    const [{ startSimulatedPool }, { scenarioPool }] = await Promise.all([import("../sim/pool.js"), import("../sim/scenarios.js")]);
    simulated = await startSimulatedPool({
      count: opts.simulate.count,
      dialect: opts.simulate.dialect,
      seed: opts.simulate.seed,
      attach: "pty",
      dir,
      ...(opts.simulate.scenario ? { profiles: scenarioPool(opts.simulate.scenario, opts.simulate.count, opts.simulate.seed) } : {}),
    });
    if (opts.simulate.latencyMs) for (const m of simulated.modems) m.modem.faults.latencyMs = opts.simulate.latencyMs;
    const glob = join(dir, "modem*");
    // Only the simulated links: the host's own serial ports are not ours to touch in a simulation.
    discovery = { paths: [glob], include: [glob], serialDirs: [] };
    opts.logger.info({ event: "simulated-pool", modems: opts.simulate.count, seed: opts.simulate.seed, dialect: opts.simulate.dialect, scenario: opts.simulate.scenario, dir }, "simulated modems started");
  } else {
    const m = opts.modem;
    discovery = { paths: m.paths, include: m.include, exclude: m.exclude, skipMmIgnored: m.skipMmIgnored };
  }
  const deps = { ...hostDiscoveryDeps({ logger: opts.logger }), watch: nodeWatch, exists: nodeExists };
  const watcher = createPortWatcher(deps, discovery);
  const supervisor = new PoolSupervisor(watcher, opts.pool, opts.logger);
  return {
    simulated,
    start: () => supervisor.start(),
    async stop() {
      try {
        await supervisor.stop();
      } finally {
        await simulated?.close();
        await replayed?.close();
      }
    },
  };
}
