/**
 * Read udev's view of the tty devices: `udevadm info --export-db` (all devices) or
 * `udevadm info -q property -n <dev>` (one device). udevadm is a separate binary and is
 * absent in most containers and CI images, so everything here degrades to "no data"
 * with a warning and never throws (docs/conventions.md#rule-3: `spawn` is injected, as in
 * node-serialport's `linuxList(spawn)`, tested with a captured dump per docs/conventions.md#node-serialport).
 *
 * Export-db records (one per device, blank-line separated):
 *   P: devpath   N: node name (no /dev)   S: symlink (no /dev)   U: subsystem
 *   E: KEY=VALUE (properties)   I: usec initialized (newer udevadm)   M:, R:, D:, L:, Q:, V:, J: ignored
 * `-q property` output is bare `KEY=VALUE` lines; the same parser reads both.
 */
import type { Readable } from "node:stream";

export interface UdevDevice {
  /** sysfs devpath (`P:` or DEVPATH). */
  devPath?: string;
  /** Absolute node path, e.g. `/dev/ttyUSB2`. */
  devName?: string;
  subsystem?: string;
  /** Absolute, decoded symlinks from `S:` lines and DEVLINKS, deduplicated. */
  links: string[];
  /** Every `E:` property, values with `\xNN` escapes decoded. */
  properties: Record<string, string>;
  /**
   * udevd finished its rules for this device (USEC_INITIALIZED). A tty that just
   * appeared in /dev has no by-path link or ID_PATH until this is set.
   */
  initialized: boolean;
}

export interface UdevParseResult {
  devices: UdevDevice[];
  warnings: string[];
}

export interface UdevReadResult extends UdevParseResult {
  /** False when udevadm could not be run at all (not installed, not permitted). */
  available: boolean;
}

/**
 * Decode udev's `\xNN` escapes (udev_util_encode_string: space and unsafe bytes in
 * ID_*_ENC values and some link names) as UTF-8. Bad sequences stay as written.
 */
export function decodeUdevString(value: string): string {
  if (!value.includes("\\x")) return value;
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of value.matchAll(/\\x([0-9a-fA-F]{2})/g)) {
    parts.push(Buffer.from(value.slice(last, m.index), "utf8"), Buffer.from([parseInt(m[1] as string, 16)]));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(value.slice(last), "utf8"));
  return Buffer.concat(parts).toString("utf8");
}

function emptyDevice(): UdevDevice {
  return { links: [], properties: {}, initialized: false };
}

function absoluteDev(name: string): string {
  return name.startsWith("/") ? name : `/dev/${name}`;
}

/** Parse export-db or `-q property` text. Odd lines become warnings (at most 20 kept). */
export function parseUdevExport(text: string): UdevParseResult {
  const devices: UdevDevice[] = [];
  const warnings: string[] = [];
  let oddLines = 0;
  let current: UdevDevice | null = null;
  const finish = () => {
    if (current && (current.devPath || current.devName || Object.keys(current.properties).length > 0)) devices.push(current);
    current = null;
  };
  const warn = (lineNo: number, line: string, why: string) => {
    oddLines++;
    if (warnings.length < 20) warnings.push(`udev line ${lineNo}: ${why}: ${JSON.stringify(line.slice(0, 80))}`);
  };

  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") {
      finish();
      continue;
    }
    const tagged = /^([A-Z]): ?(.*)$/.exec(line);
    if (tagged && tagged[1] === "P") {
      // A new record even without the blank line in between (truncated or hand-made dumps).
      finish();
      current = emptyDevice();
      current.devPath = tagged[2] as string;
      continue;
    }
    current ??= emptyDevice();
    if (tagged) {
      const value = tagged[2] as string;
      switch (tagged[1]) {
        case "N":
          current.devName = absoluteDev(decodeUdevString(value));
          break;
        case "S":
          addLink(current, absoluteDev(decodeUdevString(value)));
          break;
        case "U":
          current.subsystem = value;
          break;
        case "I":
          current.initialized = true;
          break;
        case "E":
          if (!setProperty(current, value)) warn(i + 1, line, "property without '='");
          break;
        default:
          // M: R: D: L: Q: V: J: G: — not needed for discovery.
          break;
      }
    } else if (!setProperty(current, line)) {
      warn(i + 1, line, "not a udev line");
    }
  }
  finish();
  if (oddLines > warnings.length) warnings.push(`udev: ${oddLines - warnings.length} more odd lines not shown`);
  return { devices, warnings };
}

