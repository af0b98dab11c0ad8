/**
 * The driver list and how a modem is matched to one: a score over USB ids and the
 * `AT+CGMI`/`AT+CGMM` answers, best score wins, the generic driver is the floor
 * (herdsman adapterDiscovery.ts UsbFingerprintMatchScore; docs/conventions.md#rule-2).
 */
import { genericDriver } from "./generic/index.js";
import { huaweiDriver } from "./huawei/index.js";
import { quectelDriver } from "./quectel/index.js";
import { simcomDriver } from "./simcom/index.js";
import type { DriverDescriptor, UsbId, UsbInterfaceRole } from "./types.js";
import { wavecomDriver } from "./wavecom/index.js";
import { zteDriver } from "./zte/index.js";

/** Vendor drivers in tie-break order; the generic driver is not listed, it is the floor. */
export const DRIVERS: readonly DriverDescriptor[] = [simcomDriver, quectelDriver, huaweiDriver, wavecomDriver, zteDriver];

export { genericDriver };

/**
 * Match strength. Each value is the sum of the evidence that matched (vendor id 1 or
 * vendor+product id 2, model 4, manufacturer 8), so the module's own word beats USB ids
 * (UC20 and SIM5320 sit under Qualcomm's VID; a pool bridge says nothing), and any
 * combination beats its parts.
 */
export enum MatchScore {
  Generic = 0,
  Vid = 1,
  VidPid = 2,
  Model = 4,
  VidModel = 5,
  VidPidModel = 6,
  Manufacturer = 8,
  VidManufacturer = 9,
  VidPidManufacturer = 10,
  ManufacturerModel = 12,
  VidManufacturerModel = 13,
  VidPidManufacturerModel = 14,
}

export interface DriverEvidence {
  /** USB ids of the device the tty belongs to (hex, any case, with or without 0x). */
  vendorId?: string | null;
  productId?: string | null;
  /** Raw or parsed `AT+CGMI` / `AT+CGMM` answers. */
  manufacturer?: string | null;
  model?: string | null;
  interfaceNumber?: string | number | null;
}

export interface DriverSelection {
  driver: DriverDescriptor;
  score: MatchScore;
  reasons: string[];
}

/**
 * USB-UART bridges that pools put in front of UART modules (docs/hardware.md#pool-hardware): their ids
 * identify the bridge, not the modem, so they count for nothing.
 */
export const USB_UART_BRIDGES: Readonly<Record<string, string>> = {
  "1a86:7523": "CH340/CH341",
  "1a86:55d4": "CH9102",
  "10c4:ea60": "CP210x",
  "067b:2303": "PL2303",
  "0403:6001": "FTDI FT232",
  "0403:6010": "FTDI FT2232",
  "0403:6011": "FTDI FT4232",
  "0403:6014": "FTDI FT232H",
  "0403:6015": "FTDI FT-X",
};

/** Vendors that make USB-UART bridges and no modems: any of their products is a bridge (CH348/CH9344 multi-port chips too). */
export const USB_UART_BRIDGE_VENDORS: Readonly<Record<string, string>> = {
  "1a86": "WCH",
  "10c4": "Silicon Labs",
  "067b": "Prolific",
  "0403": "FTDI",
};

function bridgeName(vid: string | undefined, pid: string | undefined): string | undefined {
  if (!vid) return undefined;
  const known = pid ? USB_UART_BRIDGES[`${vid}:${pid}`] : undefined;
  if (known) return known;
  const vendor = USB_UART_BRIDGE_VENDORS[vid];
  return vendor ? `${vendor} USB-UART` : undefined;
}

export function normaliseUsbId(id: string | null | undefined): string | undefined {
  if (id === null || id === undefined) return undefined;
  const hex = id.trim().toLowerCase().replace(/^0x/, "");
  return /^[0-9a-f]{1,4}$/.test(hex) ? hex.padStart(4, "0") : undefined;
}

