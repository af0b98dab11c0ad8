/**
 * udev/99-simgate.rules: well formed (every line parses, known keys, valid operators,
 * every match has an assignment, GOTO targets exist), and it does what the drivers say:
 * every USB id a driver declares is claimed from ModemManager, and exactly the interfaces
 * discovery would drive get a /dev/simgate/ name. A new driver or USB id without a rule
 * fails here. Where udevd's own parser can run (udevadm verify on systemd ≥ 254, or
 * udevadm test in a private mount namespace on 252), it must accept the file too.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DRIVERS, USB_UART_BRIDGES, atInterfaceFor } from "../../drivers/registry.js";
import type { UsbId } from "../../drivers/types.js";
import { parseRules, simulate, udevPatternMatches, type SimEvent, type SysDevice } from "./udev-rules.js";

const RULES_PATH = join(import.meta.dirname, "../../udev/99-simgate.rules");
const TEXT = readFileSync(RULES_PATH, "utf8");
const { rules, problems } = parseRules(TEXT);

// ---- a tiny sysfs: a host controller, a pool hub, and devices on its ports ----

const PCI: SysDevice = { subsystem: "pci", kernel: "0000:00:14.0", driver: "xhci_hcd", attrs: { vendor: "0x8086" } };
const ROOT_HUB: SysDevice = { subsystem: "usb", kernel: "usb1", devtype: "usb_device", driver: "usb", attrs: { idVendor: "1d6b", idProduct: "0002" } };
const POOL_HUB: SysDevice = { subsystem: "usb", kernel: "1-1", devtype: "usb_device", driver: "usb", attrs: { idVendor: "1a40", idProduct: "0201" } };

interface Plug {
  vid: string;
  pid: string;
  /** Hub port, e.g. "3" → USB path 1-1.3. */
  port: string;
  ifnum?: string;
  proto?: string;
  /** usb-serial port number (option, ch341, ftdi_sio); undefined for cdc_acm. */
  serialPort?: string;
  tty?: string;
}

const usbDevice = (p: Plug): SysDevice => ({
  subsystem: "usb",
  kernel: `1-1.${p.port}`,
  devtype: "usb_device",
  driver: "usb",
  attrs: { idVendor: p.vid, idProduct: p.pid },
});
const usbInterface = (p: Plug): SysDevice => ({
  subsystem: "usb",
  kernel: `1-1.${p.port}:1.${parseInt(p.ifnum ?? "00", 16)}`,
  devtype: "usb_interface",
  driver: p.serialPort === undefined ? "cdc_acm" : "option",
  attrs: { bInterfaceNumber: p.ifnum ?? "00", bInterfaceProtocol: p.proto ?? "ff", bInterfaceClass: "ff" },
});
const idPath = (p: Plug) => `pci-0000:00:14.0-usb-0:1.${p.port}:1.${parseInt(p.ifnum ?? "00", 16)}`;

/** The tty of one interface, with what 60-serial.rules and path_id leave in the environment. */
function ttyEvent(p: Plug, extra: Partial<SimEvent> = {}): SimEvent {
  const tty = p.tty ?? (p.serialPort === undefined ? "ttyACM0" : "ttyUSB0");
  const chain: SysDevice[] = [{ subsystem: "tty", kernel: tty, attrs: {} }];
  if (p.serialPort !== undefined) chain.push({ subsystem: "usb-serial", kernel: tty, driver: "option1", attrs: { port_number: p.serialPort } });
  chain.push(usbInterface(p), usbDevice(p), POOL_HUB, ROOT_HUB, PCI);
  return { action: "add", chain, builtins: { path_id: { ID_PATH: idPath(p), ID_PATH_TAG: idPath(p).replace(/[:.]/g, "_") } }, ...extra };
}

function usbDeviceEvent(p: Plug, env: Record<string, string> = {}): SimEvent {
  return { action: "add", chain: [usbDevice(p), POOL_HUB, ROOT_HUB, PCI], env };
}

function netEvent(p: Plug): SimEvent {
  return { action: "add", chain: [{ subsystem: "usbmisc", kernel: "cdc-wdm0", attrs: {} }, usbInterface(p), usbDevice(p), POOL_HUB, ROOT_HUB, PCI] };
}

// ---- what the drivers say ----

const NEVER_NAMED = new Set(["diag", "gps", "audio"]);

