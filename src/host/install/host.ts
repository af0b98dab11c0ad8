/** What the installer asks about the machine it runs on (injectable for tests). */
import { existsSync, readFileSync } from "node:fs";

export interface HostProbe {
  uid(): number;
  /** systemd is PID 1: /run/systemd/system exists (sd_booted()). */
  systemdRunning(): boolean;
  /** /proc/devices: the character drivers registered now (ttyUSB, ttyACM once their modules load). */
  procDevices(): string;
  /** /etc/os-release, or undefined. */
  osRelease(): string | undefined;
  /** The node binary the wrapper will exec. */
  nodePath(): string;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export const realHost: HostProbe = {
  uid: () => process.getuid?.() ?? 0,
  systemdRunning: () => existsSync("/run/systemd/system"),
  procDevices: () => readOr("/proc/devices") ?? "",
  osRelease: () => readOr("/etc/os-release") ?? readOr("/usr/lib/os-release"),
  nodePath: () => process.execPath,
};

/** "Debian GNU/Linux 12 (bookworm)" and whether it is Debian or a derivative (Ubuntu, Raspberry Pi OS, …). */
export function describeOs(osRelease: string | undefined): { name: string; debianLike: boolean } {
  if (osRelease === undefined) return { name: "unknown OS (no /etc/os-release)", debianLike: false };
  const field = (k: string) => new RegExp(`^${k}=("?)(.*)\\1$`, "m").exec(osRelease)?.[2];
  const ids = [field("ID"), ...(field("ID_LIKE") ?? "").split(/\s+/)].filter(Boolean);
  return { name: field("PRETTY_NAME") ?? field("ID") ?? "unknown OS", debianLike: ids.includes("debian") || ids.includes("ubuntu") };
}

/** Both tty drivers the unit allows by name (DeviceAllow=char-ttyUSB, char-ttyACM) are registered. */
export function ttyDriversLoaded(procDevices: string): boolean {
  return /^\s*\d+\s+ttyUSB$/m.test(procDevices) && /^\s*\d+\s+ttyACM$/m.test(procDevices);
}
