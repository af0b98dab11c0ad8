/** Shapes shared by discovery, interface selection and the hot-plug watcher. */
import type { Logger } from "../log/logger.js";
import type { BindingInterface } from "../transport/serial-port.js";
import type { SpawnFn } from "./udev.js";

/** What a USB interface of a multi-interface modem is for (drivers/registry `atInterfaceFor`). */
export type PortRole = "at" | "at-secondary" | "modem" | "diag" | "gps" | "audio";

/** Vendor interface tables, injected so discovery does not import drivers/. */
export type InterfaceRoleFn = (vendorId: string, productId: string, interfaceNumber: number) => PortRole | undefined;

/**
 * Where the port's data came from, strongest first: a configured path/glob, udev's
 * database, the serial binding's list(), or only the /dev/serial/by-* links.
 */
export type PortSource = "glob" | "udev" | "list" | "links";

export interface DiscoveredPort {
  /**
   * Stable identity, in this order: the /dev/serial/by-path link name (systemd
   * 60-serial.rules: `<ID_PATH>[-port<N>]`, tied to the physical USB port); udev's
   * ID_PATH when the link is missing; a by-id link name that no other device claims;
   * the configured or listed path (pty links, simulator paths); the device node.
   */
  id: string;
  /** What to open: by-path link, then a unique by-id link, then the configured/listed path, then the node. */
  path: string;
  /** The device node the links resolve to (`/dev/ttyUSB3`, `/dev/pts/7`): the dedupe key. */
  devName: string;
  /** Every other name that reaches the same node (by-path, by-id, configured links). */
  links: string[];
  vendorId?: string;
  productId?: string;
  /** bInterfaceNumber of the tty's USB interface. */
  interfaceNumber?: number;
  role?: PortRole;
  /** The parent USB device (ID_PATH without `:<config>.<interface>`): ttys of one modem share it. */
  usbDevice?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** Kernel driver (`option`, `ch341`, `cp210x`, `ftdi_sio`, `cdc_acm`). */
  driver?: string;
  /** udev tagged the device ID_MM_DEVICE_IGNORE (our rules do that on purpose, docs/hardware.md#pool-hardware). */
  mmIgnore?: boolean;
  source: PortSource;
}

export type SkipReason =
  | "excluded"
  | "not-included"
  | "builtin-uart"
  | "mm-ignore"
  /** Another interface of the same modem is the AT port, or this one is diag/gps/audio. */
  | "not-at-interface"
  /** udevd has not finished with the device yet; the watcher looks again shortly. */
  | "udev-not-settled";

export interface SkippedPort {
  port: DiscoveredPort;
  reason: SkipReason;
}

export interface DiscoveryResult {
  ports: DiscoveredPort[];
  skipped: SkippedPort[];
  warnings: string[];
  /** udev data was read (udevadm present and ran). */
  udev: boolean;
}

/** The file system calls discovery makes (node:fs/promises fits). */
export interface DiscoveryFs {
  readdir(path: string): Promise<string[]>;
  realpath(path: string): Promise<string>;
}

export interface DiscoveryDeps {
  fs: DiscoveryFs;
  /** Enables the udev source; omit where there is no udevadm (containers, tests). */
  spawn?: SpawnFn;
  /** Enables the list() source (native binding, SimulatedBinding). */
  binding?: Pick<BindingInterface, "list">;
  interfaceRole?: InterfaceRoleFn;
  logger?: Logger;
}

export interface DiscoveryOptions {
  /** Explicit paths and globs to add (`/dev/ttyUSB*`, `/tmp/simgate-sim-*\/modem*`); ptys allowed. */
  paths?: readonly string[];
  /** Keep only ports whose id, path, node or a link matches one of these (configured paths are exempt). */
  include?: readonly string[];
  /** Drop ports whose id, path, node or a link matches one of these (wins over everything). */
  exclude?: readonly string[];
  /** Skip devices udev tagged ID_MM_DEVICE_IGNORE. Off by default: our own rules set that tag. */
  skipMmIgnored?: boolean;
  /** Directories of stable links to read. */
  serialDirs?: readonly string[];
  udevTimeoutMs?: number;
}

/** by-path and by-id from systemd 60-serial.rules; /dev/simgate from our own udev rules (udev/99-simgate.rules, same names as by-path). */
export const DEFAULT_SERIAL_DIRS = ["/dev/serial/by-path", "/dev/serial/by-id", "/dev/simgate"] as const;
