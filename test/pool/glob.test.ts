import { describe, expect, it } from "vitest";
import { expandGlob, globMatcher, globRoot, globToRegExp, globWatchDirs, hasGlobMagic } from "../../src/pool/glob.js";
import { FakeFs } from "./fakes.js";

describe("globToRegExp", () => {
  it.each([
    ["/dev/ttyUSB*", "/dev/ttyUSB12", true],
    ["/dev/ttyUSB*", "/dev/ttyUSB", true],
    ["/dev/ttyUSB*", "/dev/serial/ttyUSB1", false],
    ["/dev/ttyUSB?", "/dev/ttyUSB1", true],
    ["/dev/ttyUSB?", "/dev/ttyUSB12", false],
    ["/dev/ttyUSB[0-3]", "/dev/ttyUSB3", true],
    ["/dev/ttyUSB[!0-3]", "/dev/ttyUSB3", false],
    ["/dev/ttyUSB[!0-3]", "/dev/ttyUSB7", true],
    ["/dev/tty[", "/dev/tty[", true],
    ["/tmp/simgate-sim-*/modem*", "/tmp/simgate-sim-42-abc/modem3", true],
    ["/tmp/simgate-sim-*/modem*", "/tmp/other/modem3", false],
    ["/dev/**/ttyUSB1", "/dev/ttyUSB1", true],
    ["/dev/**/ttyUSB1", "/dev/a/b/ttyUSB1", true],
    ["/dev/serial/**", "/dev/serial/by-path/x", true],
    ["*usb-0:2.*", "pci-0000:00:14.0-usb-0:2.1.3:1.0-port0", true],
    ["*usb-0:2.*", "pci-0000:00:14.0-usb-0:1:1.0-port0", false],
    ["a.b+c(d)", "a.b+c(d)", true],
    ["a.b", "axb", false],
  ])("%s vs %s → %s", (pattern, value, expected) => {
    expect(globToRegExp(pattern).test(value)).toBe(expected);
  });

  it("matches any of several values", () => {
    const m = globMatcher(["*usb-0:2.*", "/dev/ttyACM*"]);
    expect(m(["/dev/ttyUSB0", "pci-0000:00:14.0-usb-0:2.1:1.0-port0"])).toBe(true);
    expect(m(["/dev/ttyUSB0"])).toBe(false);
    expect(globMatcher([])(["anything"])).toBe(false);
  });
});

describe("globRoot / hasGlobMagic", () => {
  it.each([
    ["/dev/ttyUSB*", "/dev"],
    ["/tmp/simgate-sim-*/modem*", "/tmp"],
    ["/dev/ttyUSB0", "/dev"],
    ["/*", "/"],
  ])("%s starts in %s", (p, root) => expect(globRoot(p)).toBe(root));
  it("knows a plain path", () => expect(hasGlobMagic("/dev/ttyUSB0")).toBe(false));
});

describe("expandGlob", () => {
  const fs = new FakeFs({
    nodes: ["/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyUSB10", "/dev/ttyACM0", "/dev/ttyS0", "/dev/a/b/ttyUSB1"],
    links: { "/tmp/simgate-sim-1-x/modem0": "/dev/pts/3", "/tmp/simgate-sim-1-x/modem1": "/dev/pts/4", "/tmp/simgate-sim-2-y/modem0": "/dev/pts/5", "/tmp/other/modem0": "/dev/pts/6" },
  });

  it("expands a last-segment glob, sorted", async () => {
    expect(await expandGlob("/dev/ttyUSB*", fs)).toEqual(["/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyUSB10"]);
  });

  it("expands globs in directory segments", async () => {
    expect(await expandGlob("/tmp/simgate-sim-*/modem*", fs)).toEqual([
      "/tmp/simgate-sim-1-x/modem0",
      "/tmp/simgate-sim-1-x/modem1",
      "/tmp/simgate-sim-2-y/modem0",
    ]);
  });

  it("descends with **", async () => {
    expect(await expandGlob("/dev/**/ttyUSB1", fs)).toEqual(["/dev/a/b/ttyUSB1", "/dev/ttyUSB1"]);
  });

  it("returns a plain path as given and an unmatched glob as nothing", async () => {
    expect(await expandGlob("/dev/ttyUSB99", fs)).toEqual(["/dev/ttyUSB99"]);
    expect(await expandGlob("/nowhere/tty*", fs)).toEqual([]);
  });

  it("lists the directories to watch for a pattern", async () => {
    expect(await globWatchDirs("/tmp/simgate-sim-*/modem*", fs)).toEqual(["/tmp", "/tmp/simgate-sim-1-x", "/tmp/simgate-sim-2-y"]);
    expect(await globWatchDirs("/dev/ttyUSB*", fs)).toEqual(["/dev"]);
  });
});
