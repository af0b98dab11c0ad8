/**
 * Where simgate's own package lives and which version it is. The same code runs from the
 * TypeScript sources (src/…, development) and from the compiled build (dist/src/…,
 * installed, packed and tested), so files shipped beside the code (bin/, config/, the
 * package.json) are found by walking up to the package.json named "simgate", never by
 * a fixed number of "../".
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

interface PackageJson {
  name?: unknown;
  version?: unknown;
}

function readPackageJson(file: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PackageJson;
  } catch {
    return undefined;
  }
}

/** The directory holding simgate's package.json, found upwards from `from` (a file path). */
export function findPackageRoot(from: string): string {
  let dir = dirname(from);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && readPackageJson(pkg)?.name === "simgate") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find simgate's package.json above ${from}`);
    dir = up;
  }
}

/** The root of the running simgate package (the checkout, /opt/simgate, or the npm install). */
export const PACKAGE_ROOT: string = findPackageRoot(fileURLToPath(import.meta.url));

/** A file shipped with the package, by its path from the package root (e.g. "bin/simgate.js"). */
export function packageFile(relative: string): string {
  return join(PACKAGE_ROOT, relative);
}

/** simgate's version, from its package.json ("0.0.0-unknown" if that cannot be read). */
export const VERSION: string = (() => {
  const version = readPackageJson(join(PACKAGE_ROOT, "package.json"))?.version;
  return typeof version === "string" ? version : "0.0.0-unknown";
})();
