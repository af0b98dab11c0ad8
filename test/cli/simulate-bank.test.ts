import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { BankPortLine } from "../../src/cli/commands/simulate-bank.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { Host } from "../sim/helpers.js";
import { run, startSimulate } from "./simulate-helpers.js";

type PortLine = BankPortLine;

describe("simgate simulate --bank", () => {
  let running: ReturnType<typeof startSimulate> | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill("SIGKILL");
      await running.exit;
    }
    running = undefined;
  });

  it("prints the control port and each module port; AT+SWIT on the control port changes the module's SIM", async () => {
    running = startSimulate(["--bank", "2x3", "--switch-ms", "50", "--json", "--seed", "5"]);
    const [control, first, second] = (await running.read(3)).map((l) => JSON.parse(l) as PortLine);
    expect(control).toMatchObject({ role: "control", module: null });
    expect(first).toMatchObject({ role: "module", module: 1, slot: 1 });
    expect(second).toMatchObject({ role: "module", module: 2, slot: 1 });
    expect(second?.iccid).toMatch(/^89\d{16,18}$/);

    const board = new Host(await openBytePort({ path: control!.path }));
    const module = new Host(await openBytePort({ path: second!.path }));
    try {
      expect(await board.cmd("AT+SWIT02-0003")).toContain("OK");
      expect(await board.cmd("AT+SWIT03-0001")).toContain("ERROR");
      await module.cmd("ATE0");
      // The new card announces itself with +CPIN once the relay is done.
      await module.waitFor((t) => t.includes("+CPIN: READY"), 5_000, "the new SIM");
      const reply = await module.cmd("AT+CRSM=176,12258,0,0,10");
      expect(reply).toMatch(/\+CRSM: 144,0,"[0-9A-F]{20}"/);
      const swapped = /"([0-9A-F]{20})"/.exec(reply)?.[1] ?? "";
      const iccid = swapped.replace(/(.)(.)/g, "$2$1").replace(/F+$/, "");
      expect(iccid).not.toBe(second!.iccid);
      expect(iccid).toMatch(/^89/);
    } finally {
      await board.port.close();
      await module.port.close();
    }
    running.child.kill("SIGTERM");
    expect(await running.exit).toBe(0);
    expect(existsSync(control!.path)).toBe(false);
  });

  it("refuses a layout that is not MxS with a one-line usage error", async () => {
    const bad = await run(["--bank", "8by4"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n")[0]).toBe("simgate simulate: --bank must be MxS with 1..99 modules and 1..9999 slots, got '8by4'");
  });
});
