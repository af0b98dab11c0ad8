/**
 * Hot-plug: re-run discovery when something changes and report ports that appear or
 * vanish, diffed by stable id. Change signals are fs.watch (inotify) on /dev, the by-*
 * link directories and the directories of configured globs, coalesced for ~200 ms (udev
 * creates the node first and the by-path link a moment later). A watch event that says a
 * known port's node or link is gone is reported at once, without waiting for a scan.
 *
 * Discovery runs only when something changed: a scan resolves every path and spawns
 * udevadm, and rescanning every 10 s was a sixth of the idle daemon's CPU. The slow
 * periodic rescan (5 min) is only a safety net for what inotify itself cannot promise: a
 * queue overflow it reports without names (that one triggers a scan at once), a watched
 * directory replaced behind our back, or a watch that failed and is re-armed by the next
 * scan. Everything a user does — plug, unplug, a udev rule adding a link — is an event.
 */
import { EventEmitter } from "node:events";
import { watch as fsWatch, promises as fsp } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log/logger.js";
import { discover } from "./discovery.js";
import {
  DEFAULT_SERIAL_DIRS,
  type DiscoveredPort,
  type DiscoveryDeps,
  type DiscoveryOptions,
  type DiscoveryResult,
} from "./discovery-types.js";
import { globWatchDirs, type GlobFs } from "./glob.js";

export interface WatchHandle {
  close(): void;
}

/** Watch one directory's entries; `filename` may be null (inotify overflow). May throw (ENOENT). */
export type WatchFn = (dir: string, onChange: (filename: string | null) => void, onError: (err: Error) => void) => WatchHandle;

/** fs.watch adapted to WatchFn. */
export const nodeWatch: WatchFn = (dir, onChange, onError) => {
  const watcher = fsWatch(dir, { persistent: false }, (_event, filename) => onChange(filename === null ? null : String(filename)));
  watcher.on("error", onError);
  return watcher;
};

