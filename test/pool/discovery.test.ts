import { describe, expect, it } from "vitest";
import { discover, discoverPorts, type DiscoveredPort, type InterfaceRoleFn, type PortRole } from "../../src/pool/discovery.js";
import { atInterfaceFor } from "../../drivers/registry.js";
import { startSimulatedPool } from "../../src/sim/pool.js";
import { fakeSpawn, FakeFs, fsFromUdev } from "./fakes.js";
import { EC25_ID, EC25_USB, HOST_DB, UNSETTLED_TTY } from "./fixtures/udev-db.js";

/** Stand-in for drivers/registry atInterfaceFor (docs/hardware.md#vendor-notes), test-only. */
const TABLE: Record<string, PortRole[]> = {
  "2c7c:0125": ["diag", "gps", "at", "modem"],
  "1e0e:9001": ["diag", "gps", "at", "at-secondary", "audio"],
  "12d1:1c05": ["modem", "audio", "at"],
};
const interfaceRole: InterfaceRoleFn = (vid, pid, ifnum) => TABLE[`${vid}:${pid}`]?.[ifnum];

function host(extra = "") {
  const db = HOST_DB + "\n" + extra;
  return { fs: fsFromUdev(db), spawn: fakeSpawn({ stdout: db }) };
}
const byDev = (ports: readonly DiscoveredPort[], devName: string) => ports.find((p) => p.devName === devName);
const devs = (ports: readonly DiscoveredPort[]) => ports.map((p) => p.devName);

