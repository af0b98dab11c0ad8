import { afterEach, describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/sim/at-interpreter.js";
import { swapNibbles } from "../../src/sim/identifiers.js";
import { SIM_DIALECTS, type SimDialect } from "../../src/sim/profile.js";
import { profileFor, rig, type Rig } from "./helpers.js";

let current: Rig | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});
async function start(dialect: SimDialect, opts: Parameters<typeof rig>[1] = {}, mutate?: (p: ReturnType<typeof profileFor>) => void) {
  const p = profileFor(dialect);
  mutate?.(p);
  current = await rig(p, opts);
  return current;
}

describe("command line parsing (device side)", () => {
  it.each([
    ["AT", []],
    ["ATE0", [{ name: "E", op: "exec", args: ["0"] }]],
    ["ate0v1", [{ name: "E", op: "exec", args: ["0"] }, { name: "V", op: "exec", args: ["1"] }]],
    ["AT+CGSN", [{ name: "+CGSN", op: "exec", args: [] }]],
    ["AT+CPIN?", [{ name: "+CPIN", op: "read", args: [] }]],
    ["AT+CSCS=?", [{ name: "+CSCS", op: "test", args: [] }]],
    ['AT+CUSD=1,"*100#",15', [{ name: "+CUSD", op: "set", args: ["1", "*100#", "15"] }]],
    ['AT+CMGF=0;+CPMS="SM","SM";^CURC=0', [
      { name: "+CMGF", op: "set", args: ["0"] },
      { name: "+CPMS", op: "set", args: ["SM", "SM"] },
      { name: "^CURC", op: "set", args: ["0"] },
    ]],
    ["AT^ICCID?", [{ name: "^ICCID", op: "read", args: [] }]],
    ["ATS0=0", [{ name: "S", op: "set", args: ["0", "0"] }]],
    ["xxAT&F", [{ name: "&F", op: "exec", args: [""] }]],
  ])("%j", (line, commands) => {
    expect(parseCommandLine(line)).toEqual({ ok: true, commands });
  });

  it("ignores lines without AT and rejects an unterminated quote", () => {
    expect(parseCommandLine("\x1b")).toBeNull();
    expect(parseCommandLine("")).toBeNull();
    expect(parseCommandLine('AT+CUSD=1,"*100#')).toEqual({ ok: false });
  });
});

