/**
 * `simgate install` / `simgate uninstall`, run for real into scratch roots:
 *  - with --prefix DIR (how a user previews the layout, and how CI runs it): every file with
 *    its mode, the unit and rules byte-equal to the shipped ones, idempotent, config kept;
 *  - with an injected host and command runner standing in for "/" (never the real one):
 *    the host commands a real install runs (systemd-sysusers, udevadm, systemctl), in order,
 *    owners set, upgrades restart the service, failures stop with one line naming the step.
 * The real root is only ever read (--dry-run).
 */
import { execFile } from "node:child_process";
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { makeInstallCommand } from "../../src/cli/commands/install.js";
import { makeUninstallCommand } from "../../src/cli/commands/uninstall.js";
import type { Exec, ExecResult } from "../../src/host/install/exec.js";
import type { HostProbe } from "../../src/host/install/host.js";
import { TARGET } from "../../src/host/install/paths.js";
import { REPO, runSimgate } from "../helpers/cli.js";

const scratch: string[] = [];
function tmp(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `simgate-${name}-`));
  scratch.push(d);
  return d;
}
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

const shipped = (rel: string) => readFileSync(join(REPO, rel), "utf8");
const at = (root: string, path: string) => join(root, path);
const mode = (file: string) => statSync(file).mode & 0o7777;

function capture(): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    untilStopped: () => new Promise(() => {}),
    out: () => out,
    err: () => err,
  };
}

/** Lines of a plan's output that report a step (not the header or the next steps). */
const stepLines = (out: string) => out.split("\n").filter((l) => /^(ok|ok \(already\)|done|would|would stop|skipped \([^)]*\)):/.test(l));

/**
 * A small app source laid out like the installed package (no package-lock.json): the
 * shipped udev/systemd/config files, a compiled entry, TypeScript sources and a source map
 * that must not be copied, and node_modules with one production package (whose own
 * dependency is nested), one dev package and a missing optional one.
 */
function miniSource(): string {
  const src = tmp("src");
  for (const rel of ["bin/simgate.js", "udev/99-simgate.rules", "systemd/simgate.service", "systemd/simgate.sysusers.conf", "systemd/simgate.env.example", "systemd/simgate.modules-load.conf", "config/simgate.example.yaml"]) {
    mkdirSync(join(src, rel, ".."), { recursive: true });
    cpSync(join(REPO, rel), join(src, rel));
  }
  const pkg = { name: "simgate", version: "0.0.1", dependencies: { yaml: "^2" }, optionalDependencies: { "not-on-this-platform": "^1" }, devDependencies: { vitest: "^3" } };
  writeFileSync(join(src, "package.json"), JSON.stringify(pkg));
  mkdirSync(join(src, "dist/src/cli"), { recursive: true });
  writeFileSync(join(src, "dist/src/cli/main.js"), "export {};\n");
  writeFileSync(join(src, "dist/src/cli/main.js.map"), "{}");
  writeFileSync(join(src, "dist/.tsbuildinfo"), "{}");
  mkdirSync(join(src, "src/cli"), { recursive: true });
  writeFileSync(join(src, "src/cli/main.ts"), "export {};\n");
  const manifests: Record<string, object> = {
    "node_modules/yaml": { name: "yaml", dependencies: { "yaml-helper": "^1" } },
    "node_modules/yaml/node_modules/yaml-helper": { name: "yaml-helper" },
    "node_modules/vitest": { name: "vitest", dependencies: { tsx: "^4" } },
    "node_modules/tsx": { name: "tsx" },
  };
  for (const [dir, m] of Object.entries(manifests)) {
    mkdirSync(join(src, dir), { recursive: true });
    writeFileSync(join(src, dir, "package.json"), JSON.stringify(m));
  }
  mkdirSync(join(src, "test"));
  writeFileSync(join(src, "test/x.test.ts"), "");
  return src;
}

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';

function fakeHost(over: Partial<HostProbe> = {}): HostProbe {
  return { uid: () => 0, systemdRunning: () => true, procDevices: () => "Character devices:\n  1 mem\n  5 /dev/tty\n", osRelease: () => DEBIAN, nodePath: () => "/usr/bin/node", ...over };
}

/**
 * systemd, udev and the account tools as far as the installer can tell: /etc/passwd and
 * /etc/group under the fake root change like the real tools would change them.
 */