/** `+CGMI: SIMCOM_Ltd`, `" WAVECOM MODEM"`, `" MULTIBAND  900E  1800 "` → trimmed, prefix-free, single spaces. */
export function normaliseIdentity(text: string | null | undefined): string | undefined {
  if (text === null || text === undefined) return undefined;
  const line = text
    .replace(/^\s*(\+C?GM[IM]|Manufacturer|Model)\s*:\s*/i, "")
    .replace(/"/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return line.length > 0 ? line : undefined;
}

function usbScore(driver: DriverDescriptor, vid: string | undefined, pid: string | undefined): { score: number; entry?: UsbId } {
  if (!vid) return { score: 0 };
  const entries = driver.match.usb ?? [];
  const exact = entries.find((u) => u.vendorId === vid && u.productId !== undefined && u.productId === pid);
  if (exact) return { score: MatchScore.VidPid, entry: exact };
  const vendorWide = entries.find((u) => u.vendorId === vid && u.productId === undefined);
  return vendorWide ? { score: MatchScore.Vid, entry: vendorWide } : { score: 0 };
}

function scoreDriver(driver: DriverDescriptor, vid: string | undefined, pid: string | undefined, manufacturer: string | undefined, model: string | undefined) {
  const reasons: string[] = [];
  const usb = usbScore(driver, vid, pid);
  let score = usb.score;
  if (usb.score === MatchScore.VidPid) reasons.push(`USB ${vid}:${pid} is ${driver.name}${usb.entry?.models ? ` ${usb.entry.models}` : ""}`);
  else if (usb.score === MatchScore.Vid) reasons.push(`USB vendor ${vid} is ${driver.name}`);
  if (model && driver.match.model?.test(model)) {
    score += MatchScore.Model;
    reasons.push(`model "${model}" matches ${driver.match.model}`);
  }
  if (manufacturer && driver.match.manufacturer?.test(manufacturer)) {
    score += MatchScore.Manufacturer;
    reasons.push(`manufacturer "${manufacturer}" matches ${driver.match.manufacturer}`);
  }
  return { score: score as MatchScore, reasons };
}

/**
 * The best driver for what we know about a port. Ties go to the earlier driver in
 * DRIVERS; nothing matching gives the generic driver with score Generic.
 */
export function selectDriver(evidence: DriverEvidence, drivers: readonly DriverDescriptor[] = DRIVERS): DriverSelection {
  const vid = normaliseUsbId(evidence.vendorId);
  const pid = normaliseUsbId(evidence.productId);
  const manufacturer = normaliseIdentity(evidence.manufacturer);
  const model = normaliseIdentity(evidence.model);
  const bridge = bridgeName(vid, pid);
  const context = bridge ? [`USB ${vid}:${pid ?? "?"} is a ${bridge} bridge: its ids say nothing about the module`] : [];

  let best: DriverSelection | undefined;
  for (const driver of drivers) {
    const { score, reasons } = bridge ? scoreDriver(driver, undefined, undefined, manufacturer, model) : scoreDriver(driver, vid, pid, manufacturer, model);
    if (score > (best?.score ?? MatchScore.Generic)) best = { driver, score, reasons: [...context, ...reasons] };
  }
  if (best) return best;
  const why = [
    ...context,
    manufacturer || model
      ? `no driver matches manufacturer "${manufacturer ?? ""}" / model "${model ?? ""}"`
      : "no USB ids or identity strings to match",
  ];
  return { driver: genericDriver, score: MatchScore.Generic, reasons: [...why, "using the generic 27.007 driver"] };
}

export function driverByName(name: string, drivers: readonly DriverDescriptor[] = DRIVERS): DriverDescriptor | undefined {
  return name === genericDriver.name ? genericDriver : drivers.find((d) => d.name === name);
}

function usbEntryFor(vid: string, pid: string | undefined, drivers: readonly DriverDescriptor[]): UsbId | undefined {
  let vendorWide: UsbId | undefined;
  for (const d of drivers) {
    for (const u of d.match.usb ?? []) {
      if (u.vendorId !== vid) continue;
      if (u.productId !== undefined && u.productId === pid) return u;
      if (u.productId === undefined) vendorWide ??= u;
    }
  }
  return vendorWide;
}

/**
 * The role of one USB interface of a multi-interface modem, from the per-model tables
 * (and Huawei's bInterfaceProtocol convention), so discovery can open the AT port first.
 * Undefined when we do not know: probe it. Fits src/pool InterfaceRoleFn.
 */
export function atInterfaceFor(
  vendorId: string | null | undefined,
  productId: string | null | undefined,
  interfaceNumber: string | number | null | undefined,
  interfaceProtocol?: string | number | null,
  drivers: readonly DriverDescriptor[] = DRIVERS,
): UsbInterfaceRole | undefined {
  const vid = normaliseUsbId(vendorId);
  if (!vid) return undefined;
  const entry = usbEntryFor(vid, normaliseUsbId(productId), drivers);
  if (!entry || entry.noAt) return undefined;
  const ifnum = twoHex(interfaceNumber);
  if (ifnum !== undefined && entry.interfaces?.[ifnum]) return entry.interfaces[ifnum];
  const proto = twoHex(interfaceProtocol);
  if (proto !== undefined && entry.protocols?.[proto]) return entry.protocols[proto];
  return undefined;
}

/** Why a USB composition has no AT port at all (Huawei HiLink, CD-ROM mode), or undefined. */
export function usbCompositionWithoutAt(
  vendorId: string | null | undefined,
  productId: string | null | undefined,
  drivers: readonly DriverDescriptor[] = DRIVERS,
): string | undefined {
  const vid = normaliseUsbId(vendorId);
  const pid = normaliseUsbId(productId);
  if (!vid || !pid) return undefined;
  for (const d of drivers) for (const u of d.match.usb ?? []) if (u.vendorId === vid && u.productId === pid && u.noAt) return u.noAt;
  return undefined;
}

/** bInterfaceNumber/Protocol as sysfs prints them: two hex digits. Numbers are taken as values. */
function twoHex(v: string | number | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "number") return Number.isInteger(v) && v >= 0 && v < 256 ? v.toString(16).padStart(2, "0") : undefined;
  const t = v.trim().toLowerCase().replace(/^0x/, "");
  return /^[0-9a-f]{1,2}$/.test(t) ? t.padStart(2, "0") : undefined;
}

/** Whether the port will vanish on the driver's soft reset (USB-native module vs UART behind a bridge). */
export function resetReenumerates(selection: DriverSelection, evidence: DriverEvidence): boolean {
  const mode = selection.driver.resetReenumerates;
  if (mode !== "usb-native") return mode === "always";
  const vid = normaliseUsbId(evidence.vendorId);
  const pid = normaliseUsbId(evidence.productId);
  // A module behind a bridge restarts without the tty going away; a USB module is the USB device.
  return vid !== undefined && bridgeName(vid, pid) === undefined;
}