describe.each(SIM_DIALECTS)("%s: 27.007 surface over the in-process binding", (dialect) => {
  it("echoes with E1 and frames replies like firmware", async () => {
    const { host, profile } = await start(dialect, { echo: true });
    expect(await host.cmd("AT+CGSN")).toBe(`AT+CGSN\r\r\n${profile.imei}\r\n\r\nOK\r\n`);
    // The reply to ATE0 still carries its own echo (docs/protocols/at-commands.md#line-protocol).
    expect(await host.cmd("ATE0")).toBe("ATE0\r\r\nOK\r\n");
    expect(await host.cmd("AT+CGSN")).toBe(`\r\n${profile.imei}\r\n\r\nOK\r\n`);
    expect(await host.cmd("AT")).toBe("\r\nOK\r\n");
  });

  it("reports identity, SIM and network", async () => {
    const { host, profile } = await start(dialect);
    expect(await host.lines("AT+CGMI")).toEqual([profile.manufacturer, "OK"]);
    expect(await host.lines("AT+GMM")).toEqual([profile.model, "OK"]);
    expect(await host.lines("AT+CIMI")).toEqual([profile.sim.imsi, "OK"]);
    expect(await host.lines("AT+CPIN?")).toEqual(["+CPIN: READY", "OK"]);
    expect(await host.lines("AT+CRSM=176,12258,0,0,10")).toEqual([`+CRSM: 144,0,"${swapNibbles(profile.sim.iccid)}"`, "OK"]);
    expect(await host.lines("AT+COPS=3,2")).toEqual(["OK"]);
    const act = { generic: ",7", simcom: "", quectel: ",7", huawei: ",2" }[dialect];
    expect(await host.lines("AT+COPS?")).toEqual([`+COPS: 0,2,"${profile.sim.mcc}${profile.sim.mnc}"${act}`, "OK"]);
    expect(await host.lines("AT+COPS=3,0")).toEqual(["OK"]);
    expect(await host.lines("AT+COPS?")).toEqual([`+COPS: 0,0,"${profile.network.operatorName}"${act}`, "OK"]);
    expect(await host.lines("AT+CREG?")).toEqual(["+CREG: 0,1", "OK"]);
    expect(await host.lines("AT+CSQ")).toEqual([`+CSQ: ${profile.network.signalRssi},${dialect === "simcom" ? 0 : 99}`, "OK"]);
    expect(await host.lines("AT+CNUM")).toEqual([`+CNUM: "","${profile.sim.msisdn}",145`, "OK"]);
    expect(await host.lines("AT+CGMI;+CGMM")).toEqual([profile.manufacturer, profile.model, "OK"]);
  });

  it("answers unknown commands like the vendor and follows +CMEE", async () => {
    const { host, modem } = await start(dialect);
    expect(await host.lines("AT+MODE=2")).toEqual([dialect === "huawei" ? "COMMAND NOT SUPPORT" : "ERROR"]);
    host.received = "";
    modem.pullSim();
    await host.waitFor((t) => /(CPIN|SIMST).*\r\n$/.test(t), 2000, "SIM-removed URC");
    expect(await host.lines("AT+CIMI")).toEqual(["ERROR"]);
    await host.cmd("AT+CMEE=1");
    expect(await host.lines("AT+CIMI")).toEqual(["+CME ERROR: 10"]);
    expect(await host.lines("AT+CPIN?")).toEqual(["+CME ERROR: 10"]);
    await host.cmd("AT+CMEE=2");
    expect(await host.lines("AT+CIMI")).toEqual(["+CME ERROR: SIM not inserted"]);
  });

  it("wants the PIN, counts wrong ones and falls to PUK after three", async () => {
    const { host } = await start(dialect, {}, (p) => (p.sim.state = "pin"));
    await host.cmd("AT+CMEE=1");
    expect(await host.lines("AT+CPIN?")).toEqual(["+CPIN: SIM PIN", "OK"]);
    expect(await host.lines("AT+CIMI")).toEqual(["+CME ERROR: 11"]);
    expect(await host.lines("AT+CREG?")).toEqual(["+CREG: 0,0", "OK"]);
    for (let i = 0; i < 3; i++) expect(await host.lines('AT+CPIN="0000"')).toEqual(["+CME ERROR: 16"]);
    expect(await host.lines("AT+CPIN?")).toEqual(["+CPIN: SIM PUK", "OK"]);
  });

  it("unlocks with the right PIN", async () => {
    const { host, profile } = await start(dialect, {}, (p) => {
      p.sim.state = "pin";
      p.sim.pin = "1234";
    });
    await host.cmd("AT+CMEE=1");
    expect((await host.lines('AT+CPIN="1234"'))[0]).toBe("OK");
    await host.cmd("AT");
    expect(await host.lines("AT+CIMI")).toEqual([profile.sim.imsi, "OK"]);
    expect(await host.lines("AT+CPIN?")).toEqual(["+CPIN: READY", "OK"]);
  });

  it("prints the own number only when the SIM knows it", async () => {
    const { host } = await start(dialect, {}, (p) => (p.sim.msisdn = null));
    expect(await host.lines("AT+CNUM")).toEqual(["OK"]);
  });

  it("answers what gammu asks at start-up", async () => {
    const { host } = await start(dialect);
    expect(await host.lines("AT+CSCS=?")).toEqual([expect.stringMatching(/^\+CSCS: \(.*"UCS2".*\)$/), "OK"]);
    expect(await host.lines('AT+CSCS="UCS2"')).toEqual(["OK"]);
    expect(await host.lines("AT+CSCS?")).toEqual(['+CSCS: "UCS2"', "OK"]);
    expect(await host.lines("AT+CMGF=?")).toEqual(["+CMGF: (0,1)", "OK"]);
    // <mem1> also reaches SR, where +CDSI points.
    expect(await host.lines("AT+CPMS=?")).toEqual(['+CPMS: ("SM","ME","SR"),("SM","ME"),("SM","ME")', "OK"]);
    expect(await host.lines("AT+CFUN=1")).toEqual(["OK"]);
    expect((await host.lines("AT+CHUP=?")).at(-1)).toBe("OK");
  });
});