function fakeSystem(root: string, options: { noSysusers?: boolean; failOn?: string; modprobe?: "missing" | "no-modules" } = {}) {
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\npi:x:1000:1000::/home/pi:/bin/bash\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\ndialout:x:20:\npi:x:1000:\n");
  const state = { enabled: "disabled", active: "inactive", ttyDrivers: false };
  const calls: string[] = [];
  const ok: ExecResult = { code: 0, stdout: "", stderr: "" };
  const addUser = (name: string) => {
    appendFileSync(join(root, "etc/passwd"), `${name}:x:998:998:simgate modem pool daemon:/var/lib/simgate:/usr/sbin/nologin\n`);
    appendFileSync(join(root, "etc/group"), `${name}:x:998:\n`);
  };
  const editGroup = (f: (line: string) => string | null) => {
    const lines = readFileSync(join(root, "etc/group"), "utf8").trimEnd().split("\n");
    writeFileSync(join(root, "etc/group"), `${lines.map(f).filter((l) => l !== null).join("\n")}\n`);
  };
  const exec: Exec = async (cmd, args) => {
    const line = [cmd, ...args].join(" ");
    calls.push(line);
    if (options.failOn !== undefined && line.startsWith(options.failOn)) return { code: 1, stdout: "", stderr: "Failed to connect to bus: No such file or directory\n" };
    switch (cmd) {
      case "systemctl":
        if (args[0] === "is-enabled") return { code: state.enabled === "enabled" ? 0 : 1, stdout: `${state.enabled}\n`, stderr: "" };
        if (args[0] === "is-active") return { code: state.active === "active" ? 0 : 3, stdout: `${state.active}\n`, stderr: "" };
        if (args[0] === "show") return { code: 0, stdout: "no\n", stderr: "" };
        if (args[0] === "enable") state.enabled = "enabled";
        if (args[0] === "start" || args[0] === "restart") state.active = "active";
        if (args[0] === "disable") [state.enabled, state.active] = ["disabled", args.includes("--now") ? "inactive" : state.active];
        return ok;
      case "modprobe":
        if (options.modprobe === "missing") return { code: 127, stdout: "", stderr: "modprobe: command not found", missing: true };
        if (options.modprobe === "no-modules") return { code: 1, stdout: "", stderr: "modprobe: FATAL: Module usbserial not found in directory /lib/modules/6.1.0-13-amd64\n" };
        state.ttyDrivers = true;
        return ok;
      case "systemd-sysusers":
        if (options.noSysusers) return { code: 127, stdout: "", stderr: "not found", missing: true };
        addUser("simgate");
        editGroup((l) => (l.startsWith("dialout:") ? `${l}simgate` : l));
        return ok;
      case "useradd":
        addUser(args[args.length - 1]!);
        return ok;
      case "usermod":
        editGroup((l) => (l.startsWith("dialout:") ? `${l}${args[args.length - 1]}` : l));
        return ok;
      case "userdel": {
        const name = args[0]!;
        const passwd = readFileSync(join(root, "etc/passwd"), "utf8").split("\n").filter((l) => !l.startsWith(`${name}:`));
        writeFileSync(join(root, "etc/passwd"), passwd.join("\n"));
        editGroup((l) => (l.startsWith(`${name}:`) ? null : l.startsWith("dialout:") ? l.replace(new RegExp(`[:,]${name}$`), ":") : l));
        return ok;
      }
      default:
        return ok;
    }
  };
  /** The calls that change something (the queries left out). */
  const changes = () => calls.filter((c) => !/^systemctl (is-enabled|is-active|show) /.test(c));
  /** A host whose /proc/devices follows modprobe. */
  const host = (over: Partial<HostProbe> = {}) => fakeHost({ procDevices: () => (state.ttyDrivers ? "188 ttyUSB\n166 ttyACM\n" : "1 mem\n"), ...over });
  return { exec, calls, changes, state, host };
}