/**
 * Whether discovery would drive this interface, i.e. whether it gets a /dev/simgate/ name.
 * A per-number table with an "at" entry: only that one (the others are set aside by
 * selectAtInterfaces). Otherwise (protocol tables, unknown layouts) everything that might
 * answer AT: Huawei's PCUI by protocol, anything unknown for discovery to probe.
 */
function expectNamed(entry: UsbId, vid: string, pid: string, ifnum: string, proto: string): boolean {
  const role = atInterfaceFor(vid, pid, ifnum, proto);
  if (Object.values(entry.interfaces ?? {}).includes("at")) return role === "at";
  return role === undefined || role === "at" || (!Object.values(entry.protocols ?? {}).includes("at") && !NEVER_NAMED.has(role));
}

/** A product id no driver declares, to exercise vendor-wide entries. */
const UNDECLARED_PID = "fffe";

const driverIds = DRIVERS.flatMap((driver) => (driver.match.usb ?? []).map((entry) => ({ driver: driver.name, entry })));

describe("udev/99-simgate.rules is well formed", () => {
  it("parses: every line, key and operator is valid udev, every match has an assignment, GOTOs land", () => {
    expect(problems).toEqual([]);
    expect(rules.length).toBeGreaterThan(20);
  });

  it("the checker catches what udevd rejects", () => {
    const bad = parseRules(
      [
        'FOO=="bar", GROUP="dialout"',
        'KERNEL=="ttyUSB*"',
        'ENV{X}-="1"',
        'GROUP=="dialout", MODE="0660"',
        'KERNEL=="x" GOTO="end"',
        'ATTRS=="1", RUN+="x"',
        'GOTO="nowhere"',
        'LABEL="back"',
        'GOTO="back"',
        'ENV{X}="$bogus{1}"',
        'SUBSYSTEM=="tty", \\',
        '  MODE="0660"',
      ].join("\n"),
    );
    expect(bad.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      "1: unknown key FOO",
      "2: rule has matches but no assignment: it does nothing",
      "3: operator -= is not valid for ENV{X}",
      "4: operator == is not valid for GROUP",
      '5: cannot parse "KERNEL==\\"x\\" GOTO=\\"end\\""',
      "6: ATTRS needs {…}",
      '10: unknown substitution in "$bogus{1}"',
      "7: GOTO nowhere has no LABEL",
      "9: GOTO back jumps backwards",
    ]);
    // The continued rule parsed as one.
    expect(bad.rules.at(-1)?.tokens.map((t) => t.key)).toEqual(["SUBSYSTEM", "MODE"]);
  });

  it("has a comment block per driver family and per pool bridge", () => {
    for (const driver of DRIVERS) expect(TEXT).toMatch(new RegExp(`^# Family: ${driver.name} —`, "m"));
    for (const [id, name] of Object.entries(USB_UART_BRIDGES)) {
      const [vid, pid] = id.split(":") as [string, string];
      expect(TEXT, name).toMatch(new RegExp(`^#\\s+${vid}:${pid}\\s`, "m"));
    }
    for (const { entry } of driverIds) if (entry.productId) expect(TEXT).toMatch(new RegExp(`^#\\s+${entry.vendorId}:${entry.productId}\\s`, "m"));
  });

  it("matches udev's pattern syntax in the simulator", () => {
    expect(udevPatternMatches("ttyUSB[0-9]*|ttyACM[0-9]*", "ttyACM12")).toBe(true);
    expect(udevPatternMatches("ttyUSB[0-9]*|ttyACM[0-9]*", "ttyS0")).toBe(false);
    expect(udevPatternMatches("?*", "")).toBe(false);
    expect(udevPatternMatches("", "")).toBe(true);
  });
});

