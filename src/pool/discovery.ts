/**
 * Port discovery: merge what udev, /dev/serial/by-*, the binding's list() and configured
 * globs say into one record per tty, give it an identity that survives re-enumeration
 * (the USB path, not the ttyUSBn index that moves: docs/hardware.md#pool-hardware), filter it, and pick
 * the AT interface of multi-interface modems. Never throws; problems become warnings.
 */
import { probeRank, parseByIdInterface, parseUsbPath, roleFromMmTags, selectAtInterfaces } from "./discovery-select.js";
import {
  linkKind,
  linkName,
  readBindingList,
  readConfigured,
  readLinkDirs,
  readUdevSnapshot,
  udevHasDevice,
  type Candidate,
  type UdevSnapshot,
} from "./discovery-sources.js";
import {
  DEFAULT_SERIAL_DIRS,
  type DiscoveredPort,
  type DiscoveryDeps,
  type DiscoveryOptions,
  type DiscoveryResult,
  type PortSource,
  type SkippedPort,
} from "./discovery-types.js";
import { globMatcher } from "./glob.js";
import { usbProperty } from "./udev.js";

export * from "./discovery-types.js";

/** Discover ports; see {@link discover} for the skipped ones and warnings. */
export async function discoverPorts(deps: DiscoveryDeps, options: DiscoveryOptions = {}): Promise<DiscoveredPort[]> {
  return (await discover(deps, options)).ports;
}

export async function discover(deps: DiscoveryDeps, options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const warnings: string[] = [];
  const serialDirs = options.serialDirs ?? DEFAULT_SERIAL_DIRS;
  const [udev, links, listed, configured] = await Promise.all([
    readUdevSnapshot(deps.spawn, options.udevTimeoutMs, warnings),
    readLinkDirs(deps.fs, serialDirs),
    readBindingList(deps.binding, deps.fs, warnings),
    readConfigured(deps.fs, options.paths ?? [], warnings),
  ]);

  const candidates = new Map<string, Candidate>();
  const candidate = (devName: string): Candidate => {
    let c = candidates.get(devName);
    if (!c) {
      c = { devName, byPath: new Set(), byId: new Set(), configured: [] };
      candidates.set(devName, c);
    }
    return c;
  };
  for (const [devName, device] of udev.ttys) if (udevHasDevice(device)) candidate(devName);
  for (const l of links) (l.kind === "by-id" ? candidate(l.devName).byId : candidate(l.devName).byPath).add(l.link);
  for (const l of listed) candidate(l.devName).listed ??= l.info;
  for (const c of configured) if (!candidate(c.devName).configured.includes(c.path)) candidate(c.devName).configured.push(c.path);
  for (const c of candidates.values()) {
    const device = udev.ttys.get(c.devName);
    if (!device) continue;
    c.udev = device;
    for (const link of device.links) {
      const kind = linkKind(link, serialDirs);
      if (kind === "by-id") c.byId.add(link);
      else if (kind === "by-path") c.byPath.add(link);
    }
  }

  const skipped: SkippedPort[] = [];
  const kept: DiscoveredPort[] = [];
  const excluded = globMatcher(options.exclude ?? []);
  const include = options.include ?? [];
  const included = globMatcher(include);
  for (const c of candidates.values()) {
    const port = describePort(c, udev, deps);
    const names = [port.id, port.path, port.devName, ...port.links];
    // Excluded and not-included first: a port we would skip anyway must not keep the watcher
    // waiting for udev to settle it (a never-initialised /dev/ttyS0 caused a rescan loop).
    const reason = excluded(names)
      ? "excluded"
      : c.configured.length === 0 && include.length > 0 && !included(names)
        ? "not-included"
        : c.udev && udev.running && !c.udev.initialized
          ? "udev-not-settled"
          : isBuiltinUart(c)
              ? "builtin-uart"
              : options.skipMmIgnored && port.mmIgnore
                ? "mm-ignore"
                : undefined;
    if (reason) skipped.push({ port, reason });
    else kept.push(port);
  }

  const selected = selectAtInterfaces(kept);
  skipped.push(...selected.skipped);
  const ports = selected.keep.sort(comparePorts);
  for (const s of skipped) deps.logger?.debug({ port: s.port.id, path: s.port.path, reason: s.reason }, "port skipped");
  // debug, not warn: the watcher rescans every few seconds and reports warnings once when they first appear.
  for (const w of warnings) deps.logger?.debug(w);
  return { ports, skipped: skipped.sort((a, b) => comparePorts(a.port, b.port)), warnings, udev: udev.available };
}

