import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUdevString, parseUdevExport, readUdevDb, readUdevDevice, usbProperty } from "../../src/pool/udev.js";
import { fakeSpawn } from "./fakes.js";
import { HOST_DB, UNSETTLED_TTY } from "./fixtures/udev-db.js";

describe("parseUdevExport", () => {
  const { devices, warnings } = parseUdevExport(HOST_DB);
  const byName = new Map(devices.map((d) => [d.devName, d]));

  it("reads every record of a captured export-db without warnings", () => {
    expect(warnings).toEqual([]);
    expect(devices.filter((d) => d.subsystem === "tty")).toHaveLength(25);
    expect(devices.filter((d) => d.devName?.startsWith("/dev/ttyUSB"))).toHaveLength(22);
  });

  it("gives the fields discovery needs for the EC25 AT interface", () => {
    const d = byName.get("/dev/ttyUSB2");
    expect(d?.devPath).toBe("/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.2/ttyUSB2/tty/ttyUSB2");
    expect(d?.initialized).toBe(true);
    expect(d?.properties).toMatchObject({
      DEVNAME: "/dev/ttyUSB2",
      SUBSYSTEM: "tty",
      ID_PATH: "pci-0000:00:14.0-usb-0:1:1.2",
      ID_PATH_TAG: "pci-0000_00_14_0-usb-0_1_1_2",
      ID_SERIAL: "Quectel_EC25_0123456789ABCDEF",
      ID_VENDOR_ID: "2c7c",
      ID_MODEL_ID: "0125",
      ID_USB_INTERFACE_NUM: "02",
      ID_USB_DRIVER: "option",
    });
    // S: lines and DEVLINKS name the same two links once each, made absolute.
    expect(d?.links).toEqual([
      "/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.2-port0",
      "/dev/serial/by-id/usb-Quectel_EC25_0123456789ABCDEF-if02-port0",
    ]);
  });

  it("decodes \\xNN escapes in values (udev_util_encode_string)", () => {
    expect(byName.get("/dev/ttyUSB2")?.properties["ID_MODEL_ENC"]).toBe("EC25    ");
    expect(byName.get("/dev/ttyUSB20")?.properties["ID_VENDOR_ENC"]).toBe("Silicon Labs");
    expect(byName.get("/dev/ttyUSB7")?.properties["ID_VENDOR_ENC"]).toBe("SimTech, Incorporated");
  });

  it("keeps ID_MM_DEVICE_IGNORE and reads non-tty records too", () => {
    expect(byName.get("/dev/ttyUSB21")?.properties["ID_MM_DEVICE_IGNORE"]).toBe("1");
    expect(byName.get("/dev/bus/usb/001/002")?.subsystem).toBe("usb");
  });

  it("marks a device udevd has not processed as not initialised", () => {
    const [d] = parseUdevExport(UNSETTLED_TTY).devices;
    expect(d?.devName).toBe("/dev/ttyUSB22");
    expect(d?.initialized).toBe(false);
  });

  it("reads `udevadm info -q property` output (bare KEY=VALUE lines)", () => {
    const text = "DEVPATH=/devices/x/ttyUSB2\nDEVNAME=/dev/ttyUSB2\nSUBSYSTEM=tty\nID_USB_INTERFACE_NUM=02\nDEVLINKS=/dev/a /dev/b\nUSEC_INITIALIZED=1\n";
    const { devices: [d], warnings: w } = parseUdevExport(text);
    expect(w).toEqual([]);
    expect(d).toMatchObject({ devName: "/dev/ttyUSB2", subsystem: "tty", links: ["/dev/a", "/dev/b"], initialized: true });
  });

  it.each([
    ["CRLF line ends", HOST_DB.replace(/\n/g, "\r\n"), 26],
    ["records without blank lines between them", HOST_DB.replace(/\n\n/g, "\n"), 26],
    ["a truncated last record", HOST_DB.slice(0, HOST_DB.length - 500), 25],
  ])("tolerates %s", (_name, text, atLeast) => {
    expect(parseUdevExport(text).devices.length).toBeGreaterThanOrEqual(atLeast);
  });

  it("turns garbage into warnings, keeps what it could read", () => {
    const { devices: ds, warnings: w } = parseUdevExport("P: /devices/a\nN: ttyUSB9\nthis is not udev\nE: NOEQUALS\nE: =novalue\nE: ID_PATH=x\n");
    expect(ds).toEqual([expect.objectContaining({ devName: "/dev/ttyUSB9", properties: { ID_PATH: "x" } })]);
    expect(w).toHaveLength(3);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => {
        const r = parseUdevExport(s);
        expect(Array.isArray(r.devices)).toBe(true);
        expect(r.warnings.length).toBeLessThanOrEqual(21);
      }),
    );
  });
});