describe("every USB id the drivers declare is handled", () => {
  it.each(driverIds.map(({ driver, entry }) => [`${driver} ${entry.vendorId}:${entry.productId ?? "*"}${entry.models ? ` (${entry.models})` : ""}`, driver, entry] as const))(
    "%s",
    (_name, driver, entry) => {
      const pid = entry.productId ?? UNDECLARED_PID;
      const plug: Plug = { vid: entry.vendorId, pid, port: "4", serialPort: "0" };

      // The USB device itself: claimed from ModemManager, brltty's wants untouched (not a bridge).
      const dev = simulate(rules, usbDeviceEvent(plug, { SYSTEMD_WANTS: "usb_modeswitch@x.service" }));
      expect(dev.env).toMatchObject({ ID_MM_DEVICE_IGNORE: "1", SIMGATE_FAMILY: driver, SYSTEMD_WANTS: "usb_modeswitch@x.service" });
      expect(dev.symlinks).toEqual([]);
      if (entry.noAt) return; // no tty in this composition

      const ifnums = [...new Set([...Object.keys(entry.interfaces ?? {}), "00", "01", "02", "03", "04", "05"])].sort();
      const protos = [...new Set([...Object.keys(entry.protocols ?? {}), "ff"])];
      for (const ifnum of ifnums) {
        for (const proto of protos) {
          const p = { ...plug, ifnum, proto };
          const r = simulate(rules, ttyEvent(p));
          const named = expectNamed(entry, entry.vendorId, pid, ifnum, proto);
          const why = `if${ifnum} proto ${proto} (role ${atInterfaceFor(entry.vendorId, pid, ifnum, proto) ?? "unknown"}), rules on lines ${r.matched.join(",")}`;
          expect(r.env, why).toMatchObject({ ID_MM_DEVICE_IGNORE: "1", SIMGATE_FAMILY: driver, SIMGATE_ROLE: named ? "at" : "other" });
          expect(r.group, why).toBe("dialout");
          expect(r.mode, why).toBe("0660");
          expect(r.symlinks, why).toEqual(named ? [`simgate/${idPath(p)}-port0`] : []);
          // Its QMI/MBIM port is claimed too, so ModemManager cannot take the modem that way.
          expect(simulate(rules, netEvent(p)).env, why).toMatchObject({ ID_MM_DEVICE_IGNORE: "1" });
        }
      }
      // Some layout always gets a name, or the family would be invisible to the glob.
      expect(ifnums.some((i) => protos.some((pr) => expectNamed(entry, entry.vendorId, pid, i, pr)))).toBe(true);
    },
  );
});

describe("pool bridges", () => {
  it.each(Object.entries(USB_UART_BRIDGES))("%s (%s): every tty is an AT port with a by-path name", (id) => {
    const [vid, pid] = id.split(":") as [string, string];
    // Two ports on one interface (multi-port usb-serial chips) and a second interface (FT2232/FT4232).
    const ports = [
      { vid, pid, port: "7", ifnum: "00", serialPort: "0", tty: "ttyUSB5" },
      { vid, pid, port: "7", ifnum: "00", serialPort: "1", tty: "ttyUSB6" },
      { vid, pid, port: "7", ifnum: "01", serialPort: "0", tty: "ttyUSB7" },
    ];
    for (const p of ports) {
      const r = simulate(rules, ttyEvent(p));
      expect(r.env).toMatchObject({ ID_MM_DEVICE_IGNORE: "1", SIMGATE_FAMILY: "bridge", SIMGATE_ROLE: "at" });
      expect([r.group, r.mode]).toEqual(["dialout", "0660"]);
      expect(r.symlinks).toEqual([`simgate/${idPath(p)}-port${p.serialPort}`]);
    }
    // CDC-ACM bridges (CH9102 on cdc_acm) have no port number: one tty per interface.
    const acm = simulate(rules, ttyEvent({ vid, pid, port: "8", ifnum: "00" }));
    expect(acm.symlinks).toEqual([`simgate/pci-0000:00:14.0-usb-0:1.8:1.0`]);
    // brltty's want on the bridge's USB device is dropped.
    const dev = simulate(rules, usbDeviceEvent({ vid, pid, port: "7" }, { SYSTEMD_WANTS: "brltty-device@.service" }));
    expect(dev.env["SYSTEMD_WANTS"]).toBeUndefined();
    expect(dev.env).toMatchObject({ ID_MM_DEVICE_IGNORE: "1" });
  });

  it("gives a 32-port mixed pool 32 distinct names (unique per tty)", () => {
    const names = new Set<string>();
    for (let port = 1; port <= 16; port++) {
      for (const serialPort of ["0", "1"]) {
        const r = simulate(rules, ttyEvent({ vid: "1a86", pid: "7523", port: String(port), ifnum: "00", serialPort }));
        expect(r.symlinks).toHaveLength(1);
        names.add(r.symlinks[0] as string);
      }
    }
    expect(names.size).toBe(32);
  });
});

