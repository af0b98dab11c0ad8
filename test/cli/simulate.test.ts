import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isLuhnValid } from "../../src/sim/identifiers.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { Host } from "../sim/helpers.js";
import { run, startSimulate } from "./simulate-helpers.js";

interface Line {
  path: string;
  dialect: string;
  imei: string;
  iccid: string;
  imsi: string;
  msisdn: string | null;
  mcc: string;
  mnc: string;
  manufacturer: string;
  model: string;
  sim: string;
}

describe("simgate simulate", () => {
  let running: ReturnType<typeof startSimulate> | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill("SIGKILL");
      await running.exit;
    }
    running = undefined;
  });

  it("prints one JSON line per modem, each path answers AT, SIGTERM exits 0 and removes the links", async () => {
    running = startSimulate(["--modems", "4", "--dialect", "mixed", "--json", "--seed", "7"]);
    const modems = (await running.read(4)).map((l) => JSON.parse(l) as Line);
    expect(modems.map((m) => m.dialect)).toEqual(["generic", "simcom", "quectel", "huawei"]);
    for (const m of modems) {
      expect(m.path).toMatch(/modem\d$/);
      expect(isLuhnValid(m.imei)).toBe(true);
      expect(isLuhnValid(m.iccid)).toBe(true);
      expect(m.imsi.startsWith(m.mcc + m.mnc)).toBe(true);
      expect(m.msisdn === null || /^\+\d+$/.test(m.msisdn)).toBe(true);
      expect(m.sim).toBe("ready");
      // Native binding, real tty: the path is an openable pseudo-terminal.
      const host = new Host(await openBytePort({ path: m.path }));
      try {
        await host.cmd("ATE0");
        expect(await host.lines("AT+CGSN")).toEqual([m.imei, "OK"]);
      } finally {
        await host.port.close();
      }
    }
    running.child.kill("SIGTERM");
    expect(await running.exit).toBe(0);
    for (const m of modems) expect(existsSync(m.path)).toBe(false);
    expect(existsSync(dirname(modems[0]?.path ?? "/nonexistent"))).toBe(false);
  });

  it("the same seed gives the same modems", async () => {
    const first = startSimulate(["--modems", "2", "--dialect", "huawei", "--json", "--seed", "abc"]);
    running = first;
    const a = (await first.read(2)).map((l) => ({ ...JSON.parse(l), path: undefined }));
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    const second = startSimulate(["--modems", "2", "--dialect", "huawei", "--json", "--seed", "abc"]);
    running = second;
    const b = (await second.read(2)).map((l) => ({ ...JSON.parse(l), path: undefined }));
    second.child.kill("SIGTERM");
    expect(await second.exit).toBe(0);
    expect(b).toEqual(a);
  });

  it.each([
    [["--dialect", "generic"], /--modems N is required/],
    [["--modems", "0"], /--modems must be an integer/],
    [["--modems", "two"], /--modems must be an integer/],
    [["--modems", "2", "--dialect", "nokia"], /--dialect must be/],
    [["--modems", "2", "--latency", "-5"], /--latency/],
    [["--modems", "2", "--bogus"], /Unknown option/],
  ])("usage error %j → exit 2", async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