describe("simgate install --prefix DIR (a fake root)", () => {
  const root = join(tmp("prefix"), "root");
  /**
   * The in-process re-runs install from a frozen copy of what the first run copied, not from
   * the live checkout: a file edited there meanwhile would (rightly) be an update.
   */
  const frozen = join(tmp("frozen"), "simgate");
  const fromFrozen = () => makeInstallCommand({ source: frozen });

  it("lays out every file with its mode, the unit and the rules as shipped (end to end, the real app)", async () => {
    const r = await runSimgate(["install", "--prefix", root], 180_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    // The size is printed: all of it, the build and the packages.
    expect(r.stdout).toMatch(/^done: copy simgate from .* to \/opt\/simgate\/ \(\d+ files, [\d.]+ MB: the compiled build [\d.]+ MB, \d+ production packages [\d.]+ MB\)$/m);
    expect(r.stdout).toContain("done: write /etc/udev/rules.d/99-simgate.rules (0644 root:root, from udev/99-simgate.rules)");
    expect(r.stdout).toContain("skipped (prefix): create user simgate (groups dialout)");
    expect(r.stdout).toContain("skipped (prefix): systemctl daemon-reload");
    expect(r.stdout).toContain("sudoedit /etc/simgate/simgate.env");
    expect(r.stdout).toContain("journalctl -u simgate -f");

    expect(readFileSync(at(root, TARGET.unit), "utf8")).toBe(shipped("systemd/simgate.service"));
    expect(readFileSync(at(root, TARGET.udevRules), "utf8")).toBe(shipped("udev/99-simgate.rules"));
    expect(readFileSync(at(root, TARGET.sysusers), "utf8")).toBe(shipped("systemd/simgate.sysusers.conf"));
    expect(readFileSync(at(root, TARGET.modulesLoad), "utf8")).toBe(shipped("systemd/simgate.modules-load.conf"));
    expect(readFileSync(at(root, TARGET.env), "utf8")).toBe(shipped("systemd/simgate.env.example"));
    expect(readFileSync(at(root, TARGET.config), "utf8")).toContain(shipped("config/simgate.example.yaml"));
    expect(readFileSync(at(root, TARGET.wrapper), "utf8")).toContain(`\nexec ${process.execPath} /opt/simgate/bin/simgate.js "$@"\n`);
    for (const [path, m] of [
      [TARGET.wrapper, 0o755],
      [TARGET.unit, 0o644],
      [TARGET.udevRules, 0o644],
      [TARGET.sysusers, 0o644],
      [TARGET.modulesLoad, 0o644],
      [TARGET.configDir, 0o755],
      [TARGET.config, 0o640],
      [TARGET.env, 0o600],
      [TARGET.app, 0o755],
      ["/opt/simgate/bin/simgate.js", 0o755],
      ["/opt/simgate/dist/src/cli/main.js", 0o644],
    ] as const) {
      expect(octal(mode(at(root, path))), path).toBe(octal(m));
    }
    // The compiled build and production packages only: no sources, tests, compiler, tsx or esbuild.
    for (const present of ["dist/src/sim/pty/pty-host.py", "dist/src/http/admin/status-page/index.html", "dist/drivers/registry.js", "node_modules/better-sqlite3/package.json", "node_modules/fastify/package.json"]) {
      expect(existsSync(at(root, `/opt/simgate/${present}`)), present).toBe(true);
    }
    for (const absent of ["src", "drivers", "test", "bench", "docs", "package-lock.json", "dist/.tsbuildinfo", "node_modules/tsx", "node_modules/esbuild", "node_modules/typescript", "node_modules/vitest", "node_modules/serialport"]) {
      expect(existsSync(at(root, `/opt/simgate/${absent}`)), absent).toBe(false);
    }
    expect(readdirSync(at(root, "/opt/simgate/node_modules"), { recursive: true }).filter((f) => /(^|\/node_modules\/)(esbuild|@esbuild|tsx)$/.test(String(f)))).toEqual([]);
    // A native addon: its compiled binary, not its build leftovers or vendored C sources.
    expect(existsSync(at(root, "/opt/simgate/node_modules/better-sqlite3/build/Release/better_sqlite3.node"))).toBe(true);
    for (const leftover of ["deps", "build/Release/obj.target", "build/Makefile"]) expect(existsSync(at(root, `/opt/simgate/node_modules/better-sqlite3/${leftover}`)), leftover).toBe(false);
    cpSync(at(root, TARGET.app), frozen, { recursive: true, preserveTimestamps: true });
  }, 200_000);

  it("the copy in /opt/simgate runs on its own (the compiled build, yaml and zod from its node_modules)", async () => {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) =>
      execFile(process.execPath, [at(root, "/opt/simgate/bin/simgate.js"), "config", "check", at(root, TARGET.config)], { cwd: tmpdir(), timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr }),
      ),
    );
    expect(r.out.trim()).toBe(`${at(root, TARGET.config)}: ok`);
    expect(r.code).toBe(0);
  }, 90_000);

  it("a second run changes nothing and keeps an edited config and key", async () => {
    writeFileSync(at(root, TARGET.config), "# mine\nlogLevel: debug\n");
    writeFileSync(at(root, TARGET.env), "SIMGATE_ONLINESIM_KEY=secret\n");
    const io = capture();
    expect(await fromFrozen()(["--prefix", root], io)).toBe(0);
    const lines = stepLines(io.out());
    expect(lines.filter((l) => !/^(ok|ok \(already\)|skipped \(prefix\)):/.test(l))).toEqual([]);
    expect(lines).toContain("ok (already): write /etc/simgate/simgate.yaml (0640 root:simgate, from config/simgate.example.yaml) — exists, never overwritten");
    expect(lines).toContain("ok (already): copy simgate to /opt/simgate/");
    expect(io.out()).toContain("The Onlinesim key (set already)");
    expect(readFileSync(at(root, TARGET.config), "utf8")).toBe("# mine\nlogLevel: debug\n");
    expect(readFileSync(at(root, TARGET.env), "utf8")).toBe("SIMGATE_ONLINESIM_KEY=secret\n");
  }, 120_000);

  it("repairs what drifted: a changed unit, a readable key file, a stale file in the copy", async () => {
    writeFileSync(at(root, TARGET.unit), "[Service]\nExecStart=/bin/false\n");
    chmodSync(at(root, TARGET.env), 0o644);
    writeFileSync(at(root, "/opt/simgate/dist/src/stale.js"), "");
    const io = capture();
    expect(await fromFrozen()(["--prefix", root], io)).toBe(0);
    const done = stepLines(io.out()).filter((l) => l.startsWith("done:"));
    expect(done).toEqual([
      expect.stringMatching(new RegExp(`^done: update /opt/simgate/ from ${frozen} \\(0 new or changed, 1 removed; now \\d+ files, `)),
      "done: update /etc/systemd/system/simgate.service (0644 root:root, from systemd/simgate.service)",
      "done: fix /etc/simgate/simgate.env: mode 0644 → 0600 (contents kept)",
    ]);
    expect(readFileSync(at(root, TARGET.unit), "utf8")).toBe(shipped("systemd/simgate.service"));
    expect(octal(mode(at(root, TARGET.env)))).toBe("0600");
    expect(readFileSync(at(root, TARGET.env), "utf8")).toBe("SIMGATE_ONLINESIM_KEY=secret\n");
    expect(existsSync(at(root, "/opt/simgate/dist/src/stale.js"))).toBe(false);
  }, 120_000);

  it("uninstall removes what install made and keeps /etc/simgate; --purge removes it; both idempotent (end to end)", async () => {
    const r = await runSimgate(["uninstall", "--prefix", root], 120_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const path of [TARGET.unit, TARGET.udevRules, TARGET.sysusers, TARGET.modulesLoad, TARGET.wrapper, TARGET.app]) {
      expect(existsSync(at(root, path)), path).toBe(false);
    }
    expect(readFileSync(at(root, TARGET.config), "utf8")).toBe("# mine\nlogLevel: debug\n");
    expect(readFileSync(at(root, TARGET.env), "utf8")).toBe("SIMGATE_ONLINESIM_KEY=secret\n");
    expect(r.stdout).toContain("Kept: /etc/simgate/ (config and key)");

    const again = capture();
    expect(await makeUninstallCommand()(["--prefix", root], again)).toBe(0);
    expect(stepLines(again.out()).filter((l) => !/^(ok|ok \(already\)|skipped \(prefix\)):/.test(l))).toEqual([]);

    const purge = capture();
    expect(await makeUninstallCommand()(["--prefix", root, "--purge"], purge)).toBe(0);
    expect(purge.out()).toContain("done: remove /etc/simgate/ (the config and the Onlinesim key)");
    expect(existsSync(at(root, TARGET.configDir))).toBe(false);
  }, 180_000);
});

