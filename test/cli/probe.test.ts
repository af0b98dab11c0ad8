import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO, runSimgate, startSimgate, type LongRunning } from "../helpers/cli.js";
import { startPtyPair, type PtyPair } from "../helpers/socat-pair.js";

interface SimulatedLine {
  path: string;
  dialect: string;
  imei: string;
  iccid: string;
  imsi: string;
  msisdn: string | null;
  mcc: string;
  mnc: string;
}

describe("simgate simulate + simgate probe agree (issue 2 'done when')", () => {
  let sim: LongRunning;
  let modems: SimulatedLine[];

  beforeAll(async () => {
    sim = startSimgate(["simulate", "--modems", "4", "--dialect", "mixed", "--json"]);
    modems = (await sim.lines(4)).map((l) => JSON.parse(l) as SimulatedLine);
  });

  afterAll(async () => {
    expect(await sim.stop()).toBe(0);
    for (const m of modems ?? []) expect(existsSync(m.path)).toBe(false);
  });

  it("prints one modem of each dialect", () => {
    expect(modems.map((m) => m.dialect).sort()).toEqual(["generic", "huawei", "quectel", "simcom"]);
  });

  it.each(["generic", "simcom", "quectel", "huawei"])("probe of the %s modem reports the same IMEI, ICCID, IMSI and MCC/MNC", async (dialect) => {
    const modem = modems.find((m) => m.dialect === dialect)!;
    const result = await runSimgate(["probe", modem.path, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const probe = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(probe).toMatchObject({
      path: modem.path,
      imei: modem.imei,
      iccid: modem.iccid,
      imsi: modem.imsi,
      mcc: modem.mcc,
      mnc: modem.mnc,
      sim: "ready",
      number: modem.msisdn,
    });
    expect(["home", "roaming"]).toContain(probe["registration"]);
    expect(typeof probe["signal"]).toBe("number");
    expect(typeof probe["manufacturer"]).toBe("string");
    expect(typeof probe["model"]).toBe("string");
  });

  it("prints a readable table without --json", async () => {
    const modem = modems[0]!;
    const result = await runSimgate(["probe", modem.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(modem.imei);
    expect(result.stdout).toMatch(/^IMEI\s+\d{15}$/m);
  });
});

describe("simgate simulate --dialect wavecom + simgate probe: the driver is chosen from the module", () => {
  let sim: LongRunning;
  let modem: SimulatedLine;

  beforeAll(async () => {
    sim = startSimgate(["simulate", "--modems", "1", "--dialect", "wavecom", "--json"]);
    modem = JSON.parse((await sim.lines(1))[0]!) as SimulatedLine;
  });

  afterAll(async () => {
    expect(await sim.stop()).toBe(0);
  });

  it("names the wavecom driver and reads the SIM although AT+CPIN? ends without OK", async () => {
    const result = await runSimgate(["probe", modem.path, "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      driver: "wavecom",
      manufacturer: "WAVECOM MODEM",
      revision: null,
      sim: "ready",
      iccid: modem.iccid,
      imsi: modem.imsi,
      number: modem.msisdn,
    });
    const table = await runSimgate(["probe", modem.path]);
    expect(table.stdout).toMatch(/^driver\s+wavecom$/m);
  });
});

describe("simgate probe failures", () => {
  let pair: PtyPair;
  beforeAll(async () => {
    pair = await startPtyPair();
  });
  afterAll(async () => {
    await pair.cleanup();
  });

  it("exits 1 with one line naming the port when it cannot be opened", async () => {
    const result = await runSimgate(["probe", "/dev/simgate-missing-port", "--json"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("/dev/simgate-missing-port");
  });

  it.each([
    ["/dev/null", "/dev/null is a character device but not a serial port (not a tty)"],
    [join(REPO, "package.json"), `${join(REPO, "package.json")} is a regular file, not a serial port`],
    ["/tmp", "/tmp is a directory, not a serial port"],
  ])("probe %s says it is not a serial port (not a baud rate problem)", async (path, reason) => {
    const result = await runSimgate(["probe", path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`simgate probe: ${reason}: give a modem's tty, e.g. /dev/ttyUSB2 or /dev/serial/by-id/… ('simgate scan' lists them)\n`);
    expect(result.stderr).not.toMatch(/baud/);
  });

  it("a path that does not exist says so and how to find the modem's", async () => {
    const result = await runSimgate(["probe", "/dev/simgate-missing-port"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("simgate probe: /dev/simgate-missing-port does not exist: is the modem plugged in? ('simgate scan' lists the serial ports it finds)\n");
  });

  it("exits 1 with one line when the port does not speak AT", async () => {
    // The other end of the pty pair is silent: a serial port with no modem behind it.
    const result = await runSimgate(["probe", pair.a, "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/no answer to AT/);
  });

  it("exits 2 on usage errors", async () => {
    expect((await runSimgate(["probe"])).code).toBe(2);
    expect((await runSimgate(["probe", "/dev/x", "--baud", "fast"])).code).toBe(2);
  });
});
