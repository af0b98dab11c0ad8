/**
 * The four places a serial port can be found, each read independently and without
 * throwing: udev's database, the /dev/serial/by-* link directories, the binding's
 * list(), and configured paths/globs. Everything is keyed by the device node the
 * name resolves to (fs.realpath), so `/dev/serial/by-path/…`, `/dev/serial/by-id/…`
 * and `/dev/ttyUSB3` become one candidate.
 */
import { basename } from "node:path";
import type { BindingInterface } from "../transport/serial-port.js";
import type { DiscoveryFs } from "./discovery-types.js";
import { expandGlob, hasGlobMagic } from "./glob.js";
import { readUdevDb, type SpawnFn, type UdevDevice } from "./udev.js";

export type ListedPort = Awaited<ReturnType<BindingInterface["list"]>>[number];

export interface Candidate {
  devName: string;
  /** Links from a by-path-style directory (named after the USB path). */
  byPath: Set<string>;
  /** Links from a by-id directory (named after vendor, model, serial). */
  byId: Set<string>;
  /** Configured paths (plain or glob matches) that resolve here, in config order. */
  configured: string[];
  listed?: ListedPort;
  udev?: UdevDevice;
}

export interface UdevSnapshot {
  available: boolean;
  /** udevd is processing events (some device carries USEC_INITIALIZED). */
  running: boolean;
  ttys: Map<string, UdevDevice>;
  /** by-id links claimed by more than one device: CH340s without serial numbers (docs/hardware.md#pool-hardware). */
  collidingLinks: Set<string>;
}

export type LinkKind = "by-path" | "by-id";

/** A `…/by-id` directory holds vendor-serial names; any other (by-path, our gsmpool/) holds USB-path names. */
export function linkKind(dirOrLink: string, serialDirs: readonly string[]): LinkKind | undefined {
  const dir = serialDirs.find((d) => dirOrLink === d || dirOrLink.startsWith(`${d}/`));
  if (dir === undefined) return undefined;
  return /by-id\/?$/.test(dir) ? "by-id" : "by-path";
}

export async function readUdevSnapshot(spawn: SpawnFn | undefined, timeoutMs: number | undefined, warnings: string[]): Promise<UdevSnapshot> {
  const snapshot: UdevSnapshot = { available: false, running: false, ttys: new Map(), collidingLinks: new Set() };
  if (!spawn) return snapshot;
  const db = await readUdevDb(spawn, timeoutMs === undefined ? {} : { timeoutMs });
  warnings.push(...db.warnings);
  snapshot.available = db.available && db.devices.length > 0;
  const claims = new Map<string, number>();
  for (const device of db.devices) {
    if (device.initialized) snapshot.running = true;
    if (device.subsystem !== "tty" || !device.devName) continue;
    snapshot.ttys.set(device.devName, device);
    for (const link of device.links) claims.set(link, (claims.get(link) ?? 0) + 1);
  }
  for (const [link, count] of claims) {
    if (count < 2) continue;
    snapshot.collidingLinks.add(link);
    warnings.push(`${link} is claimed by ${count} devices (no USB serial numbers); not used as an identity`);
  }
  return snapshot;
}

/**
 * A udev tty is a discovery source only when a real device sits behind it: a USB or PCI
 * bus, a USB path, or a ttyUSB/ttyACM name. Virtual consoles, /dev/console, /dev/ptmx and
 * unused legacy ttyS ports never qualify.
 */
export function udevHasDevice(device: UdevDevice): boolean {
  const p = device.properties;
  return Boolean(p["ID_BUS"] || p["ID_PATH"] || /\/tty(USB|ACM)\d+$/.test(device.devName ?? ""));
}

export interface ResolvedLink {
  link: string;
  devName: string;
  kind: LinkKind;
}

/** Read the link directories; a missing directory is normal (no USB serial device plugged). */
export async function readLinkDirs(fs: DiscoveryFs, dirs: readonly string[]): Promise<ResolvedLink[]> {
  const out: ResolvedLink[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    const kind = linkKind(dir, dirs) ?? "by-path";
    for (const name of names.sort()) {
      const link = `${dir}/${name}`;
      const devName = await realpathOrUndefined(fs, link);
      // A dangling link is a device udev has not cleaned up yet: treat it as gone.
      if (devName !== undefined) out.push({ link, devName, kind });
    }
  }
  return out;
}

export interface ListedEntry {
  info: ListedPort;
  devName: string;
}

/** The binding's list(). Paths that are not files (SimulatedBinding's `/sim/modem0`) key on themselves. */
export async function readBindingList(
  binding: Pick<BindingInterface, "list"> | undefined,
  fs: DiscoveryFs,
  warnings: string[],
): Promise<ListedEntry[]> {
  if (!binding) return [];
  let listed: ListedPort[];
  try {
    listed = await binding.list();
  } catch (err) {
    // The native binding runs udevadm itself and rejects where it is missing.
    warnings.push(`serial binding list() failed: ${(err as Error).message}`);
    return [];
  }
  const out: ListedEntry[] = [];
  for (const info of listed) {
    if (!info.path) continue;
    out.push({ info, devName: (await realpathOrUndefined(fs, info.path)) ?? info.path });
  }
  return out;
}

export interface ConfiguredEntry {
  path: string;
  devName: string;
}

/** Configured plain paths and globs. A plain path that does not exist is worth a warning; an empty glob is not. */
export async function readConfigured(fs: DiscoveryFs, patterns: readonly string[], warnings: string[]): Promise<ConfiguredEntry[]> {
  const out: ConfiguredEntry[] = [];
  for (const pattern of patterns) {
    for (const path of await expandGlob(pattern, fs)) {
      const devName = await realpathOrUndefined(fs, path);
      if (devName !== undefined) out.push({ path, devName });
      else if (!hasGlobMagic(pattern)) warnings.push(`configured port ${path} does not exist`);
    }
  }
  return out;
}

async function realpathOrUndefined(fs: DiscoveryFs, path: string): Promise<string | undefined> {
  try {
    return await fs.realpath(path);
  } catch {
    return undefined;
  }
}

/** `…:1.4:1.2-port0` → the name without the directory, for ids. */
export function linkName(link: string): string {
  return basename(link);
}