describe("decodeUdevString", () => {
  it.each([
    ["plain", "plain"],
    [String.raw`a\x20b`, "a b"],
    [String.raw`\xc3\xa9t\xc3\xa9`, "été"],
    [String.raw`bad\xZZ`, String.raw`bad\xZZ`],
    [String.raw`trailing\x2`, String.raw`trailing\x2`],
  ])("%s → %s", (raw, decoded) => expect(decodeUdevString(raw)).toBe(decoded));
});

describe("usbProperty", () => {
  it("falls back between ID_USB_* and ID_* (systemd >= 254, serialport/bindings-cpp#115)", () => {
    const { devices: [d] } = parseUdevExport("P: /x\nE: ID_USB_VENDOR_ID=2c7c\nE: ID_MODEL_ID=0125\nE: ID_SERIAL=\n");
    expect(d && usbProperty(d, "VENDOR_ID")).toBe("2c7c");
    expect(d && usbProperty(d, "MODEL_ID")).toBe("0125");
    expect(d && usbProperty(d, "SERIAL")).toBeUndefined();
  });
});

describe("readUdevDb / readUdevDevice (spawn injected)", () => {
  it("runs `udevadm info --export-db` and parses its output", async () => {
    const spawn = fakeSpawn({ stdout: HOST_DB });
    const r = await readUdevDb(spawn);
    expect(spawn.calls).toEqual([["udevadm", "info", "--export-db"]]);
    expect(r.available).toBe(true);
    expect(r.devices.length).toBeGreaterThan(25);
  });

  it("asks for one device with -q property -n", async () => {
    const spawn = fakeSpawn({ stdout: "DEVNAME=/dev/ttyUSB2\nSUBSYSTEM=tty\n" });
    const r = await readUdevDevice(spawn, "/dev/ttyUSB2");
    expect(spawn.calls).toEqual([["udevadm", "info", "-q", "property", "-n", "/dev/ttyUSB2"]]);
    expect(r.devices[0]?.devName).toBe("/dev/ttyUSB2");
  });

  it("degrades to 'unavailable' when udevadm is not installed (containers, CI)", async () => {
    const r = await readUdevDb(fakeSpawn({ error: "ENOENT" }));
    expect(r).toEqual({ available: false, devices: [], warnings: ["udevadm not found; udev data unavailable"] });
  });

  it("degrades when spawn itself throws", async () => {
    const r = await readUdevDb(() => {
      throw new Error("EPERM");
    });
    expect(r.available).toBe(false);
    expect(r.warnings[0]).toMatch(/could not be started: EPERM/);
  });

  it("keeps what a failing udevadm printed and says how it exited", async () => {
    const r = await readUdevDb(fakeSpawn({ stdout: UNSETTLED_TTY, code: 1 }));
    expect(r.devices).toHaveLength(1);
    expect(r.warnings).toEqual(["udevadm info --export-db exited with 1"]);
  });

  it("kills a hung udevadm after the timeout", async () => {
    const spawn = fakeSpawn({ hang: true });
    const r = await readUdevDb(spawn, { timeoutMs: 20 });
    expect(r.devices).toEqual([]);
    expect(r.warnings[0]).toMatch(/took over 20 ms/);
  });
});
