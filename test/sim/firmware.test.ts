/**
 * A module's own firmware behaviour beyond its dialect (SimFirmware): the PIN gate of the
 * ZTE K3565-Z / Qualcomm M6280 captures, the power-on +CNMI, and a silent internal reset.
 */
import { afterEach, describe, expect, it } from "vitest";
import { profileFor, rig, type Rig } from "./helpers.js";

let current: Rig | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});

const lines = (reply: string) => reply.split(/\r\n|\r/).filter((l) => l !== "");

describe("SimFirmware", () => {
  it("refusesCommandsUntilPin: every line but AT+CPIN, bare AT included, gets +CME ERROR: 11 until the PIN is entered", async () => {
    const profile = profileFor("generic", "pin-gate");
    profile.sim.state = "pin";
    profile.firmware = { refusesCommandsUntilPin: true };
    current = await rig(profile, { echo: true });
    const { host } = current;
    for (const command of ["AT", "ATE0", "AT+CMEE=1", "AT+CGMI", "AT+CNMI=2,1,0,0,0", "AT+CPMS?;+CPIN?"]) {
      expect(lines(await host.cmd(command)), command).toEqual([command, "+CME ERROR: 11"]);
    }
    expect(lines(await host.cmd("AT+CPIN?"))).toEqual(["AT+CPIN?", "+CPIN: SIM PIN", "OK"]);
    expect(lines(await host.cmd(`AT+CPIN="${profile.sim.pin}"`))).toEqual([`AT+CPIN="${profile.sim.pin}"`, "OK"]);
    expect(lines(await host.cmd("AT+CGMI"))).toEqual(["AT+CGMI", profile.manufacturer, "OK"]);
    expect(lines(await host.cmd("AT+CNMI=2,1,0,0,0"))).toEqual(["AT+CNMI=2,1,0,0,0", "OK"]);
  });

  it("the same module with a ready SIM answers everything", async () => {
    const profile = profileFor("generic", "pin-gate");
    profile.firmware = { refusesCommandsUntilPin: true };
    current = await rig(profile);
    expect(lines(await current.host.cmd("AT+CGMI"))).toEqual([profile.manufacturer, "OK"]);
  });

  it("powerOnCnmi and silentReset: indications are off after power-on and again after a silent reset, which says nothing", async () => {
    const profile = profileFor("generic", "silent-reset");
    profile.firmware = { powerOnCnmi: [0, 0, 0, 0, 0] };
    current = await rig(profile);
    const { host, modem } = current;
    expect(lines(await host.cmd("AT+CNMI?"))).toEqual(["+CNMI: 0,0,0,0,0", "OK"]);
    await host.cmd("AT+CNMI=2,1,0,0,0");
    expect(lines(await host.cmd("AT+CNMI?"))).toEqual(["+CNMI: 2,1,0,0,0", "OK"]);
    host.received = "";
    modem.silentReset();
    // Not a byte to the host; echo is back on (ATE0 was lost too), and +CNMI is back at its power-on value.
    expect(host.received).toBe("");
    expect(lines(await host.cmd("AT+CNMI?"))).toEqual(["AT+CNMI?", "+CNMI: 0,0,0,0,0", "OK"]);
  });
});