describe("leaves everything else alone", () => {
  const untouched = (e: SimEvent) => {
    const r = simulate(rules, e);
    expect(r.symlinks).toEqual([]);
    expect(r.group).toBeUndefined();
    const devtype = e.chain[0]?.devtype;
    expect(r.env).toEqual({ ...e.env, ...(devtype ? { DEVTYPE: devtype } : {}) });
  };

  it("an unrelated USB serial device (Arduino 2341:0043)", () => untouched(ttyEvent({ vid: "2341", pid: "0043", port: "2", ifnum: "00" })));
  it("the pool's hub itself", () => untouched({ action: "add", chain: [POOL_HUB, ROOT_HUB, PCI] }));
  it("Qualcomm's VID outside the declared products (05c6:9008 QDL recovery)", () => untouched(ttyEvent({ vid: "05c6", pid: "9008", port: "2", serialPort: "0" })));
  it("a built-in UART", () => untouched({ action: "add", chain: [{ subsystem: "tty", kernel: "ttyS0", attrs: {} }, { subsystem: "pnp", kernel: "00:05", attrs: {} }] }));
  it("remove events", () => untouched(ttyEvent({ vid: "1a86", pid: "7523", port: "2", serialPort: "0" }, { action: "remove" })));
  it("a device a local rule opted out with SIMGATE_SKIP=1", () => untouched(ttyEvent({ vid: "1a86", pid: "7523", port: "2", serialPort: "0" }, { env: { SIMGATE_SKIP: "1" } })));
});

describe("udevd's own parser", () => {
  it("accepts the file (udevadm verify, or udevadm test in a private mount namespace)", () => {
    const outcome = runUdevadm();
    if (outcome.kind === "unavailable") {
      // Not a skip: the structural and behavioural checks above are the check here. Say so.
      console.warn(`udev rules: udevd's parser not run (${outcome.why}); the structural checks in this file are the check`);
      return;
    }
    expect(outcome.problems, outcome.output).toEqual([]);
  });
});

type UdevadmOutcome = { kind: "unavailable"; why: string } | { kind: "ran"; problems: string[]; output: string };

function runUdevadm(): UdevadmOutcome {
  const version = spawnSync("udevadm", ["--version"], { encoding: "utf8" });
  if (version.error) return { kind: "unavailable", why: "udevadm is not installed (Debian package udev)" };
  // systemd ≥ 254: a real linter.
  const verify = spawnSync("udevadm", ["verify", "--resolve-names=never", RULES_PATH], { encoding: "utf8" });
  if (verify.status === 0 || /simgate\.rules/.test(`${verify.stdout}${verify.stderr}`)) {
    const output = `${verify.stdout}${verify.stderr}`;
    return { kind: "ran", problems: verify.status === 0 ? [] : output.split("\n").filter((l) => l.includes("99-simgate.rules")), output };
  }
  // systemd 252/253: `udevadm test` loads every rules file and reports parse errors as
  // "<file>:<line> …". Run it where our file is the only one in /etc/udev/rules.d and
  // /dev and /run are throwaway tmpfs, so nothing on the host changes.
  if (process.getuid?.() !== 0) return { kind: "unavailable", why: `udevadm ${version.stdout.trim()} has no verify and udevadm test needs root` };
  const sysTty = existsSync("/sys/class/tty") ? readdirSync("/sys/class/tty")[0] : undefined;
  if (!sysTty) return { kind: "unavailable", why: "no /sys/class/tty device to run udevadm test on" };
  const dir = mkdtempSync(join(tmpdir(), "simgate-udev-"));
  try {
    writeFileSync(join(dir, "99-simgate.rules"), TEXT);
    const script = [
      "set -e",
      "mount --make-rprivate /",
      `mount --bind '${dir}' /etc/udev/rules.d`,
      "mount -t tmpfs tmpfs /dev",
      "mount -t tmpfs tmpfs /run",
      `exec udevadm test --action=add /sys/class/tty/${sysTty}`,
    ].join("\n");
    const test = spawnSync("unshare", ["--mount", "sh", "-c", script], { encoding: "utf8", timeout: 60_000 });
    const output = `${test.stdout ?? ""}${test.stderr ?? ""}`;
    if (test.error || test.status !== 0 || !output.includes("Reading rules file: /etc/udev/rules.d/99-simgate.rules")) {
      return { kind: "unavailable", why: `udevadm test in a mount namespace did not run (${test.error?.message ?? `exit ${test.status}`}: ${output.trim().split("\n").slice(-2).join(" / ")})` };
    }
    return { kind: "ran", problems: output.split("\n").filter((l) => l.startsWith("/etc/udev/rules.d/99-simgate.rules")), output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