describe("vendor differences", () => {
  it("generic: no vendor ICCID command, CRSM only", async () => {
    const { host } = await start("generic");
    expect(await host.lines("AT+CCID")).toEqual(["ERROR"]);
    expect(await host.lines("AT+QCCID")).toEqual(["ERROR"]);
    expect(await host.lines("AT^ICCID?")).toEqual(["ERROR"]);
  });

  it("simcom: AT+CCID bare digits, Revision: prefix, SIM800 ATI", async () => {
    const { host, profile } = await start("simcom");
    expect(await host.lines("AT+CCID")).toEqual([profile.sim.iccid, "OK"]);
    expect(await host.lines("AT+CGMR")).toEqual([`Revision:${profile.revision}`, "OK"]);
    expect(await host.lines("ATI")).toEqual(["SIM800 R14.18", "OK"]);
    expect(await host.lines("AT+CSMINS?")).toEqual(["+CSMINS: 0,1", "OK"]);
  });

  it("quectel: +QCCID, F-padded to 20", async () => {
    const { host, profile } = await start("quectel");
    expect(await host.lines("AT+QCCID")).toEqual([`+QCCID: ${profile.sim.iccid.padEnd(20, "F")}`, "OK"]);
    expect(await host.lines("ATI")).toEqual(["Quectel", "EC25", `Revision: ${profile.revision}`, "OK"]);
    expect(await host.lines("AT+CEREG?")).toEqual(["+CEREG: 0,1", "OK"]);
  });

  it("huawei: ^ICCID? nibble-swapped, works before the PIN while CRSM does not; unquoted CREG; no CLAC", async () => {
    const { host, profile } = await start("huawei", {}, (p) => (p.sim.state = "pin"));
    await host.cmd("AT+CMEE=1");
    expect(await host.lines("AT^ICCID?")).toEqual([`^ICCID: "${swapNibbles(profile.sim.iccid)}"`, "OK"]);
    expect(await host.lines("AT+CRSM=176,12258,0,0,10")).toEqual(["+CME ERROR: 11"]);
    expect(await host.lines("AT+CLAC")).toEqual(["COMMAND NOT SUPPORT"]);
    await host.cmd(`AT+CPIN="${profile.sim.pin}"`);
    await host.cmd("AT+CREG=2");
    expect(await host.lines("AT+CREG?")).toEqual([`+CREG: 2,1,${profile.network.lac},${profile.network.cellId}`, "OK"]);
  });

  it("UCS2 character set applies to operator names and numbers", async () => {
    const { host, profile } = await start("simcom");
    await host.cmd('AT+CSCS="UCS2"');
    const hex = (s: string) => [...s].map((c) => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")).join("");
    expect(await host.lines("AT+CNUM")).toEqual([`+CNUM: "","${hex(profile.sim.msisdn ?? "")}",145`, "OK"]);
    expect(await host.lines("AT+COPS?")).toEqual([`+COPS: 0,0,"${hex(profile.network.operatorName)}"`, "OK"]);
  });

  it("ATV0 gives numeric results", async () => {
    const { host, profile } = await start("generic");
    await host.cmd("ATV0", /0\r$/);
    host.received = "";
    await host.port.write("AT+CGSN\r");
    expect(await host.waitFor((t) => t.endsWith("0\r"))).toBe(`${profile.imei}\r\n0\r`);
  });
});