describe("discover over a host with udev", () => {
  it("finds every USB tty and none of the consoles, legacy UARTs or USB device nodes", async () => {
    const r = await discover(host());
    expect(r.udev).toBe(true);
    expect(r.ports).toHaveLength(22);
    expect(devs(r.ports).every((d) => /^\/dev\/ttyUSB\d+$/.test(d))).toBe(true);
  });

  it("identifies a port by its USB path and opens it through the by-path link", async () => {
    const ec25 = byDev(await discoverPorts(host()), "/dev/ttyUSB2");
    expect(ec25).toEqual({
      id: EC25_ID,
      path: `/dev/serial/by-path/${EC25_ID}`,
      devName: "/dev/ttyUSB2",
      links: ["/dev/serial/by-id/usb-Quectel_EC25_0123456789ABCDEF-if02-port0"],
      vendorId: "2c7c",
      productId: "0125",
      interfaceNumber: 2,
      usbDevice: EC25_USB,
      serialNumber: "0123456789ABCDEF",
      manufacturer: "Quectel",
      driver: "option",
      source: "udev",
    });
  });

  it("gives 8 CH340s without serial numbers 8 identities, never their shared by-id link (docs/hardware.md#pool-hardware)", async () => {
    const r = await discover(host());
    const ch340 = r.ports.filter((p) => p.vendorId === "1a86");
    expect(ch340).toHaveLength(8);
    expect(new Set(ch340.map((p) => p.id)).size).toBe(8);
    expect(ch340.every((p) => p.path.startsWith("/dev/serial/by-path/"))).toBe(true);
    expect(ch340.map((p) => p.id)).toContain("pci-0000:00:14.0-usb-0:2.2.4:1.0-port0");
    expect(r.warnings).toContain("/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0 is claimed by 8 devices (no USB serial numbers); not used as an identity");
  });

  it("keeps all interfaces of a modem when roles are unknown, grouped and in interface order", async () => {
    const ports = await discoverPorts(host());
    const ec25 = ports.filter((p) => p.usbDevice === EC25_USB);
    expect(ec25.map((p) => p.interfaceNumber)).toEqual([0, 1, 2, 3]);
    const first = ports.findIndex((p) => p.usbDevice === EC25_USB);
    expect(ports.slice(first, first + 4)).toEqual(ec25);
  });

  it("keeps only the AT interface when the vendor tables know the modem, marking the rest", async () => {
    const r = await discover({ ...host(), interfaceRole });
    const kept = (vid: string) => r.ports.filter((p) => p.vendorId === vid).map((p) => [p.devName, p.role]);
    expect(kept("2c7c")).toEqual([["/dev/ttyUSB2", "at"]]);
    expect(kept("12d1")).toEqual([["/dev/ttyUSB6", "at"]]);
    expect(kept("1e0e")).toEqual([["/dev/ttyUSB9", "at"]]);
    const set = r.skipped.filter((s) => s.reason === "not-at-interface").map((s) => [s.port.devName, s.port.role]);
    expect(set).toEqual(
      expect.arrayContaining([
        ["/dev/ttyUSB0", "diag"],
        ["/dev/ttyUSB1", "gps"],
        ["/dev/ttyUSB3", "modem"],
        ["/dev/ttyUSB10", "at-secondary"],
        ["/dev/ttyUSB11", "audio"],
        ["/dev/ttyUSB4", "modem"],
      ]),
    );
    expect(set).toHaveLength(9);
    // Single-interface bridges are untouched by the tables.
    expect(r.ports.filter((p) => p.vendorId === "1a86")).toHaveLength(8);
  });

  it("takes drivers/registry atInterfaceFor as the role function (the wiring the pool uses)", async () => {
    const r = await discover({ ...host(), interfaceRole: atInterfaceFor });
    expect(r.ports.filter((p) => p.vendorId === "2c7c").map((p) => p.devName)).toEqual(["/dev/ttyUSB2"]);
    expect(r.ports.filter((p) => p.vendorId === "1e0e").map((p) => p.devName)).toEqual(["/dev/ttyUSB9"]);
    // Huawei roles come from bInterfaceProtocol, which a tty's udev record does not carry: all three are probed.
    expect(r.ports.filter((p) => p.vendorId === "12d1")).toHaveLength(3);
  });

  it("falls back to ModemManager's port-type tags when the tables do not know the device", async () => {
    const db = [0, 1].map((i) => [
      `P: /devices/x/1-9:1.${i}/ttyACM${i}`, "U: tty", `N: ttyACM${i}`, "I: 1",
      `E: ID_PATH=pci-0000:00:14.0-usb-0:9:1.${i}`, "E: ID_BUS=usb", `E: ID_USB_INTERFACE_NUM=0${i}`,
      "E: ID_VENDOR_ID=1234", "E: ID_MODEL_ID=5678", i === 1 ? "E: ID_MM_PORT_TYPE_AT_PRIMARY=1" : "E: ID_MM_PORT_TYPE_QCDM=1", "",
    ].join("\n")).join("\n");
    const r = await discover({ fs: fsFromUdev(db), spawn: fakeSpawn({ stdout: db }), interfaceRole });
    expect(r.ports.map((p) => [p.id, p.role])).toEqual([["pci-0000:00:14.0-usb-0:9:1.1", "at"]]);
  });

  it("skips ID_MM_DEVICE_IGNORE devices only when told to (our own rules set the tag)", async () => {
    expect(byDev(await discoverPorts(host()), "/dev/ttyUSB21")?.mmIgnore).toBe(true);
    const r = await discover(host(), { skipMmIgnored: true });
    expect(byDev(r.ports, "/dev/ttyUSB21")).toBeUndefined();
    expect(r.skipped.find((s) => s.port.devName === "/dev/ttyUSB21")?.reason).toBe("mm-ignore");
  });

  it("waits for udevd on a tty it has not processed yet, instead of naming it by ttyUSBn", async () => {
    const r = await discover(host(UNSETTLED_TTY));
    expect(byDev(r.ports, "/dev/ttyUSB22")).toBeUndefined();
    expect(r.skipped.find((s) => s.port.devName === "/dev/ttyUSB22")?.reason).toBe("udev-not-settled");
  });

  it("does not wait for udevd on a tty it would skip anyway (not included): no rescan loop", async () => {
    const r = await discover(host(UNSETTLED_TTY), { include: ["/dev/ttyUSB0"] });
    expect(r.skipped.find((s) => s.port.devName === "/dev/ttyUSB22")?.reason).toBe("not-included");
    expect(r.skipped.some((s) => s.reason === "udev-not-settled")).toBe(false);
  });

  it("does not wait forever where no udevd runs (nothing initialised)", async () => {
    const r = await discover({ fs: fsFromUdev(UNSETTLED_TTY), spawn: fakeSpawn({ stdout: UNSETTLED_TTY }) });
    expect(r.ports.map((p) => p.id)).toEqual(["/dev/ttyUSB22"]);
  });
});

describe("discover without udevadm (containers, CI)", () => {
  it("gets the same ids from the /dev/serial links alone, and interface/device from the link names", async () => {
    const withUdev = await discoverPorts(host());
    const r = await discover({ fs: host().fs, spawn: fakeSpawn({ error: "ENOENT" }) });
    expect(r.udev).toBe(false);
    expect(r.warnings).toContain("udevadm not found; udev data unavailable");
    expect(r.ports.map((p) => p.id).sort()).toEqual(withUdev.map((p) => p.id).sort());
    expect(byDev(r.ports, "/dev/ttyUSB2")).toMatchObject({ id: EC25_ID, interfaceNumber: 2, usbDevice: EC25_USB, source: "links" });
  });

  it("survives a binding whose list() rejects (the native one runs udevadm too)", async () => {
    const binding = { list: () => Promise.reject(new Error("spawn udevadm ENOENT")) };
    const r = await discover({ fs: new FakeFs(), binding });
    expect(r.ports).toEqual([]);
    expect(r.warnings).toEqual(["serial binding list() failed: spawn udevadm ENOENT"]);
  });
});