/** Store KEY=VALUE; false when the line has no key. */
function setProperty(device: UdevDevice, text: string): boolean {
  const eq = text.indexOf("=");
  if (eq <= 0) return false;
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  if (!/^[A-Za-z0-9_.]+$/.test(key)) return false;
  if (key === "DEVLINKS") {
    // Split first, then decode: a decoded `\x20` must not split a link in two.
    for (const link of raw.split(/\s+/)) if (link) addLink(device, decodeUdevString(link));
  }
  const value = decodeUdevString(raw);
  device.properties[key] = value;
  if (key === "DEVNAME" && value) device.devName = absoluteDev(value);
  else if (key === "SUBSYSTEM") device.subsystem = value;
  else if (key === "DEVPATH") device.devPath ??= value;
  else if (key === "USEC_INITIALIZED") device.initialized = true;
  return true;
}

function addLink(device: UdevDevice, link: string): void {
  if (!device.links.includes(link)) device.links.push(link);
}

/**
 * The USB facts of a tty, from either spelling: systemd ≥ 254's usb_id writes ID_USB_*
 * and leaves ID_* to other builtins on some devices (serialport/bindings-cpp#115).
 */
export function usbProperty(device: UdevDevice, name: "VENDOR_ID" | "MODEL_ID" | "SERIAL" | "SERIAL_SHORT" | "INTERFACE_NUM" | "DRIVER" | "VENDOR" | "MODEL"): string | undefined {
  const p = device.properties;
  const value = p[`ID_USB_${name}`] ?? p[`ID_${name}`];
  return value === "" ? undefined : value;
}

/** The subset of child_process.ChildProcess this module uses. */
export interface SpawnedProcess {
  stdout: Readable | null;
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "close", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  kill(signal?: NodeJS.Signals | number): boolean;
}

/** child_process.spawn fits this; tests pass a fake that replays a captured dump. */
export type SpawnFn = (command: string, args: readonly string[], options: { stdio: ["ignore", "pipe", "ignore"] }) => SpawnedProcess;

export interface UdevReadOptions {
  /** export-db on a busy host takes ~100 ms; a hung udevadm must not stall discovery. */
  timeoutMs?: number;
  /** Cap on what we buffer (a big server's export-db is a few MB). */
  maxBytes?: number;
  command?: string;
}

/** `udevadm info --export-db`: every device udev knows. */
export function readUdevDb(spawn: SpawnFn, options: UdevReadOptions = {}): Promise<UdevReadResult> {
  return runUdevadm(spawn, ["info", "--export-db"], options);
}

/** `udevadm info -q property -n <dev>`: one device, e.g. right after a hot-plug event. */
export async function readUdevDevice(spawn: SpawnFn, devName: string, options: UdevReadOptions = {}): Promise<UdevReadResult> {
  return runUdevadm(spawn, ["info", "-q", "property", "-n", devName], options);
}

function runUdevadm(spawn: SpawnFn, args: readonly string[], options: UdevReadOptions): Promise<UdevReadResult> {
  const command = options.command ?? "udevadm";
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const notes: string[] = [];
    let settled = false;
    const done = (available: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const parsed = parseUdevExport(Buffer.concat(chunks).toString("utf8"));
      resolve({ available, devices: parsed.devices, warnings: [...notes, ...parsed.warnings] });
    };
    let child: SpawnedProcess;
    try {
      child = spawn(command, args, { stdio: ["ignore", "pipe", "ignore"] });
    } catch (err) {
      notes.push(`${command} could not be started: ${(err as Error).message}`);
      settled = true;
      resolve({ available: false, devices: [], warnings: notes });
      return;
    }
    const timer = setTimeout(() => {
      notes.push(`${command} ${args.join(" ")} took over ${timeoutMs} ms; using what it printed`);
      child.kill("SIGKILL");
      done(true);
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (size >= maxBytes) return;
      size += chunk.length;
      chunks.push(chunk);
      if (size >= maxBytes) notes.push(`${command} output over ${maxBytes} bytes; rest ignored`);
    });
    child.stdout?.on("error", (err: Error) => notes.push(`${command} stdout: ${err.message}`));
    child.on("error", (err: Error & { code?: string }) => {
      // ENOENT: not installed (containers, CI). Discovery goes on with /dev/serial and globs.
      notes.push(err.code === "ENOENT" ? `${command} not found; udev data unavailable` : `${command} failed: ${err.message}`);
      done(false);
    });
    child.on("close", (code, signal) => {
      if (code !== 0) notes.push(`${command} ${args.join(" ")} exited with ${code ?? signal}`);
      done(true);
    });
  });
}
