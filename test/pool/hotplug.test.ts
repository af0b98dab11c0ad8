import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import type { DiscoveredPort, DiscoveryResult, SkippedPort } from "../../src/pool/discovery.js";
import { createPortWatcher, PortWatcher, watchDirectories, type PortWatcherOptions, type WatchFn } from "../../src/pool/hotplug.js";
import { FakeFs } from "./fakes.js";

/** Directory watches the test can fire by hand. */
class FakeWatch {
  readonly open = new Map<string, { onChange: (f: string | null) => void; onError: (e: Error) => void }>();
  readonly missing = new Set<string>();
  closed = 0;
  readonly fn: WatchFn = (dir, onChange, onError) => {
    if (this.missing.has(dir)) throw Object.assign(new Error(`ENOENT ${dir}`), { code: "ENOENT" });
    this.open.set(dir, { onChange, onError });
    return {
      close: () => {
        this.closed++;
        this.open.delete(dir);
      },
    };
  };
  fire(dir: string, filename: string | null): void {
    this.open.get(dir)?.onChange(filename);
  }
}

function port(n: number, devName = `/dev/ttyUSB${n}`): DiscoveredPort {
  const id = `pci-0000:00:14.0-usb-0:2.${n}:1.0-port0`;
  return { id, path: `/dev/serial/by-path/${id}`, devName, links: [], source: "udev" };
}

/** A discovery whose answer the test sets; `gate` holds a scan open to race it. */
class FakeDiscovery {
  ports: DiscoveredPort[] = [];
  skipped: SkippedPort[] = [];
  calls = 0;
  gate: Promise<void> | undefined;
  fail: Error | undefined;
  readonly fn = async (): Promise<DiscoveryResult> => {
    this.calls++;
    const snapshot = { ports: [...this.ports], skipped: [...this.skipped], warnings: [], udev: true };
    await this.gate;
    if (this.fail) throw this.fail;
    return snapshot;
  };
}

const DIRS = ["/dev", "/dev/serial/by-path"];
const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });

describe("PortWatcher", () => {
  let watcher: PortWatcher | undefined;
  let watch: FakeWatch;
  let discovery: FakeDiscovery;
  let present: Set<string>;

  function make(options: PortWatcherOptions = {}, dirs = DIRS): PortWatcher {
    watch = new FakeWatch();
    discovery ??= new FakeDiscovery();
    present ??= new Set();
    watcher = new PortWatcher(
      { discover: discovery.fn, watchDirs: async () => dirs, watch: watch.fn, exists: async (p) => present.has(p) },
      { debounceMs: 20, rescanMs: 60_000, ...options },
    );
    return watcher;
  }

  afterEach(async () => {
    await watcher?.stop();
    expect(watch.open.size).toBe(0);
    watcher = undefined;
    discovery = undefined as unknown as FakeDiscovery;
    present = undefined as unknown as Set<string>;
  });

  it("reports the ports present at start and watches the directories", async () => {
    discovery = new FakeDiscovery();
    discovery.ports = [port(1), port(2)];
    const w = make();
    const added: string[] = [];
    w.on("added", (p) => added.push(p.devName));
    await w.start();
    expect(added).toEqual(["/dev/ttyUSB1", "/dev/ttyUSB2"]);
    expect([...w.ports.keys()]).toEqual([port(1).id, port(2).id]);
    expect([...watch.open.keys()]).toEqual(DIRS);
  });

  it("reports a vanished port at once, without waiting for a scan", async () => {
    discovery = new FakeDiscovery();
    discovery.ports = [port(1)];
    present = new Set(["/dev/ttyUSB1"]);
    const w = make({ debounceMs: 60_000 });
    await w.start();
    present.delete("/dev/ttyUSB1");
    discovery.ports = [];
    const removed = once(w, "removed", within(500));
    watch.fire("/dev", "ttyUSB1");
    const [gone] = (await removed) as [DiscoveredPort];
    expect(gone.devName).toBe("/dev/ttyUSB1");
    expect(discovery.calls).toBe(1);
    expect(w.ports.size).toBe(0);
  });

  it("ignores a watch event for a name that still exists, and /dev noise entirely", async () => {
    discovery = new FakeDiscovery();
    discovery.ports = [port(1)];
    present = new Set(["/dev/ttyUSB1"]);
    const w = make();
    await w.start();
    let removed = 0;
    w.on("removed", () => removed++);
    watch.fire("/dev", "shm");
    watch.fire("/dev", "loop0");
    await new Promise((r) => setTimeout(r, 60));
    expect(discovery.calls).toBe(1);
    watch.fire("/dev", "ttyUSB1");
    await once(w, "added", within(50)).catch(() => undefined);
    expect(removed).toBe(0);
    expect(discovery.calls).toBe(2);
  });

  it("scans shortly after a node appears and reports the new port", async () => {
    discovery = new FakeDiscovery();
    const w = make();
    await w.start();
    discovery.ports = [port(3)];
    const started = Date.now();
    const added = once(w, "added", within(2000));
    watch.fire("/dev/serial/by-path", port(3).id);
    watch.fire("/dev", "ttyUSB3");
    const [p] = (await added) as [DiscoveredPort];
    expect(p.id).toBe(port(3).id);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(discovery.calls).toBe(2);
  });

  it("treats the same identity on a new tty (re-enumeration) as removed then added", async () => {
    discovery = new FakeDiscovery();
    discovery.ports = [port(1)];
    const w = make();
    await w.start();
    const events: string[] = [];
    w.on("removed", (p) => events.push(`-${p.devName}`));
    w.on("added", (p) => events.push(`+${p.devName}`));
    discovery.ports = [port(1, "/dev/ttyUSB4")];
    const added = once(w, "added", within(1000));
    w.rescan();
    await added;
    expect(events).toEqual(["-/dev/ttyUSB1", "+/dev/ttyUSB4"]);
  });

  it("catches what the watches missed with the periodic rescan", async () => {
    discovery = new FakeDiscovery();
    const w = make({ rescanMs: 40 });
    await w.start();
    discovery.ports = [port(5)];
    const [p] = (await once(w, "added", within(1000))) as [DiscoveredPort];
    expect(p.devName).toBe("/dev/ttyUSB5");
  });

  it("does not let a scan that started before a removal bring the port back", async () => {
    discovery = new FakeDiscovery();
    discovery.ports = [port(1)];
    present = new Set(["/dev/ttyUSB1"]);
    const w = make();
    await w.start();
    const events: string[] = [];
    w.on("removed", (p) => events.push(`-${p.devName}`));
    w.on("added", (p) => events.push(`+${p.devName}`));
    let open!: () => void;
    discovery.gate = new Promise((r) => (open = r));
    w.rescan();
    await new Promise((r) => setTimeout(r, 10));
    expect(discovery.calls).toBe(2);
    // The port goes while that scan, which still saw it, is in flight.
    present.delete("/dev/ttyUSB1");
    discovery.ports = [];
    watch.fire("/dev", "ttyUSB1");
    await once(w, "removed", within(500));
    discovery.gate = undefined;
    open();
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual(["-/dev/ttyUSB1"]);
    expect(discovery.calls).toBe(3);
  });

  it("looks again soon while udevd is still settling a device", async () => {
    discovery = new FakeDiscovery();
    discovery.skipped = [{ port: port(7), reason: "udev-not-settled" }];
    const w = make();
    await w.start();
    discovery.skipped = [];
    discovery.ports = [port(7)];
    const [p] = (await once(w, "added", within(1000))) as [DiscoveredPort];
    expect(p.devName).toBe("/dev/ttyUSB7");
  });

  it("backs off when a device never settles: a handful of scans, not one every settle retry", async () => {
    discovery = new FakeDiscovery();
    discovery.skipped = [{ port: port(7), reason: "udev-not-settled" }];
    const w = make({ settleRetryMs: 20, rescanMs: 60_000 });
    await w.start();
    // Without backoff: 1 + 600/20 = 31 scans in 600 ms. With it: 20, 40, 80, 160, 320 ms → about 5.
    await new Promise((r) => setTimeout(r, 600));
    expect(discovery.calls).toBeGreaterThanOrEqual(2); // it does keep looking
    expect(discovery.calls).toBeLessThanOrEqual(7);
  });

  it("arms a watch on a directory that appears later (/dev/serial after the first plug)", async () => {
    discovery = new FakeDiscovery();
    const w = make();
    watch.missing.add("/dev/serial/by-path");
    await w.start();
    expect([...watch.open.keys()]).toEqual(["/dev"]);
    watch.missing.clear();
    watch.fire("/dev", "serial");
    await new Promise((r) => setTimeout(r, 80));
    expect([...watch.open.keys()].sort()).toEqual(DIRS);
  });

  it("re-arms a watch that failed", async () => {
    discovery = new FakeDiscovery();
    const w = make();
    await w.start();
    watch.open.get("/dev/serial/by-path")?.onError(new Error("EPERM"));
    expect(watch.open.has("/dev/serial/by-path")).toBe(false);
    await new Promise((r) => setTimeout(r, 80));
    expect(watch.open.has("/dev/serial/by-path")).toBe(true);
  });

  it("reports a failing discovery as 'error'", async () => {
    discovery = new FakeDiscovery();
    const w = make();
    await w.start();
    discovery.fail = new Error("boom");
    const failed = once(w, "error", within(1000));
    w.rescan();
    const [err] = (await failed) as [Error];
    expect(err.message).toBe("boom");
  });

  it("stops every watch and timer: no scans after stop()", async () => {
    discovery = new FakeDiscovery();
    const w = make({ rescanMs: 10 });
    await w.start();
    watch.fire("/dev", "ttyUSB9");
    await w.stop();
    const calls = discovery.calls;
    expect(watch.open.size).toBe(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(discovery.calls).toBe(calls);
  });
});

describe("watchDirectories", () => {
  it("watches /dev, the link directories and what configured globs depend on", async () => {
    const fs = new FakeFs({ links: { "/tmp/simgate-sim-1-a/modem0": "/dev/pts/1" } });
    expect(await watchDirectories({ paths: ["/tmp/simgate-sim-*/modem*", "/dev/ttyUSB*"] }, fs)).toEqual([
      "/dev",
      "/dev/serial/by-id",
      "/dev/serial/by-path",
      "/dev/simgate",
      "/tmp",
      "/tmp/simgate-sim-1-a",
    ]);
  });
});

describe("createPortWatcher", () => {
  it("wires discover() and the watch list from the same deps and options", async () => {
    const fs = new FakeFs({ nodes: ["/dev/pts/3"], links: { "/run/pool/modem0": "/dev/pts/3" } });
    const watch = new FakeWatch();
    const w = createPortWatcher({ fs, watch: watch.fn, exists: (p) => fs.exists(p) }, { paths: ["/run/pool/modem*"], serialDirs: [] });
    const added: string[] = [];
    w.on("added", (p) => added.push(p.id));
    try {
      await w.start();
      expect(added).toEqual(["/run/pool/modem0"]);
      expect([...watch.open.keys()].sort()).toEqual(["/dev", "/run/pool"]);
      fs.links.delete("/run/pool/modem0");
      const removed = once(w, "removed", within(500));
      watch.fire("/run/pool", "modem0");
      await removed;
    } finally {
      await w.stop();
    }
    expect(watch.open.size).toBe(0);
  });
});
