/**
 * Where `simgate install` puts things (paths on the target root) and where it takes them
 * from (paths in the app source: the checkout, or /opt/simgate itself on a re-run).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findPackageRoot } from "../../package-info.js";

export const TARGET = {
  /** The app: the compiled build, bin, shipped config/udev/systemd files, production node_modules (app-tree.ts). */
  app: "/opt/simgate",
  /** `exec node /opt/simgate/bin/simgate.js "$@"`: simgate.service's ExecStart. */
  wrapper: "/usr/bin/simgate",
  udevRules: "/etc/udev/rules.d/99-simgate.rules",
  sysusers: "/usr/lib/sysusers.d/simgate.conf",
  modulesLoad: "/etc/modules-load.d/simgate.conf",
  unit: "/etc/systemd/system/simgate.service",
  dropinDir: "/etc/systemd/system/simgate.service.d",
  /** Only with `--user NAME` other than simgate: User=/Group= over the shipped unit. */
  userDropin: "/etc/systemd/system/simgate.service.d/10-simgate-user.conf",
  configDir: "/etc/simgate",
  config: "/etc/simgate/simgate.yaml",
  env: "/etc/simgate/simgate.env",
  stateDir: "/var/lib/simgate",
  passwd: "/etc/passwd",
  group: "/etc/group",
} as const;

/** Relative to the app source. */
export const SOURCE = {
  bin: "bin/simgate.js",
  udevRules: "udev/99-simgate.rules",
  unit: "systemd/simgate.service",
  sysusers: "systemd/simgate.sysusers.conf",
  modulesLoad: "systemd/simgate.modules-load.conf",
  env: "systemd/simgate.env.example",
  config: "config/simgate.example.yaml",
} as const;

export const DEFAULT_USER = "simgate";
export const SERVICE = "simgate.service";

/** `path` (absolute, on the target system) under `root` ("/" = the real system). */
export function under(root: string, path: string): string {
  return root === "/" ? path : join(root, path);
}

/** The directory holding simgate's package.json, found upwards from `from` (this module by default). */
export function appSourceRoot(from: string = fileURLToPath(import.meta.url)): string {
  return findPackageRoot(from);
}

/** A looks-like-simgate check for a directory we are about to replace or remove. */
export function isSimgateApp(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
    return pkg.name === "simgate" && existsSync(join(dir, SOURCE.bin));
  } catch {
    return false;
  }
}

export function samePath(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}
