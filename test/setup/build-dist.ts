/**
 * Vitest global set-up: compile src/ and drivers/ into dist/ before any test runs, so a
 * test that starts `bin/simgate.js` exercises the compiled build a user installs, and
 * never a stale one. Incremental (dist/.tsbuildinfo): a second run without changes takes
 * about a second.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export default function buildDist(): void {
  const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
  execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  execFileSync(process.execPath, [join(root, "scripts", "copy-assets.mjs")], { cwd: root, stdio: "inherit" });
}
