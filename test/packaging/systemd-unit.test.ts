/**
 * systemd/simgate.service as systemd itself reads it: `systemd-analyze verify` (syntax,
 * known keys and values, executables) and `systemd-analyze security --offline=yes`
 * (exposure score ≤ 2.0), plus the directives the daemon relies on, and the sysusers file
 * that creates its user. systemd-analyze is required: CI installs the `systemd` package,
 * so a missing one fails here instead of skipping.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const UNIT_PATH = join(import.meta.dirname, "../../systemd/simgate.service");
const SYSUSERS_PATH = join(import.meta.dirname, "../../systemd/simgate.sysusers.conf");
const UNIT = readFileSync(UNIT_PATH, "utf8");

function run(command: string, args: readonly string[]) {
  const r = spawnSync(command, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error) throw new Error(`${command} could not run (${r.error.message}); install the Debian package "systemd"`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}${r.stderr}` };
}

/** The [Service]/[Unit]/[Install] assignments, each key with all its values in order. */
function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simgate-unit-"));
  run("systemd-analyze", ["--version"]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("systemd-analyze verify", () => {
  it("accepts the unit with ExecStart pointed at an existing binary: no message about it at all", () => {
    // /usr/bin/simgate exists only after the installer ran; everything else is checked as is.
    const copy = join(dir, "simgate.service");
    writeFileSync(copy, UNIT.replace(/^ExecStart=\/usr\/bin\/simgate /m, `ExecStart=${process.execPath} `));
    const r = run("systemd-analyze", ["verify", "--man=no", copy]);
    // verify exits 0 even for unknown keys or unparsable values, so its output is the verdict.
    const aboutUs = r.output.split("\n").filter((l) => l.includes("simgate"));
    expect(aboutUs, r.output).toEqual([]);
    expect(r.status, r.output).toBe(0);
  });

  it("reports nothing but the missing /usr/bin/simgate wrapper on the shipped unit (the documented one)", () => {
    const r = run("systemd-analyze", ["verify", "--man=no", UNIT_PATH]);
    const aboutUs = r.output.split("\n").filter((l) => l.includes("simgate") && !l.includes("/usr/bin/simgate is not executable"));
    expect(aboutUs, r.output).toEqual([]);
  });

  it("is strict enough to catch a typo (the check is not vacuous)", () => {
    const copy = join(dir, "typo.service");
    writeFileSync(copy, UNIT.replace(/^ExecStart=\/usr\/bin\/simgate /m, `ExecStart=${process.execPath} `).replace("ProtectHome=yes", "ProtectHomee=yes"));
    expect(run("systemd-analyze", ["verify", "--man=no", copy]).output).toContain("Unknown key 'ProtectHomee'");
  });
});

describe("systemd-analyze security --offline=yes", () => {
  it("scores an overall exposure of at most 2.0, without warnings", () => {
    const r = run("systemd-analyze", ["security", "--offline=yes", "--threshold=20", UNIT_PATH]);
    const m = /Overall exposure level for simgate\.service: (\d+(?:\.\d+)?) (\S+)/.exec(r.stdout);
    expect(m, r.output).not.toBeNull();
    const score = Number(m![1]);
    console.info(`systemd-analyze security: simgate.service exposure ${score} ${m![2]}`);
    expect(score).toBeLessThanOrEqual(2.0);
    expect(r.stderr).toBe("");
    expect(r.status, r.output).toBe(0);
  });
});

describe("the directives the daemon relies on", () => {
  const d = directives(UNIT);
  const one = (key: string) => {
    const values = d.get(key);
    expect(values, key).toHaveLength(1);
    return values![0];
  };

  it.each([
    ["Type", "notify"],
    ["NotifyAccess", "all"], // the notifications come from a systemd-notify child (src/host/notify-send.ts)
    ["WatchdogSec", "30s"],
    ["ExecStart", "/usr/bin/simgate run --config /etc/simgate/simgate.yaml"],
    ["User", "simgate"],
    ["SupplementaryGroups", "dialout"],
    ["StateDirectory", "simgate"],
    ["ConfigurationDirectory", "simgate"],
    ["EnvironmentFile", "-/etc/simgate/simgate.env"],
    ["Restart", "on-failure"],
    ["TimeoutStopSec", "15s"],
    ["KillSignal", "SIGTERM"],
    ["NoNewPrivileges", "yes"],
    ["ProtectSystem", "strict"],
    ["ProtectHome", "yes"],
    ["PrivateTmp", "yes"],
    ["PrivateDevices", "no"],
    ["DevicePolicy", "closed"],
    ["CapabilityBoundingSet", ""],
    ["AmbientCapabilities", ""],
    ["RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX AF_NETLINK"],
    ["SystemCallArchitectures", "native"],
    ["UMask", "0077"],
    // V8's JIT needs writable+executable pages: =yes would kill node at start.
    ["MemoryDenyWriteExecute", "no"],
  ])("%s=%s", (key, value) => {
    expect(one(key)).toBe(value);
  });

  it("allows exactly the modem ttys as devices", () => {
    expect(d.get("DeviceAllow")).toEqual(["char-ttyUSB rw", "char-ttyACM rw"]);
  });

  it("filters system calls to @system-service", () => {
    expect(d.get("SystemCallFilter")?.[0]).toBe("@system-service");
  });

  it("has a watchdog long enough for a ping every half period from a busy loop", () => {
    expect(parseInt(one("WatchdogSec")!, 10)).toBeGreaterThanOrEqual(10);
  });
});

describe("systemd/simgate.modules-load.conf", () => {
  it("loads the drivers behind DeviceAllow=char-ttyUSB and char-ttyACM", () => {
    const modules = readFileSync(join(import.meta.dirname, "../../systemd/simgate.modules-load.conf"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(modules).toEqual(["usbserial", "cdc_acm"]);
  });
});

describe("systemd/simgate.sysusers.conf", () => {
  it("creates the simgate system user in group dialout (systemd-sysusers into a scratch root)", () => {
    const root = join(dir, "root");
    mkdirSync(join(root, "etc"), { recursive: true });
    writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    writeFileSync(join(root, "etc/group"), "root:x:0:\ndialout:x:20:\n");
    const r = run("systemd-sysusers", [`--root=${root}`, SYSUSERS_PATH]);
    expect(r.status, r.output).toBe(0);
    const passwd = readFileSync(join(root, "etc/passwd"), "utf8");
    const group = readFileSync(join(root, "etc/group"), "utf8");
    const user = passwd.split("\n").find((l) => l.startsWith("simgate:"))?.split(":");
    expect(user?.[5]).toBe("/var/lib/simgate");
    expect(user?.[6]).toBe("/usr/sbin/nologin");
    // A system account: uid below 1000.
    expect(Number(user?.[2])).toBeLessThan(1000);
    expect(group).toMatch(/^dialout:x:20:simgate$/m);
  });
});
