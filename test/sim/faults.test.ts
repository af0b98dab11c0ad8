import { afterEach, describe, expect, it } from "vitest";
import { SimulatedBinding } from "../../src/sim/binding.js";
import { SIM_DIALECTS, type SimDialect } from "../../src/sim/profile.js";
import { SimulatedModem } from "../../src/sim/simulated-modem.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { ErrorCode } from "../../src/errors.js";
import { FINAL, Host, profileFor, rig, type Rig } from "./helpers.js";

let current: Rig | null = null;
afterEach(async () => {
  await current?.close();
  current = null;
});
async function start(dialect: SimDialect = "generic") {
  current = await rig(profileFor(dialect));
  return current;
}

describe("fault switchboard", () => {
  it("latency delays the reply but not the echo", async () => {
    const { host, modem } = await start();
    await host.cmd("ATE1");
    modem.faults.latencyMs = 150;
    host.received = "";
    const t0 = Date.now();
    await host.port.write("AT+CGMI\r");
    await host.waitFor((t) => t === "AT+CGMI\r", 100, "immediate echo");
    await host.waitFor((t) => FINAL.test(t), 2000, "delayed reply");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it("a dropped reply: the command takes effect, nothing comes back, the next one answers", async () => {
    const { host, modem } = await start();
    modem.faults.dropNext(1);
    host.received = "";
    await host.port.write("AT+CMEE=2\r");
    await expect(host.waitFor((t) => t.length > 0, 200)).rejects.toThrow(/timed out/);
    expect(await host.lines("AT+CMEE?")).toEqual(["+CMEE: 2", "OK"]);
  });

  it("dropReplyProbability 1 drops every reply", async () => {
    const { host, modem } = await start();
    modem.faults.dropReplyProbability = 1;
    await expect(host.cmd("AT", FINAL, 200)).rejects.toThrow(/timed out/);
    modem.faults.dropReplyProbability = 0;
    expect(await host.cmd("AT")).toBe("\r\nOK\r\n");
  });

  it("garbage: junk bytes (never CR/LF) in front of replies", async () => {
    const { host, modem, profile } = await start();
    modem.faults.garbageProbability = 1;
    const out = await host.cmd("AT+CGSN");
    const junk = out.slice(0, out.indexOf("\r\n"));
    expect(junk.length).toBeGreaterThanOrEqual(1);
    expect(out.slice(junk.length)).toBe(`\r\n${profile.imei}\r\n\r\nOK\r\n`);
  });

  it("noise: an idle module spews junk (never CR/LF) on its own; its replies stay whole; 0 stops it", async () => {
    const { host, modem } = await start();
    host.received = "";
    modem.faults.noiseBytesPerSecond = 400;
    const junk = await host.waitFor((t) => t.length >= 40, 2000, "spewed noise");
    expect(junk).not.toMatch(/[\r\n]/);
    // A reply in the middle of the noise still comes out as its own lines.
    expect(await host.cmd("AT+CGSN")).toMatch(/\r\n\d{15}\r\n\r\nOK\r\n$/);
    expect(modem.snapshot().faults.noiseBytesPerSecond).toBe(400);
    modem.faults.noiseBytesPerSecond = 0;
    await host.cmd("AT");
    expect(await host.cmd("AT")).toBe("\r\nOK\r\n");
  });

  it("hang: no echo, no reply, no URCs until cleared", async () => {
    const { host, modem } = await start();
    await host.cmd("ATE1");
    modem.faults.hang = true;
    await expect(host.cmd("AT", FINAL, 200)).rejects.toThrow(/timed out/);
    modem.pullSim();
    expect(host.received).toBe("");
    modem.faults.hang = false;
    expect(await host.cmd("AT")).toBe("AT\r\r\nOK\r\n");
  });

  it("unplug: the open port reports a disconnect; the path cannot be opened until replug", async () => {
    const { host, modem, binding } = await start();
    const closed = new Promise((resolve) => host.port.once("close", resolve));
    modem.unplug();
    expect(await closed).toMatchObject({ code: ErrorCode.TransportDisconnected });
    expect(await binding.list()).toEqual([]);
    await expect(openBytePort({ path: "/sim/test0", binding })).rejects.toMatchObject({ code: ErrorCode.TransportOpenFailed });
    modem.replug();
    const again = new Host(await openBytePort({ path: "/sim/test0", binding }));
    try {
      // Power-on defaults: echo is back on.
      expect(await again.cmd("AT")).toBe("AT\r\r\nOK\r\n");
    } finally {
      await again.port.close();
    }
  });

  it.each(SIM_DIALECTS)("%s: SIM pulled → URC, +CPIN? changes, SM storage goes with the card; reinsert", async (dialect) => {
    const { host, modem, profile } = await start(dialect);
    await host.cmd("AT+CMEE=1");
    host.received = "";
    modem.pullSim();
    const urc = { generic: "+CPIN: NOT INSERTED", simcom: "+CPIN: NOT INSERTED", quectel: "+CPIN: NOT READY", huawei: "^SIMST: 255" }[dialect];
    expect(await host.waitFor((t) => t.includes(urc))).toBe(`\r\n${urc}\r\n`);
    expect(await host.lines("AT+CPIN?")).toEqual(["+CME ERROR: 10"]);
    expect(await host.lines("AT+CPMS?")).toEqual(["+CMS ERROR: 310"]);
    expect(modem.profile.sim.state).toBe("absent");
    host.received = "";
    modem.insertSim();
    const back = { generic: "+CPIN: READY", simcom: "SMS Ready", quectel: "+CPIN: READY", huawei: "^SIMST: 1" }[dialect];
    await host.waitFor((t) => t.includes(back));
    expect(await host.lines("AT+CIMI")).toEqual([profile.sim.imsi, "OK"]);
  });

  it("SIMCom +CSMINS and Quectel +QSIMSTAT report hot-swap when enabled", async () => {
    for (const [dialect, enable, off, on] of [
      ["simcom", "AT+CSMINS=1", "+CSMINS: 1,0", "+CSMINS: 1,1"],
      ["quectel", "AT+QSIMSTAT=1", "+QSIMSTAT: 1,0", "+QSIMSTAT: 1,1"],
    ] as const) {
      const { host, modem } = await start(dialect);
      await host.cmd(enable);
      host.received = "";
      modem.pullSim();
      await host.waitFor((t) => t.includes(off));
      modem.insertSim();
      await host.waitFor((t) => t.includes(on));
      await current?.close();
      current = null;
    }
  });

  it("registration changes raise +CREG URCs when enabled", async () => {
    const { host, modem, profile } = await start("quectel");
    await host.cmd("AT+CREG=2");
    host.received = "";
    modem.setRegistration(5);
    expect(await host.waitFor((t) => t.includes("+CREG:"))).toBe(`\r\n+CREG: 5,"${profile.network.lac}","${profile.network.cellId}"\r\n`);
    modem.setRegistration(2);
    await host.waitFor((t) => t.includes("+CREG: 2\r\n"));
  });
});

describe("AT+CFUN=1,1 reset", () => {
  it.each([
    ["simcom", ["RDY", "+CPIN: READY", "Call Ready", "SMS Ready"]],
  ] as const)("%s (UART module): the tty stays, the module goes quiet and prints its boot URCs", async (dialect, urcs) => {
    const { host } = await start(dialect);
    await host.cmd("ATE0");
    expect(await host.cmd("AT+CFUN=1,1")).toBe("\r\nOK\r\n");
    host.received = "";
    await host.waitFor((t) => t.includes("SMS Ready"));
    expect(host.received).toBe(urcs.map((u) => `\r\n${u}\r\n`).join(""));
    // Settings are back to power-on defaults (echo on).
    expect(await host.cmd("AT")).toBe("AT\r\r\nOK\r\n");
  });

  it.each(["generic", "quectel", "huawei"] as const)("%s (USB module): drops off the bus and comes back with boot URCs", async (dialect) => {
    const { host, modem, binding } = await start(dialect);
    const closed = new Promise((resolve) => host.port.once("close", resolve));
    expect(await host.cmd("AT+CFUN=1,1")).toBe("\r\nOK\r\n");
    expect(await closed).toMatchObject({ code: ErrorCode.TransportDisconnected });
    await new Promise<void>((resolve) => modem.once("replug", resolve));
    const again = new Host(await openBytePort({ path: "/sim/test0", binding }));
    try {
      const expected = { generic: null, quectel: "+CPIN: READY", huawei: "^MODE:5,4" }[dialect];
      if (expected) await again.waitFor((t) => t.includes(expected));
      expect(await again.cmd("AT")).toMatch(/AT\r\r\nOK\r\n$/);
    } finally {
      await again.port.close();
    }
  });
});

describe("SimulatedBinding contract", () => {
  it("lists present ports with pnp info and refuses a second locking open", async () => {
    const modem = new SimulatedModem(profileFor("quectel"));
    const binding = new SimulatedBinding();
    binding.attach("/sim/a", modem, { vendorId: "2c7c", productId: "0125", manufacturer: "Quectel", serialNumber: "x" });
    expect(await binding.list()).toEqual([
      { path: "/sim/a", vendorId: "2c7c", productId: "0125", manufacturer: "Quectel", serialNumber: "x", pnpId: undefined, locationId: undefined },
    ]);
    const port = await openBytePort({ path: "/sim/a", binding });
    await expect(openBytePort({ path: "/sim/a", binding })).rejects.toMatchObject({ code: ErrorCode.TransportOpenFailed });
    await port.close();
    const again = await openBytePort({ path: "/sim/a", binding });
    await again.close();
    modem.close();
  });

  it("a pending read is canceled (not a disconnect) when the host closes", async () => {
    const modem = new SimulatedModem(profileFor("generic"));
    const binding = new SimulatedBinding();
    binding.attach("/sim/b", modem);
    const port = await binding.open({ path: "/sim/b", baudRate: 115200 });
    const read = port.read(Buffer.alloc(16), 0, 16);
    await port.close();
    await expect(read).rejects.toMatchObject({ canceled: true });
    modem.close();
  });
});
