/**
 * Multi-interface USB modems: which tty is the AT port. A Quectel EC25 shows DM, NMEA,
 * AT and AT/PPP on if00–if03; a SIM7600 shows QCDM, GPS, AT, AT/PPP, audio on if00–if04;
 * a Huawei E173 shows modem, voice/diag and PCUI (docs/hardware.md#vendor-notes). Only one of them gets
 * the modem's URCs, and two owners on one modem fight over it, so the pool should drive
 * the primary AT interface and leave the rest alone.
 */
import type { DiscoveredPort, PortRole, SkippedPort } from "./discovery-types.js";
import type { UdevDevice } from "./udev.js";

/** Interfaces that never carry AT commands: probing them wastes seconds and may confuse the DM port. */
const NEVER_AT: ReadonlySet<PortRole> = new Set(["diag", "gps", "audio"]);

/**
 * The USB part of a path_id name: `<controller>-usb-0:<ports>:<config>.<interface>`, with
 * `-port<N>` added by 60-serial.rules for usb-serial ttys; systemd ≥ 252 may spell the bus
 * `usbv2`/`usbv3` in ID_PATH_WITH_USB_REVISION (accepted here too).
 */
const USB_PATH = /^(.*-usbv?\d?-\d+:[0-9.]+):(\d+)\.(\d+)(?:-port\d+)?$/;

/** `pci-0000:00:14.0-usb-0:1.4:1.2-port0` → usbDevice `pci-0000:00:14.0-usb-0:1.4`, interface 2. */
export function parseUsbPath(name: string): { usbDevice: string; interfaceNumber: number } | undefined {
  const m = USB_PATH.exec(name);
  if (!m) return undefined;
  return { usbDevice: m[1] as string, interfaceNumber: Number(m[3]) };
}

/** by-id names end in `-if<NN>[-port<N>]`, NN being ID_USB_INTERFACE_NUM (two hex digits). */
export function parseByIdInterface(name: string): number | undefined {
  const m = /-if([0-9a-fA-F]{2})(?:-port\d+)?$/.exec(name);
  return m ? parseInt(m[1] as string, 16) : undefined;
}

/**
 * ModemManager's port-type tags, present when its vendor rules are installed
 * (e.g. 77-mm-quectel-port-types.rules): a second opinion after the injected tables.
 */
export function roleFromMmTags(device: UdevDevice | undefined): PortRole | undefined {
  const p = device?.properties;
  if (!p) return undefined;
  if (p["ID_MM_PORT_TYPE_AT_PRIMARY"] === "1") return "at";
  if (p["ID_MM_PORT_TYPE_AT_SECONDARY"] === "1") return "at-secondary";
  if (p["ID_MM_PORT_TYPE_AT_PPP"] === "1") return "modem";
  if (p["ID_MM_PORT_TYPE_QCDM"] === "1") return "diag";
  if (p["ID_MM_PORT_TYPE_GPS"] === "1") return "gps";
  return undefined;
}

/**
 * Per USB device: keep the "at" interfaces when the tables name one; otherwise keep every
 * interface that might answer AT (at-secondary, modem, unknown) so the prober can try them
 * in turn, grouped by `usbDevice`. diag/gps/audio interfaces are always set aside.
 */
export function selectAtInterfaces(ports: readonly DiscoveredPort[]): { keep: DiscoveredPort[]; skipped: SkippedPort[] } {
  const keep: DiscoveredPort[] = [];
  const skipped: SkippedPort[] = [];
  const groups = new Map<string, DiscoveredPort[]>();
  for (const port of ports) {
    if (port.role !== undefined && NEVER_AT.has(port.role)) {
      skipped.push({ port, reason: "not-at-interface" });
    } else if (port.usbDevice === undefined) {
      keep.push(port);
    } else {
      const group = groups.get(port.usbDevice) ?? [];
      group.push(port);
      groups.set(port.usbDevice, group);
    }
  }
  for (const group of groups.values()) {
    const primary = group.filter((p) => p.role === "at");
    if (primary.length === 0) {
      keep.push(...group);
      continue;
    }
    keep.push(...primary);
    for (const port of group) if (port.role !== "at") skipped.push({ port, reason: "not-at-interface" });
  }
  return { keep, skipped };
}

/** Probe order inside a group: at, at-secondary, unknown, modem; then by interface number. */
export function probeRank(port: DiscoveredPort): number {
  const byRole = port.role === "at" ? 0 : port.role === "at-secondary" ? 1 : port.role === undefined ? 2 : 3;
  return byRole * 1000 + (port.interfaceNumber ?? 999);
}