/** Does a path lead to something now (stat follows links: a dangling link counts as gone). */
export async function nodeExists(path: string): Promise<boolean> {
  try {
    await fsp.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** /dev (new tty nodes), the stable-link directories, and every directory a configured glob depends on. */
export async function watchDirectories(options: DiscoveryOptions, fs: GlobFs): Promise<string[]> {
  const dirs = new Set<string>(["/dev", ...(options.serialDirs ?? DEFAULT_SERIAL_DIRS)]);
  for (const pattern of options.paths ?? []) for (const d of await globWatchDirs(pattern, fs)) dirs.add(d);
  return [...dirs].sort();
}

/** A watcher over discover(deps, options), watching what those options depend on. */
export function createPortWatcher(
  deps: DiscoveryDeps & Pick<PortWatcherDeps, "watch" | "exists">,
  options: DiscoveryOptions = {},
  watcherOptions: PortWatcherOptions = {},
): PortWatcher {
  const watcherDeps: PortWatcherDeps = {
    discover: () => discover(deps, options),
    watchDirs: () => watchDirectories(options, deps.fs),
  };
  if (deps.watch) watcherDeps.watch = deps.watch;
  if (deps.exists) watcherDeps.exists = deps.exists;
  if (deps.logger) watcherDeps.logger = deps.logger;
  return new PortWatcher(watcherDeps, watcherOptions);
}

export interface PortWatcherDeps {
  /** One discovery pass, normally `() => discover(deps, options)`. */
  discover: () => Promise<DiscoveryResult>;
  /** Directories to watch now, normally `() => watchDirectories(options, fs)`; re-read after each scan. */
  watchDirs: () => Promise<readonly string[]>;
  watch?: WatchFn;
  exists?: (path: string) => Promise<boolean>;
  logger?: Logger;
}

export interface PortWatcherOptions {
  /** Coalesce change signals; udev adds the by-path link a few ms after the node. */
  debounceMs?: number;
  /** Safety-net rescan, 5 min: for what inotify cannot promise (see the file comment); changes come as events. */
  rescanMs?: number;
  /** Look again this soon when udevd has not finished with a device. */
  settleRetryMs?: number;
}

export interface PortWatcherEvents {
  added: [port: DiscoveredPort];
  removed: [port: DiscoveredPort];
  error: [err: Error];
}

/** In /dev only tty-like names matter; everything else there (shm, loop, pts…) is noise. */
const DEV_RELEVANT = /^(tty|serial|rfcomm|gsm)/;

export class PortWatcher extends EventEmitter<PortWatcherEvents> {
  readonly #deps: PortWatcherDeps;
  readonly #debounceMs: number;
  readonly #rescanMs: number;
  readonly #settleRetryMs: number;
  /** Delay for the rescan the current scan asked for (the settle retry), when not the debounce. */
  #retryDelayMs: number | undefined;
  readonly #watchers = new Map<string, WatchHandle>();
  #ports = new Map<string, DiscoveredPort>();
  #timer: NodeJS.Timeout | undefined;
  #interval: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #rescanWanted = false;
  /** Bumped on every immediate removal: a scan that started earlier must not resurrect the port. */
  #removals = 0;
  #running = false;
  #warned = new Set<string>();
  /** Consecutive scans that found a device udev has not finished with (for the retry backoff). */
  #settleRetries = 0;

  constructor(deps: PortWatcherDeps, options: PortWatcherOptions = {}) {
    super();
    this.#deps = deps;
    this.#debounceMs = options.debounceMs ?? 200;
    this.#rescanMs = options.rescanMs ?? 5 * 60_000;
    this.#settleRetryMs = options.settleRetryMs ?? 300;
  }

  /** The ports present now, by id. */
  get ports(): ReadonlyMap<string, DiscoveredPort> {
    return this.#ports;
  }

  /** Arm the watchers and the periodic rescan, and run the first scan ('added' for each port found). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#interval = setInterval(() => this.#request(0), this.#rescanMs);
    this.#interval.unref();
    await this.#scan();
  }

  /** Close every watcher and timer and wait for a scan in flight; no events after this resolves. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    clearInterval(this.#interval);
    this.#timer = undefined;
    this.#interval = undefined;
    for (const w of this.#watchers.values()) w.close();
    this.#watchers.clear();
    await this.#scanning;
  }

  /** Ask for a rescan now (e.g. after a USB reset the pool itself triggered). */
  rescan(): void {
    this.#request(0);
  }

  #request(delayMs: number): void {
    if (!this.#running) return;
    if (this.#scanning) {
      this.#rescanWanted = true;
      return;
    }
    // Coalesce without postponing: the first signal fixes the deadline, so a busy /dev
    // cannot starve the scan past the 2 s target.
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#scan();
    }, delayMs);
  }

  #scan(): Promise<void> {
    const run = this.#runScan().finally(() => {
      this.#scanning = undefined;
      if (this.#rescanWanted) {
        this.#rescanWanted = false;
        this.#request(this.#retryDelayMs ?? this.#debounceMs);
      }
      this.#retryDelayMs = undefined;
    });
    this.#scanning = run;
    return run;
  }

  async #runScan(): Promise<void> {
    const removalsAtStart = this.#removals;
    let result: DiscoveryResult;
    try {
      result = await this.#deps.discover();
      await this.#refreshWatchers();
    } catch (err) {
      this.#fail(err);
      return;
    }
    if (!this.#running) return;
    if (this.#removals !== removalsAtStart) {
      // A port vanished while we looked; this snapshot may still contain it.
      this.#rescanWanted = true;
      return;
    }
    this.#apply(result.ports);
    this.#logNewWarnings(result.warnings);
    if (result.skipped.some((s) => s.reason === "udev-not-settled")) {
      // udevd is still working on a new device: look again once it has had a moment. A device
      // that never settles (udevd stuck, a node udev never initialises) must not become a
      // rescan every 300 ms forever: each scan forks udevadm. Back off to the periodic rescan.
      this.#settleRetries++;
      this.#rescanWanted = true;
      this.#retryDelayMs = Math.min(this.#settleRetryMs * 2 ** Math.min(this.#settleRetries - 1, 10), this.#rescanMs);
    } else {
      this.#settleRetries = 0;
    }
  }

  #apply(found: readonly DiscoveredPort[]): void {
    const next = new Map(found.map((p) => [p.id, p]));
    const previous = this.#ports;
    this.#ports = next;
    const added: DiscoveredPort[] = [];
    for (const [id, old] of previous) {
      const now = next.get(id);
      // Same identity on a different node (re-enumeration: ttyUSB2 → ttyUSB3) is a replug for the owner.
      if (now && now.devName === old.devName && now.path === old.path) continue;
      this.emit("removed", old);
      if (now) added.push(now);
    }
    for (const [id, port] of next) if (!previous.has(id)) added.push(port);
    for (const port of added) this.emit("added", port);
  }

  /** A lasting condition (no udevadm, colliding by-id links) is logged once, not on every rescan. */
  #logNewWarnings(warnings: readonly string[]): void {
    for (const w of warnings) if (!this.#warned.has(w)) this.#deps.logger?.warn(w);
    this.#warned = new Set(warnings);
  }

  async #refreshWatchers(): Promise<void> {
    const wanted = new Set(await this.#deps.watchDirs());
    if (!this.#running) return;
    for (const [dir, handle] of this.#watchers) {
      if (wanted.has(dir)) continue;
      handle.close();
      this.#watchers.delete(dir);
    }
    const watch = this.#deps.watch ?? nodeWatch;
    for (const dir of wanted) {
      if (this.#watchers.has(dir)) continue;
      try {
        const handle = watch(
          dir,
          (filename) => this.#onChange(dir, filename),
          (err) => this.#onWatchError(dir, err),
        );
        this.#watchers.set(dir, handle);
      } catch {
        // Not there yet (/dev/serial before the first USB serial device): the next scan retries.
      }
    }
  }

  #onWatchError(dir: string, err: Error): void {
    this.#deps.logger?.debug({ dir, err }, "watch failed; re-armed on next scan");
    this.#watchers.get(dir)?.close();
    this.#watchers.delete(dir);
    this.#request(this.#debounceMs);
  }

  #onChange(dir: string, filename: string | null): void {
    if (!this.#running) return;
    if (dir === "/dev" && filename !== null && !DEV_RELEVANT.test(filename)) return;
    if (filename !== null) void this.#checkGone(join(dir, filename));
    this.#request(this.#debounceMs);
  }

  /** Report at once when the changed name belonged to a known port and no longer leads anywhere. */
  async #checkGone(changed: string): Promise<void> {
    const affected = [...this.#ports.values()].filter((p) => p.path === changed || p.devName === changed || p.links.includes(changed));
    if (affected.length === 0) return;
    const exists = this.#deps.exists ?? nodeExists;
    let present: boolean;
    try {
      present = await exists(changed);
    } catch (err) {
      this.#fail(err);
      return;
    }
    if (present || !this.#running) return;
    for (const port of affected) {
      if (this.#ports.get(port.id) !== port) continue;
      this.#ports.delete(port.id);
      this.#removals++;
      this.emit("removed", port);
    }
  }

  #fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    // An 'error' event without a listener would throw out of a timer callback.
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else this.#deps.logger?.warn({ err: error }, "port watcher scan failed");
  }
}