describe("--dry-run", () => {
  it("prints the plan into a fake root and creates nothing", async () => {
    const root = join(tmp("dry"), "root");
    const io = capture();
    expect(await makeInstallCommand({ source: miniSource() })(["--prefix", root, "--dry-run"], io)).toBe(0);
    const lines = stepLines(io.out());
    expect(lines).toEqual([
      "ok: running as root",
      "skipped (prefix): check for systemd",
      `ok: node ${process.versions.node} at ${process.execPath}`,
      expect.stringMatching(/^would: copy simgate from .* to \/opt\/simgate\/ \(\d+ files, [\d.]+ MB: the compiled build [\d.]+ MB, 2 production packages [\d.]+ MB\)$/),
      "would: write /usr/bin/simgate (0755 root:root: exec node /opt/simgate/bin/simgate.js)",
      "would: write /etc/udev/rules.d/99-simgate.rules (0644 root:root, from udev/99-simgate.rules)",
      "would: write /usr/lib/sysusers.d/simgate.conf (0644 root:root, from systemd/simgate.sysusers.conf)",
      "skipped (prefix): create user simgate (groups dialout)",
      "would: write /etc/modules-load.d/simgate.conf (0644 root:root, from systemd/simgate.modules-load.conf)",
      "skipped (prefix): load the tty drivers now: modprobe -a usbserial cdc_acm",
      "would: write /etc/systemd/system/simgate.service (0644 root:root, from systemd/simgate.service)",
      "would: create /etc/simgate/ (0755 root:root)",
      "would: write /etc/simgate/simgate.yaml (0640 root:simgate, from config/simgate.example.yaml)",
      "would: write /etc/simgate/simgate.env (0600 root:root, from systemd/simgate.env.example)",
      "skipped (prefix): reload udev: udevadm control --reload && udevadm trigger --action=change --subsystem-match=usb --subsystem-match=tty",
      "skipped (prefix): systemctl daemon-reload",
      "skipped (prefix): systemctl enable simgate (start at boot)",
      "skipped (prefix): systemctl start simgate",
    ]);
    expect(io.out()).toContain("nothing was changed");
    expect(existsSync(root)).toBe(false);
  });

  it("on the real root: shows the plan, runs only queries, changes nothing (end to end)", async () => {
    const watched = Object.values(TARGET).filter((p) => p !== TARGET.passwd && p !== TARGET.group);
    const before = watched.map((p) => `${p} ${existsSync(p) ? statSync(p).mtimeMs : "-"}`);
    const r = await runSimgate(["install", "--dry-run"], 60_000);
    // Exit 1 only where the real install would stop (no systemd in a CI container).
    if (r.code === 1) expect(r.stdout).toMatch(/^would stop: check for systemd: systemd is not running here/m);
    else expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^(would|ok \(already\)): write \/etc\/udev\/rules\.d\/99-simgate\.rules/m);
    expect(r.stdout).toMatch(/^(would|ok \(already\)): write \/etc\/simgate\/simgate\.env/m);
    expect(r.stdout).toContain("nothing was changed");
    expect(r.stdout).not.toMatch(/^done:/m);
    expect(watched.map((p) => `${p} ${existsSync(p) ? statSync(p).mtimeMs : "-"}`)).toEqual(before);
  }, 90_000);
});

