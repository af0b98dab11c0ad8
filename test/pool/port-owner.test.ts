import { describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import { PortOwnerRegistry } from "../../src/pool/port-owner.js";
import { FakeFs } from "./fakes.js";

const fs = new FakeFs({
  nodes: ["/dev/ttyUSB2", "/dev/ttyUSB3"],
  links: {
    "/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.2-port0": "../../ttyUSB2",
    "/dev/serial/by-id/usb-Quectel_EC25_0123-if02-port0": "../../ttyUSB2",
  },
});

describe("PortOwnerRegistry", () => {
  it("refuses a second owner of the same tty, whichever name it uses", async () => {
    const owners = new PortOwnerRegistry((p) => fs.realpath(p));
    const lease = await owners.acquire("/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.2-port0", "modem:ec25");
    expect(lease.key).toBe("/dev/ttyUSB2");
    for (const other of ["/dev/ttyUSB2", "/dev/serial/by-id/usb-Quectel_EC25_0123-if02-port0"]) {
      const err = await owners.acquire(other, "probe").catch((e: unknown) => e);
      expect(isSimgateError(err, ErrorCode.DiscoveryPortOwned)).toBe(true);
      expect(isSimgateError(err) && err.context).toMatchObject({ device: "/dev/ttyUSB2", owner: "modem:ec25", requestedBy: "probe" });
    }
    expect(await owners.tryAcquire("/dev/ttyUSB2", "probe")).toBeUndefined();
    expect(await owners.ownerOf("/dev/ttyUSB2")).toBe("modem:ec25");
    expect((await owners.acquire("/dev/ttyUSB3", "probe")).key).toBe("/dev/ttyUSB3");
  });

  it("hands the tty to the next owner after release; a stale lease cannot release the new one", async () => {
    const owners = new PortOwnerRegistry((p) => fs.realpath(p));
    const first = await owners.acquire("/dev/ttyUSB2", "a");
    first.release();
    first.release();
    const second = await owners.acquire("/dev/ttyUSB2", "b");
    first.release();
    expect(await owners.ownerOf("/dev/ttyUSB2")).toBe("b");
    second.release();
    expect(owners.size).toBe(0);
  });

  it("lets only one of two concurrent acquires win", async () => {
    const owners = new PortOwnerRegistry((p) => fs.realpath(p));
    const results = await Promise.allSettled([owners.acquire("/dev/ttyUSB2", "a"), owners.acquire("/dev/serial/by-id/usb-Quectel_EC25_0123-if02-port0", "b")]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("keys paths that are not files (simulator binding) on themselves", async () => {
    const owners = new PortOwnerRegistry((p) => fs.realpath(p));
    expect((await owners.acquire("/sim/modem0", "a")).key).toBe("/sim/modem0");
    expect(await owners.tryAcquire("/sim/modem0", "b")).toBeUndefined();
  });
});