describe("dedupe, configured paths and filters", () => {
  const listOf = (paths: string[]) => ({ list: async () => paths.map((path) => ({ path, manufacturer: undefined, serialNumber: undefined, pnpId: undefined, locationId: undefined, vendorId: undefined, productId: undefined })) });

  it("merges by-path, by-id, /dev/ttyUSBn, list() and a glob reaching one tty into one port", async () => {
    const ports = await discoverPorts(
      { ...host(), binding: listOf(["/dev/ttyUSB2", "/dev/ttyS0"]) },
      { paths: ["/dev/ttyUSB*", "/dev/serial/by-id/*Quectel*if02*"] },
    );
    expect(ports).toHaveLength(22);
    const ec25 = byDev(ports, "/dev/ttyUSB2");
    expect(ec25).toMatchObject({ id: EC25_ID, path: `/dev/serial/by-path/${EC25_ID}`, source: "glob" });
    expect(ec25?.links).toEqual(["/dev/serial/by-id/usb-Quectel_EC25_0123456789ABCDEF-if02-port0"]);
  });

  it("skips a built-in UART from list() unless config names it", async () => {
    const deps = { fs: new FakeFs({ nodes: ["/dev/ttyS0", "/dev/ttyS1"] }), binding: listOf(["/dev/ttyS0", "/dev/ttyS1"]) };
    const r = await discover(deps);
    expect(r.ports).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual(["builtin-uart", "builtin-uart"]);
    expect(devs(await discoverPorts(deps, { paths: ["/dev/ttyS1"] }))).toEqual(["/dev/ttyS1"]);
  });

  it("applies include and exclude globs to ids and paths", async () => {
    const onHub = await discoverPorts(host(), { include: ["*usb-0:2.*"] });
    expect(onHub.map((p) => p.vendorId)).toEqual(Array(8).fill("1a86"));
    const r = await discover(host(), { include: ["*usb-0:2.*"], exclude: ["*usb-0:2.2.*", "/dev/ttyUSB12"] });
    expect(devs(r.ports)).toEqual(["/dev/ttyUSB13", "/dev/ttyUSB14", "/dev/ttyUSB15"]);
    expect(r.skipped.filter((s) => s.reason === "excluded")).toHaveLength(5);
    expect(r.skipped.filter((s) => s.reason === "not-included")).toHaveLength(14);
  });

  it("exempts configured paths from include, but not from exclude", async () => {
    const fs = new FakeFs({ nodes: ["/dev/pts/3", "/dev/pts/4"], links: { "/run/pool/modem0": "/dev/pts/3", "/run/pool/modem1": "/dev/pts/4" } });
    expect(devs(await discoverPorts({ fs }, { paths: ["/run/pool/modem*"], include: ["/dev/ttyUSB*"] }))).toEqual(["/dev/pts/3", "/dev/pts/4"]);
    expect(devs(await discoverPorts({ fs }, { paths: ["/run/pool/modem*"], exclude: ["**/modem1"] }))).toEqual(["/dev/pts/3"]);
  });

  it("names pty links by the link (the pts number changes on every replug) and merges two links to one pty", async () => {
    const fs = new FakeFs({ nodes: ["/dev/pts/3"], links: { "/run/pool/modem0": "/dev/pts/3", "/run/pool/alias": "modem0" } });
    const r = await discover({ fs }, { paths: ["/run/pool/modem0", "/run/pool/alias", "/run/pool/gone"] });
    expect(r.ports).toEqual([{ id: "/run/pool/modem0", path: "/run/pool/modem0", devName: "/dev/pts/3", links: ["/run/pool/alias"], source: "glob" }]);
    expect(r.warnings).toEqual(["configured port /run/pool/gone does not exist"]);
  });

  it("lists simulated modems from SimulatedBinding.list() with their USB ids and locations", async () => {
    const pool = await startSimulatedPool({ count: 3, dialect: "quectel", seed: 1, attach: "in-process" });
    try {
      const ports = await discoverPorts({ fs: new FakeFs(), binding: pool.binding });
      expect(ports.map((p) => [p.id, p.path, p.usbDevice, p.interfaceNumber, p.source])).toEqual([
        ["/sim/modem0", "/sim/modem0", "1-1.1", 0, "list"],
        ["/sim/modem1", "/sim/modem1", "1-1.2", 0, "list"],
        ["/sim/modem2", "/sim/modem2", "1-1.3", 0, "list"],
      ]);
      expect(ports[0]?.vendorId).toMatch(/^[0-9a-f]{4}$/);
    } finally {
      await pool.close();
    }
  });
});
