/** Test doubles for discovery: an in-memory /dev tree with symlinks, and a spawn that replays udevadm output. */
import { EventEmitter } from "node:events";
import { dirname, posix } from "node:path";
import { Readable } from "node:stream";
import type { DiscoveryFs } from "../../src/pool/discovery.js";
import type { SpawnedProcess, SpawnFn } from "../../src/pool/udev.js";
import { parseUdevExport } from "../../src/pool/udev.js";

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, '${path}'`), { code: "ENOENT" });
}

/** Device nodes and symlinks (targets may be relative, like udev's `../../ttyUSB2`). */
export class FakeFs implements DiscoveryFs {
  readonly nodes = new Set<string>();
  readonly links = new Map<string, string>();
  readdirCalls = 0;

  constructor(init: { nodes?: string[]; links?: Record<string, string> } = {}) {
    for (const n of init.nodes ?? []) this.nodes.add(n);
    for (const [l, t] of Object.entries(init.links ?? {})) this.links.set(l, t);
  }

  #all(): string[] {
    return [...this.nodes, ...this.links.keys()];
  }

  async readdir(path: string): Promise<string[]> {
    this.readdirCalls++;
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const names = new Set<string>();
    for (const p of this.#all()) if (p.startsWith(prefix)) names.add(p.slice(prefix.length).split("/")[0] as string);
    if (names.size === 0) throw enoent(path);
    return [...names].sort();
  }

  async realpath(path: string): Promise<string> {
    let current = path;
    for (let hops = 0; hops < 16; hops++) {
      const target = this.links.get(current);
      if (target === undefined) break;
      current = posix.resolve(dirname(current), target);
    }
    if (this.nodes.has(current)) return current;
    throw enoent(path);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.realpath(path);
      return true;
    } catch {
      return false;
    }
  }
}

/** The /dev tree a udev dump implies: every DEVNAME a node, every S: link a relative symlink (last claimant wins, as in udev). */
export function fsFromUdev(text: string): FakeFs {
  const fs = new FakeFs();
  for (const d of parseUdevExport(text).devices) {
    if (!d.devName) continue;
    fs.nodes.add(d.devName);
    for (const link of d.links) fs.links.set(link, posix.relative(dirname(link), d.devName));
  }
  return fs;
}

/** A spawn that prints `stdout` and exits with `code`, or fails like a missing binary. */
export function fakeSpawn(script: { stdout?: string; code?: number; error?: string; hang?: boolean }): SpawnFn & { calls: string[][] } {
  const calls: string[][] = [];
  const fn = (command: string, args: readonly string[]): SpawnedProcess => {
    calls.push([command, ...args]);
    const child = new EventEmitter() as EventEmitter & SpawnedProcess & { killed?: string };
    const stdout = script.error || script.hang ? new Readable({ read() {} }) : Readable.from([Buffer.from(script.stdout ?? "")]);
    Object.assign(child, {
      stdout,
      kill: (signal?: string) => {
        child.killed = String(signal);
        stdout.destroy();
        setImmediate(() => child.emit("close", null, signal));
        return true;
      },
    });
    if (script.error) {
      setImmediate(() => {
        child.emit("error", Object.assign(new Error(`spawn ${command} ${script.error}`), { code: script.error }));
        child.emit("close", -2, null);
      });
    } else if (!script.hang) {
      stdout.on("end", () => setImmediate(() => child.emit("close", script.code ?? 0, null)));
    }
    return child;
  };
  return Object.assign(fn, { calls });
}
