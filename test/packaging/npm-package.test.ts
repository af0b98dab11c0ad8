/**
 * The release as a user gets it: `npm pack` of a clean copy of this tree, then `npm install
 * -g` of the tarball into a scratch prefix, then the installed `simgate` on its own:
 * `--version`, `config example`, the demo for 30 s, and `simgate install --prefix` from it.
 * Nothing under the prefix may come from the TypeScript sources or tsx, and the tarball
 * carries its LICENSE.
 *
 * Slow by nature, so one file, bounded, and the install kept cheap: the npm cache is reused
 * (--prefer-offline), and better-sqlite3's binary comes the way it does on a host with
 * internet access, as a prebuild — here a local one (prebuild-install's
 * npm_config_better_sqlite3_local_prebuilds), packed from this checkout's own build of the
 * same version for the same node, instead of a 2–6 minute compile on a loaded machine.
 * Should the registry hand out another version, it compiles from source as a host without
 * prebuilds would, within the same bound.
 */
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
const TARBALL = `simgate-${VERSION}.tgz`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, timeout: options.timeoutMs, maxBuffer: 32 << 20, env: { ...process.env, ...options.env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * better-sqlite3's install runs prebuild-install, which takes `<dir>/<name>-v<version>-node-
 * v<abi>-<platform>-<arch>.tar.gz` before any download. Made from the binary this checkout's
 * `npm install` built: the same version, node ABI and platform.
 */
async function localSqlitePrebuild(dir: string): Promise<NodeJS.ProcessEnv> {
  const pkg = join(REPO, "node_modules", "better-sqlite3");
  const version = (JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as { version: string }).version;
  if (!existsSync(join(pkg, "build", "Release", "better_sqlite3.node"))) return {};
  mkdirSync(dir, { recursive: true });
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const tar = await run("tar", ["-czf", join(dir, name), "-C", pkg, "build/Release/better_sqlite3.node"], { cwd: dir, timeoutMs: 60_000 });
  expect(tar.code, tar.stderr).toBe(0);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

/** Every path under `dir`, relative to it (symlinks not followed). */
function allPaths(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => String(p));
}

describe("npm pack → npm install -g → the installed simgate", () => {
  const scratch = mkdtempSync(join(tmpdir(), "simgate-pack-"));
  const tree = join(scratch, "tree");
  const prefix = join(scratch, "prefix");
  const installed = join(prefix, "lib", "node_modules", "simgate");
  const simgate = join(prefix, "bin", "simgate");
  let packed: string[] = [];

  beforeAll(async () => {
    // A clean copy of this tree: what git tracks (and new files not ignored), no dist/, no
    // build state. node_modules is shared (compiler and types for the build), as after an
    // `npm install` in a fresh clone.
    const listed = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: REPO, timeoutMs: 30_000 });
    expect(listed.code, listed.stderr).toBe(0);
    for (const rel of listed.stdout.split("\0").filter((f) => f !== "" && f !== "node_modules" && existsSync(join(REPO, f)))) {
      mkdirSync(join(tree, rel, ".."), { recursive: true });
      cpSync(join(REPO, rel), join(tree, rel));
    }
    symlinkSync(realpathSync(join(REPO, "node_modules")), join(tree, "node_modules"));

    const pack = await run("npm", ["pack", "--pack-destination", scratch, "--json"], { cwd: tree, timeoutMs: 240_000 });
    expect(pack.code, pack.stderr.slice(-2000)).toBe(0);
    packed = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);

    const install = await run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(scratch, TARBALL)], {
      cwd: scratch,
      timeoutMs: 420_000,
      env: await localSqlitePrebuild(join(scratch, "prebuilds")),
    });
    expect(install.code, install.stderr.slice(-3000)).toBe(0);
  }, 660_000);

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it("the tarball holds the compiled build, the shipped files and a LICENSE; no sources, maps or tests", () => {
    for (const f of ["LICENSE", "README.md", "package.json", "bin/simgate.js", "dist/src/cli/main.js", "dist/drivers/registry.js", "dist/src/sim/pty/pty-host.py", "dist/src/http/admin/status-page/app.js", "config/simgate.example.yaml", "udev/99-simgate.rules", "systemd/simgate.service"]) {
      expect(packed, f).toContain(f);
    }
    expect(packed.filter((f) => /^(src|drivers|test|bench|scripts|docs)\//.test(f) || f.endsWith(".ts") || f.endsWith(".map") || f.includes("tsbuildinfo"))).toEqual([]);
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License/);
  });

  it("nothing under the prefix comes from src/ or tsx", () => {
    const paths = allPaths(prefix);
    expect(paths.filter((p) => p.startsWith(join("lib", "node_modules", "simgate", "src")))).toEqual([]);
    expect(paths.filter((p) => /(^|\/)node_modules\/(tsx|esbuild|@esbuild|typescript|vitest)$/.test(p))).toEqual([]);
    const own = allPaths(installed).filter((p) => !p.startsWith("node_modules"));
    expect(own.filter((p) => p.endsWith(".ts"))).toEqual([]);
  });

  it("simgate --version and simgate config example work from the installed copy", async () => {
    const version = await run(simgate, ["--version"], { cwd: scratch, timeoutMs: 30_000 });
    expect(version).toEqual({ code: 0, stdout: `simgate ${VERSION}\n`, stderr: "" });
    const example = await run(simgate, ["config", "example"], { cwd: scratch, timeoutMs: 30_000 });
    expect(example.code, example.stderr).toBe(0);
    expect(example.stdout).toBe(readFileSync(join(REPO, "config", "simgate.example.yaml"), "utf8"));
  });

  it("simgate demo runs 30 s from the installed copy and stops cleanly", async () => {
    const out = await new Promise<Ran>((resolve) => {
      const child = spawn(simgate, ["demo", "--duration", "30", "--admin-port", "0", "--partner-port", "0", "--summary-ms", "5000"], { cwd: scratch, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const guard = setTimeout(() => child.kill("SIGKILL"), 150_000);
      child.once("exit", (code) => {
        clearTimeout(guard);
        resolve({ code, stdout, stderr });
      });
    });
    expect(out.code, out.stderr + out.stdout).toBe(0);
    expect(out.stdout).toMatch(/^simgate demo: 16 simulated modems/);
    // A summary tick: the rack, then both marketplaces buying.
    expect(out.stdout).toMatch(/ports \d+\/16 sellable\n {2}onlinesim orders [1-9]\d* · delivered \d+.*\n {2}smshub {4}orders [1-9]\d* · delivered \d+/);
    expect(out.stdout).toContain("simgate demo stopped (clean)");
  }, 180_000);

  it("simgate install (--prefix) from the installed package copies the build and production packages only, and says how big", async () => {
    const root = join(scratch, "root");
    const r = await run(simgate, ["install", "--prefix", root], { cwd: scratch, timeoutMs: 120_000 });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^done: copy simgate from ${installed.replace(/[.]/g, "\\.")} to /opt/simgate/ \\(\\d+ files, [\\d.]+ MB: the compiled build [\\d.]+ MB, \\d+ production packages [\\d.]+ MB\\)$`, "m"));
    const app = join(root, "opt", "simgate");
    expect(existsSync(join(app, "dist/src/cli/main.js"))).toBe(true);
    expect(existsSync(join(app, "node_modules/better-sqlite3/package.json"))).toBe(true);
    const paths = allPaths(app);
    expect(paths.filter((p) => p === "src" || p.startsWith("src/") || /(^|\/)node_modules\/(tsx|esbuild|@esbuild)$/.test(p))).toEqual([]);
    // The copy runs by itself.
    const check = await run(process.execPath, [join(app, "bin/simgate.js"), "config", "check", join(root, "etc/simgate/simgate.yaml")], { cwd: scratch, timeoutMs: 60_000 });
    expect(check.stdout.trim()).toBe(`${join(root, "etc/simgate/simgate.yaml")}: ok`);
  }, 180_000);
});
