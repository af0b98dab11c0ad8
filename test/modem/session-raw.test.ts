/**
 * PortSession.runRaw (`simgate at`): an operator's command through the port's own queue,
 * over a real session on a simulated modem (in-process binding). It must get exactly its
 * own answer while the session's traffic (commands, SMS reads) goes on around it, report
 * error finals as answers, and leave the channel usable after a timeout.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import type { CompleteSms } from "../../src/sms/index.js";
import { ModemPool } from "../../src/pool/pool.js";
import { PortMap } from "../../src/modem/port-map.js";
import { sessionDefaults } from "../../src/pool/session-defaults.js";
import { startSimulatedPool, type SimulatedPool, type SimulatedPoolModem } from "../../src/sim/pool.js";
import { openBytePort } from "../../src/transport/serial-port.js";

let sim: SimulatedPool | undefined;
let pool: ModemPool | undefined;
afterEach(async () => {
  await pool?.close();
  await sim?.close();
  pool = sim = undefined;
});

async function start(): Promise<{ map: PortMap; pool: ModemPool; modem: SimulatedPoolModem }> {
  sim = await startSimulatedPool({ count: 1, dialect: "generic", seed: "raw", attach: "in-process", modem: { ussdDelayMs: 10 } });
  const map = new PortMap();
  const binding = sim.binding!;
  // SMS on: the receiver's reads are the traffic a raw command must interleave with.
  pool = new ModemPool({ map, openPort: (path) => openBytePort({ path, binding }), session: sessionDefaults({ pollIntervalMs: 60_000, sms: { accept: async () => undefined } }) });
  const modem = sim.modems[0]!;
  pool.addPort(modem.path, modem.path);
  expect(await pool.waitSettled(15_000)).toBe(true);
  // The SIM, not the sale state, is what the SMS receiver needs (this seed's SIM has no known number).
  expect(map.get(modem.path)?.sim).toBe("ready");
  return { map, pool, modem };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail("expected a rejection"),
    (err: unknown) => err,
  );
}

describe("PortSession.runRaw", () => {
  it("returns the module's lines and OK; an error final is an answer (ok false), not a throw", async () => {
    const { pool, modem } = await start();
    const session = pool.session(modem.path)!;
    const csq = await session.runRaw("AT+CSQ");
    expect(csq).toMatchObject({ final: "OK", ok: true });
    expect(csq.lines).toHaveLength(1);
    expect(csq.lines[0]).toMatch(/^\+CSQ: \d+,\d+$/);
    // +CPIN: READY is also a URC pattern: the command's own prefix must win.
    expect(await session.runRaw("AT+CPIN?")).toMatchObject({ lines: ["+CPIN: READY"], final: "OK", ok: true });
    expect(await session.runRaw("AT+NOSUCHCOMMAND")).toMatchObject({ lines: [], final: "ERROR", ok: false });
    const invalid = await rejection(session.runRaw("AT+CSQ\rATZ"));
    expect(isSimgateError(invalid, ErrorCode.AtInvalidCommand)).toBe(true);
  });

  it("interleaves with the session's own commands and SMS reads: every caller gets exactly its answer", async () => {
    const { map, pool, modem } = await start();
    const session = pool.session(modem.path)!;
    const stateBefore = map.get(modem.path)?.state;
    modem.modem.faults.latencyMs = 5;
    const received: CompleteSms[] = [];
    map.on("sms-received", (_p, sms) => received.push(sms));
    const own = Array.from({ length: 10 }, () => session.channel!.run("AT+CREG?"));
    const raw = Array.from({ length: 10 }, (_, i) => session.runRaw(i % 2 === 0 ? "AT+CSQ" : "AT+CGSN"));
    modem.modem.injectSms({ sender: "+4915112345678", text: "code 7741 while busy" });
    const [ownAnswers, rawAnswers] = await Promise.all([Promise.all(own), Promise.all(raw)]);
    for (const a of ownAnswers) expect(a.lines.some((l) => l.startsWith("+CREG:"))).toBe(true);
    rawAnswers.forEach((a, i) => {
      expect(a.ok).toBe(true);
      if (i % 2 === 0) expect(a.lines).toEqual([expect.stringMatching(/^\+CSQ: /)]);
      else expect(a.lines).toEqual([modem.profile.imei]);
    });
    await expect.poll(() => received.map((s) => s.text), { timeout: 10_000 }).toContain("code 7741 while busy");
    expect(session.channel!.stats.timeouts).toBe(0);
    expect(map.get(modem.path)?.state).toBe(stateBefore);
  });

  it("a timeout rejects with AtTimeout and the next command resyncs and works", async () => {
    const { pool, modem } = await start();
    const session = pool.session(modem.path)!;
    modem.modem.faults.hang = true;
    const err = await rejection(session.runRaw("AT+CSQ", 300));
    expect(isSimgateError(err, ErrorCode.AtTimeout)).toBe(true);
    modem.modem.faults.hang = false;
    expect(await session.runRaw("AT+CSQ")).toMatchObject({ final: "OK", ok: true });
  });

  it("refuses with AtChannelClosed when the port has no open channel", async () => {
    const { pool, modem } = await start();
    const session = pool.session(modem.path)!;
    await session.stop();
    const err = await rejection(session.runRaw("AT"));
    expect(isSimgateError(err, ErrorCode.AtChannelClosed)).toBe(true);
    expect((err as Error).message).toMatch(/no open AT channel/);
  });
});