/** Same modem together, AT port first, then by id: the order the pool probes in. */
function comparePorts(a: DiscoveredPort, b: DiscoveredPort): number {
  const ga = a.usbDevice ?? a.id;
  const gb = b.usbDevice ?? b.id;
  if (ga !== gb) return ga < gb ? -1 : 1;
  const r = probeRank(a) - probeRank(b);
  if (r !== 0) return r;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A built-in UART (`/dev/ttyS<n>`) has no modem behind it unless someone wired one; skip
 * it unless config names it or udev puts it on a PCI/USB card (multiport serial cards).
 */
function isBuiltinUart(c: Candidate): boolean {
  if (!/^\/dev\/ttyS\d+$/.test(c.devName) || c.configured.length > 0) return false;
  const bus = c.udev?.properties["ID_BUS"];
  return bus !== "pci" && bus !== "usb";
}

function describePort(c: Candidate, udev: UdevSnapshot, deps: DiscoveryDeps): DiscoveredPort {
  const device = c.udev;
  const byPath = [...c.byPath].sort()[0];
  const byId = [...c.byId].sort().find((l) => !udev.collidingLinks.has(l));
  const idPath = device?.properties["ID_PATH"] || undefined;
  const fallbackPath = c.configured[0] ?? c.listed?.path ?? c.devName;

  const id = byPath ? linkName(byPath) : idPath ? idPath : byId ? linkName(byId) : fallbackPath;
  const path = byPath ?? byId ?? fallbackPath;
  const links = [...new Set([...c.byPath, ...c.byId, ...c.configured, ...(c.listed ? [c.listed.path] : [])])]
    .filter((l) => l !== path && l !== c.devName)
    .sort();

  const usb = (idPath && parseUsbPath(idPath)) || (byPath && parseUsbPath(linkName(byPath))) || undefined;
  const ifHex = device ? usbProperty(device, "INTERFACE_NUM") : undefined;
  const interfaceNumber =
    ifHex !== undefined && /^[0-9a-fA-F]+$/.test(ifHex)
      ? parseInt(ifHex, 16)
      : (usb?.interfaceNumber ?? firstDefined([...c.byId, c.listed?.pnpId ?? ""].map((n) => parseByIdInterface(n))));
  const vendorId = lowerHex(device ? usbProperty(device, "VENDOR_ID") : undefined) ?? lowerHex(c.listed?.vendorId);
  const productId = lowerHex(device ? usbProperty(device, "MODEL_ID") : undefined) ?? lowerHex(c.listed?.productId);
  const role =
    (vendorId && productId && interfaceNumber !== undefined ? deps.interfaceRole?.(vendorId, productId, interfaceNumber) : undefined) ??
    roleFromMmTags(device);
  const usbDevice = usb?.usbDevice ?? (c.listed?.locationId || undefined);
  const serialNumber = (device ? usbProperty(device, "SERIAL_SHORT") : undefined) ?? (c.listed?.serialNumber || undefined);
  const manufacturer =
    (device?.properties["ID_USB_VENDOR_ENC"] ?? device?.properties["ID_VENDOR_ENC"])?.trim() ||
    (device ? usbProperty(device, "VENDOR") : undefined) ||
    c.listed?.manufacturer ||
    undefined;
  const driver = device ? usbProperty(device, "DRIVER") : undefined;
  const mmIgnore = device?.properties["ID_MM_DEVICE_IGNORE"] === "1" || device?.properties["ID_MM_PORT_IGNORE"] === "1";

  const port: DiscoveredPort = { id, path, devName: c.devName, links, source: sourceOf(c) };
  if (vendorId !== undefined) port.vendorId = vendorId;
  if (productId !== undefined) port.productId = productId;
  if (interfaceNumber !== undefined) port.interfaceNumber = interfaceNumber;
  if (role !== undefined) port.role = role;
  if (usbDevice !== undefined) port.usbDevice = usbDevice;
  if (serialNumber !== undefined) port.serialNumber = serialNumber;
  if (manufacturer !== undefined) port.manufacturer = manufacturer;
  if (driver !== undefined) port.driver = driver;
  if (mmIgnore) port.mmIgnore = true;
  return port;
}

function sourceOf(c: Candidate): PortSource {
  if (c.configured.length > 0) return "glob";
  if (c.udev) return "udev";
  if (c.listed) return "list";
  return "links";
}

function lowerHex(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return value.replace(/^0x/i, "").toLowerCase();
}

function firstDefined<T>(values: readonly (T | undefined)[]): T | undefined {
  return values.find((v) => v !== undefined);
}