describe("a real install, with the host stood in for (injected host and commands, a scratch '/')", () => {
  it("runs the host commands in order, sets owners, and a second run runs none", async () => {
    const root = tmp("real");
    const sys = fakeSystem(root);
    const source = miniSource();
    const io = capture();
    const install = makeInstallCommand({ fsRoot: root, host: sys.host(), exec: sys.exec, source });
    expect(await install([], io)).toBe(0);
    expect(io.err()).toBe("");
    expect(sys.changes()).toEqual([
      `systemd-sysusers ${join(root, TARGET.sysusers)}`,
      "modprobe -a usbserial cdc_acm",
      "udevadm control --reload",
      "udevadm trigger --action=change --subsystem-match=usb --subsystem-match=tty",
      "systemctl daemon-reload",
      "systemctl enable simgate.service",
      "systemctl start simgate.service",
    ]);
    expect(stepLines(io.out())).toContain("ok: systemd is running (Debian GNU/Linux 12 (bookworm))");
    expect(stepLines(io.out())).toContain("done: create user simgate (groups dialout)");
    // root:simgate 0640 for the config the service reads; root:root 0600 for the key.
    const config = statSync(join(root, TARGET.config));
    expect([config.uid, config.gid, octal(config.mode & 0o7777)]).toEqual([0, 998, "0640"]);
    const env = statSync(join(root, TARGET.env));
    expect([env.uid, env.gid, octal(env.mode & 0o7777)]).toEqual([0, 0, "0600"]);
    // The production package and its own dependency, not the dev one (nor what only it needs); no sources, maps or tests.
    expect(readdirSync(join(root, TARGET.app, "node_modules"))).toEqual(["yaml"]);
    expect(readdirSync(join(root, TARGET.app, "node_modules/yaml/node_modules"))).toEqual(["yaml-helper"]);
    for (const absent of ["test", "src", "dist/src/cli/main.js.map", "dist/.tsbuildinfo"]) expect(existsSync(join(root, TARGET.app, absent)), absent).toBe(false);
    expect(existsSync(join(root, TARGET.app, "dist/src/cli/main.js"))).toBe(true);

    sys.calls.length = 0;
    const again = capture();
    expect(await install([], again)).toBe(0);
    expect(sys.changes()).toEqual([]);
    expect(stepLines(again.out()).filter((l) => !/^(ok|ok \(already\)):/.test(l))).toEqual([]);

    // An upgrade (git pull): the copy is updated and the running service restarted.
    writeFileSync(join(source, "dist/src/cli/main.js"), "export const v = 2;\n");
    sys.calls.length = 0;
    const upgrade = capture();
    expect(await install([], upgrade)).toBe(0);
    expect(sys.changes()).toEqual(["systemctl restart simgate.service"]);
    expect(upgrade.out()).toContain("done: systemctl restart simgate (changed: app)");
  });

  it("uninstall stops, disables and reloads; --purge removes the user", async () => {
    const root = tmp("real-un");
    const sys = fakeSystem(root);
    const deps = { fsRoot: root, host: sys.host(), exec: sys.exec, source: miniSource() };
    expect(await makeInstallCommand(deps)([], capture())).toBe(0);
    sys.calls.length = 0;
    const io = capture();
    expect(await makeUninstallCommand(deps)(["--purge"], io)).toBe(0);
    expect(io.err()).toBe("");
    expect(sys.changes()).toEqual([
      "systemctl disable --now simgate.service",
      "systemctl daemon-reload",
      "udevadm control --reload",
      "udevadm trigger --action=change --subsystem-match=usb --subsystem-match=tty",
      "userdel simgate",
    ]);
    expect(stepLines(io.out())).toContain("ok (already): remove group simgate");
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).not.toContain("simgate");
    expect(readdirSync(join(root, "etc")).sort()).toEqual(["group", "modules-load.d", "passwd", "systemd", "udev"]);
  });

  it.each([
    ["missing", "modprobe is not installed, so the tty drivers are not loaded now"],
    ["no-modules", "modprobe -a usbserial cdc_acm exited 1 (modprobe: FATAL: Module usbserial not found in directory /lib/modules/6.1.0-13-amd64)"],
  ] as const)("modprobe %s: a warning saying what loads the drivers at boot, and the install goes on", async (kind, why) => {
    const root = tmp(`modprobe-${kind}`);
    const sys = fakeSystem(root, { modprobe: kind });
    const io = capture();
    expect(await makeInstallCommand({ fsRoot: root, host: sys.host(), exec: sys.exec, source: miniSource() })([], io)).toBe(0);
    expect(io.err()).toBe("");
    expect(io.out()).toContain(
      `warning: load the tty drivers now: modprobe -a usbserial cdc_acm: ${why}; /etc/modules-load.d/simgate.conf (written above) loads usbserial and cdc_acm at the next boot, and plugging a modem in loads them too\n`,
    );
    expect(io.out()).toMatch(/simgate is installed: \d+ changed, \d+ already in place, 1 with a warning \(above\)\./);
    expect(readFileSync(join(root, TARGET.modulesLoad), "utf8")).toBe(shipped("systemd/simgate.modules-load.conf"));
    expect(sys.changes().at(-1)).toBe("systemctl start simgate.service");
  });

  it("a source that is not built, or lacks a production package, stops before anything is copied", async () => {
    const unbuilt = miniSource();
    rmSync(join(unbuilt, "dist"), { recursive: true });
    const io = capture();
    expect(await makeInstallCommand({ source: unbuilt })(["--prefix", join(tmp("unbuilt"), "root")], io)).toBe(1);
    expect(io.err()).toBe(`simgate install: copy simgate to /opt/simgate/: ${join(unbuilt, "dist/src/cli/main.js")} is missing: run 'npm run build' in ${unbuilt} first\n`);
    const incomplete = miniSource();
    rmSync(join(incomplete, "node_modules/yaml/node_modules"), { recursive: true });
    const io2 = capture();
    expect(await makeInstallCommand({ source: incomplete })(["--prefix", join(tmp("incomplete"), "root")], io2)).toBe(1);
    expect(io2.err()).toContain(`yaml-helper (needed by yaml) is not installed under ${join(incomplete, "node_modules")}: run 'npm install --omit=dev' (or 'npm ci') in ${incomplete} first`);
  });

  it("falls back to useradd when systemd-sysusers is missing", async () => {
    const root = tmp("useradd");
    const sys = fakeSystem(root, { noSysusers: true });
    expect(await makeInstallCommand({ fsRoot: root, host: fakeHost(), exec: sys.exec, source: miniSource() })(["--no-start"], capture())).toBe(0);
    expect(sys.changes().slice(0, 3)).toEqual([
      `systemd-sysusers ${join(root, TARGET.sysusers)}`,
      "useradd --system --user-group --home-dir /var/lib/simgate --no-create-home --shell /usr/sbin/nologin --comment simgate modem pool daemon simgate",
      "usermod --append --groups dialout simgate",
    ]);
    expect(sys.changes()).not.toContain("systemctl start simgate.service");
  });

  it("a failing command stops the run with one line naming the step (exit 1)", async () => {
    const root = tmp("fail");
    const sys = fakeSystem(root, { failOn: "systemctl daemon-reload" });
    const io = capture();
    expect(await makeInstallCommand({ fsRoot: root, host: fakeHost(), exec: sys.exec, source: miniSource() })([], io)).toBe(1);
    expect(io.err()).toBe('simgate install: failed at "systemctl daemon-reload": systemctl daemon-reload exited 1: Failed to connect to bus: No such file or directory\n');
    expect(sys.changes().at(-1)).toBe("systemctl daemon-reload");
    expect(io.out()).not.toContain("Next steps");
  });

  it("not root, without --prefix or --dry-run: a clear error before anything is touched", async () => {
    const root = tmp("notroot");
    const sys = fakeSystem(root);
    const deps = { fsRoot: root, host: fakeHost({ uid: () => 1000 }), exec: sys.exec, source: miniSource() };
    for (const [command, name] of [
      [makeInstallCommand(deps), "install"],
      [makeUninstallCommand(deps), "uninstall"],
    ] as const) {
      const io = capture();
      expect(await command([], io)).toBe(1);
      expect(io.err()).toMatch(new RegExp(`^simgate ${name}: check privileges: must run as root: run with sudo \\(sudo .*${name}\\); --dry-run shows the plan without it\\n$`));
      expect(stepLines(io.out())).toEqual([]);
    }
    expect(sys.calls).toEqual([]);
    expect(readdirSync(root)).toEqual(["etc"]);
    expect(readdirSync(join(root, "etc")).sort()).toEqual(["group", "passwd"]);

    // A dry run and --prefix need no root.
    const dry = capture();
    expect(await makeInstallCommand(deps)(["--dry-run"], dry)).toBe(0);
    expect(dry.out()).toContain("ok: running as uid 1000: fine for a dry run, the real one needs sudo");
    const prefixed = capture();
    expect(await makeInstallCommand({ ...deps, fsRoot: undefined })(["--prefix", join(root, "p"), "--dry-run"], prefixed)).toBe(0);
    expect(prefixed.out()).toContain("ok: running as uid 1000: enough for --prefix");
  });

  it("without systemd: explains and stops", async () => {
    const root = tmp("nosystemd");
    const sys = fakeSystem(root);
    const io = capture();
    expect(await makeInstallCommand({ fsRoot: root, host: fakeHost({ systemdRunning: () => false }), exec: sys.exec, source: miniSource() })([], io)).toBe(1);
    expect(io.err()).toMatch(/^simgate install: check for systemd: systemd is not running here \(no \/run\/systemd\/system; Debian GNU\/Linux 12 \(bookworm\)\): .* --prefix DIR lays the files out without touching the system\n$/);
    expect(sys.calls).toEqual([]);
  });

  it("a node the service cannot see (under /home or /root) is refused", async () => {
    const root = tmp("nvm");
    const io = capture();
    const host = fakeHost({ nodePath: () => "/root/.nvm/versions/node/v20.0.0/bin/node" });
    expect(await makeInstallCommand({ fsRoot: root, host, exec: fakeSystem(root).exec, source: miniSource() })([], io)).toBe(1);
    expect(io.err()).toContain("simgate install: check node: node is /root/.nvm/versions/node/v20.0.0/bin/node, which simgate.service cannot see (ProtectHome=yes");
  });

  it("never replaces or removes a /usr/bin/simgate it did not write", async () => {
    const root = tmp("foreign");
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    writeFileSync(join(root, TARGET.wrapper), "#!/bin/sh\necho someone else's\n");
    const io = capture();
    expect(await makeInstallCommand({ source: miniSource() })(["--prefix", root], io)).toBe(1);
    expect(io.err()).toBe(
      "simgate install: write /usr/bin/simgate (0755 root:root: exec node /opt/simgate/bin/simgate.js): /usr/bin/simgate exists and was not written by simgate install: move it away first\n",
    );
    expect(existsSync(join(root, TARGET.udevRules))).toBe(false); // stopped there
    const un = capture();
    expect(await makeUninstallCommand()(["--prefix", root], un)).toBe(0);
    expect(un.out()).toContain("skipped (not written by simgate install): remove /usr/bin/simgate");
    expect(readFileSync(join(root, TARGET.wrapper), "utf8")).toContain("someone else's");
  });

  it("never deletes an account that is not simgate's service account", async () => {
    const root = tmp("pi");
    const sys = fakeSystem(root);
    const io = capture();
    expect(await makeUninstallCommand({ fsRoot: root, host: fakeHost(), exec: sys.exec })(["--purge", "--user", "pi"], io)).toBe(0);
    expect(io.out()).toContain("skipped (its home is /home/pi, not /var/lib/simgate: not simgate's service account): remove user pi");
    expect(sys.changes()).not.toContain("userdel pi");
  });
});

