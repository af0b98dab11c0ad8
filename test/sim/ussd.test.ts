import { afterEach, describe, expect, it } from "vitest";
import { toUcs2Hex } from "../../src/sim/identifiers.js";
import type { SimDialect } from "../../src/sim/profile.js";
import { profileFor, rig, type Rig } from "./helpers.js";

let current: Rig | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});

const CUSD = /\r\n\+CUSD: [^\r]*\r\n$/;

async function start(dialect: SimDialect) {
  const p = profileFor(dialect);
  p.sim.ussd = {
    "*100#": { text: "Balance: 10.00 EUR" },
    "*101#": { text: "Баланс: 5 р." },
    "*111*0887#": { text: "Request accepted", sms: { sender: "MTS", text: "Your number: {number}" } },
  };
  current = await rig(p);
  await current.host.cmd("AT+CMEE=1");
  return current;
}

/** Send a USSD request, expect OK at once, then the +CUSD URC. */
async function ussd(r: Rig, command: string): Promise<string> {
  expect(await r.host.cmd(command)).toBe("\r\nOK\r\n");
  r.host.received = "";
  const urc = await r.host.waitFor((t) => CUSD.test(t), 2000, "+CUSD");
  return urc.trim();
}

describe("USSD per dialect", () => {
  it.each(["generic", "simcom"] as const)("%s: text in the TE charset with DCS 15, UCS2 hex with DCS 72 when needed", async (dialect) => {
    const r = await start(dialect);
    expect(await ussd(r, 'AT+CUSD=1,"*100#",15')).toBe('+CUSD: 0,"Balance: 10.00 EUR",15');
    expect(await ussd(r, 'AT+CUSD=1,"*101#",15')).toBe(`+CUSD: 0,"${toUcs2Hex("Баланс: 5 р.")}",72`);
  });

  it("quectel: non-GSM replies come as UCS2 hex still labelled DCS 15 (M35 capture)", async () => {
    const r = await start("quectel");
    expect(await ussd(r, 'AT+CUSD=1,"*100#",15')).toBe('+CUSD: 0,"Balance: 10.00 EUR",15');
    expect(await ussd(r, 'AT+CUSD=1,"*101#",15')).toBe(`+CUSD: 0,"${toUcs2Hex("Баланс: 5 р.")}",15`);
  });

  it("huawei: packed 7-bit requests, UCS2 hex replies with DCS 72; ^USSDMODE=0 gives text", async () => {
    const r = await start("huawei");
    // *100# packed (obsy/sms_tool #4).
    expect(await ussd(r, 'AT+CUSD=1,"AA180C3602",15')).toBe(`+CUSD: 0,"${toUcs2Hex("Balance: 10.00 EUR")}",72`);
    expect(await ussd(r, 'AT+CUSD=1,"*100#",15')).toBe(`+CUSD: 0,"${toUcs2Hex("Balance: 10.00 EUR")}",72`);
    await r.host.cmd("AT^USSDMODE=0");
    expect(await ussd(r, 'AT+CUSD=1,"*100#",15')).toBe('+CUSD: 0,"Balance: 10.00 EUR",15');
  });

  it("unknown codes get +CUSD: 4; AT+CUSD=2 cancels a pending answer", async () => {
    const r = await start("generic");
    expect(await ussd(r, 'AT+CUSD=1,"*999#",15')).toBe("+CUSD: 4");
    expect(await r.host.cmd('AT+CUSD=1,"*100#",15')).toBe("\r\nOK\r\n");
    expect(await r.host.cmd("AT+CUSD=2")).toBe("\r\nOK\r\n");
    r.host.received = "";
    await expect(r.host.waitFor((t) => t.includes("+CUSD"), 150)).rejects.toThrow(/timed out/);
  });

  it("no SIM / no network: +CME ERROR", async () => {
    const r = await start("simcom");
    r.modem.setRegistration(3);
    expect(await r.host.lines('AT+CUSD=1,"*100#",15')).toEqual(["+CME ERROR: 30"]);
    r.modem.pullSim();
    await r.host.cmd("AT");
    expect(await r.host.lines('AT+CUSD=1,"*100#",15')).toEqual(["+CME ERROR: 10"]);
  });

  it("an operator that answers 'my number' by SMS: +CUSD text, then +CMTI", async () => {
    const r = await start("simcom");
    expect(await ussd(r, 'AT+CUSD=1,"*111*0887#",15')).toBe('+CUSD: 0,"Request accepted",15');
    r.host.received = "";
    await r.host.waitFor((t) => t.includes('+CMTI: "SM",1'), 2000, "+CMTI");
    expect(r.modem.storage("SM")?.get(1)?.meta?.text).toBe(`Your number: ${r.profile.sim.subscriberNumber}`);
  });
});