describe("--user NAME", () => {
  it("gets its own sysusers entry and a User=/Group= drop-in; uninstall finds it", async () => {
    const root = tmp("user");
    const io = capture();
    expect(await makeInstallCommand({ source: miniSource() })(["--prefix", root, "--user", "gsm"], io)).toBe(0);
    expect(io.out()).toContain("write /etc/simgate/simgate.yaml (0640 root:gsm,");
    expect(readFileSync(join(root, TARGET.sysusers), "utf8")).toMatch(/^u gsm - "simgate modem pool daemon" \/var\/lib\/simgate /m);
    expect(readFileSync(join(root, TARGET.sysusers), "utf8")).toMatch(/^m gsm dialout$/m);
    expect(readFileSync(join(root, TARGET.userDropin), "utf8")).toMatch(/\[Service\]\nUser=gsm\nGroup=gsm\n$/);
    expect(readFileSync(join(root, TARGET.unit), "utf8")).toBe(shipped("systemd/simgate.service"));

    const un = capture();
    expect(await makeUninstallCommand()(["--prefix", root, "--purge", "--dry-run"], un)).toBe(0);
    expect(un.out()).toContain("skipped (prefix): remove user gsm");
    expect(un.out()).toContain("would: remove /etc/systemd/system/simgate.service.d/10-simgate-user.conf");

    // Back to the default account: the drop-in goes.
    const back = capture();
    expect(await makeInstallCommand({ source: miniSource() })(["--prefix", root], back)).toBe(0);
    expect(back.out()).toContain("done: remove /etc/systemd/system/simgate.service.d/10-simgate-user.conf (back to User=simgate)");
    expect(existsSync(join(root, TARGET.dropinDir))).toBe(false);
  });

  it("rejects a bad name and unknown flags", async () => {
    const io = capture();
    expect(await makeInstallCommand()(["--user", "Bad Name"], io)).toBe(2);
    expect(io.err()).toContain("--user Bad Name: not a valid user name");
    const io2 = capture();
    expect(await makeInstallCommand()(["--now"], io2)).toBe(2);
    expect(io2.err()).toMatch(/^simgate install: Unknown option '--now'/);
  });
});

function octal(m: number): string {
  return `0${m.toString(8)}`;
}
