/**
 * A fresh channel resynchronises before its first command (issue 14 follow-up): whatever
 * an earlier program left on the line — a reply nobody read, a reply still on its way from
 * a slow module, a module waiting at the `> ` prompt of an AT+CMGS — must not be taken for
 * the answer to our first command. gammu does the same for every device (ESC, then a
 * throw-away AT, in ATGEN_Initialise).
 *
 * A simulated module on a real pseudo-terminal; the "earlier program" is a plain byte port
 * on the same tty that writes a command and goes away before reading the answer. (A reply
 * that reached the tty's input queue before we open is thrown away by the serial binding's
 * own flush at open; what arrives after it, from a module still busy with the earlier
 * command, is what the resync absorbs.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { PROBE_CHANNEL_OPTIONS } from "../../src/modem/probe.js";
import { startSimulatedPool, type SimulatedPool, type SimulatedPoolModem } from "../../src/sim/pool.js";
import { generatePool } from "../../src/sim/profile.js";
import { openBytePort } from "../../src/transport/serial-port.js";

let pool: SimulatedPool | undefined;
let channel: AtChannel | undefined;
afterEach(async () => {
  await channel?.close();
  await pool?.close();
  channel = pool = undefined;
});

async function oneModem(): Promise<SimulatedPoolModem> {
  const profiles = generatePool({ count: 1, dialect: "generic", seed: "open-resync" });
  pool = await startSimulatedPool({ count: 1, dialect: "generic", seed: 0, attach: "pty", profiles });
  return pool.modems[0]!;
}

/** The earlier program: writes `command`, waits until the module has taken the line (its echo), and closes without reading the answer. */
async function earlierProgram(m: SimulatedPoolModem, command: string, until: RegExp = new RegExp(command.replace(/[+?=]/g, "\\$&"))): Promise<void> {
  const port = await openBytePort({ path: m.path });
  let heard = "";
  const heardIt = new Promise<void>((resolve) =>
    port.on("data", (chunk) => {
      heard += chunk.toString("latin1");
      if (until.test(heard)) resolve();
    }),
  );
  await port.write(`${command}\r`);
  await heardIt;
  await port.close();
}

describe("a fresh channel resynchronises before its first command", () => {
  it("the end of an earlier program's reply, arriving right behind our first command, is not taken for its answer", async () => {
    const m = await oneModem();
    // Fast enough for the quiet wait after the resync's OK; the slow module is the next test.
    m.modem.faults.latencyMs = 80;
    await earlierProgram(m, "AT+CGMI");
    channel = new AtChannel(await openBytePort({ path: m.path }), PROBE_CHANNEL_OPTIONS);
    expect((await channel.run("AT+CGMM")).lines).toEqual([m.profile.model]);
    // And the next one is in step too.
    expect((await channel.run("AT+CGSN")).lines).toEqual([m.profile.imei]);
  });

  it("a slow module still answering an earlier program's command when we open: our commands get their own answers", async () => {
    const m = await oneModem();
    m.modem.faults.latencyMs = 400;
    await earlierProgram(m, "AT+CGMI");
    channel = new AtChannel(await openBytePort({ path: m.path }), PROBE_CHANNEL_OPTIONS);
    expect((await channel.run("AT+CGMM")).lines).toEqual([m.profile.model]);
    expect((await channel.run("AT+CGSN")).lines).toEqual([m.profile.imei]);
  });

  it("a module left at the > prompt of an earlier program's AT+CMGS is let out of it (ESC) before our first command", async () => {
    const m = await oneModem();
    await earlierProgram(m, "AT+CMGS=20", /> $/);
    channel = new AtChannel(await openBytePort({ path: m.path }), { ...PROBE_CHANNEL_OPTIONS, defaultTimeoutMs: 3_000 });
    expect((await channel.run("AT+CGMM")).lines).toEqual([m.profile.model]);
    // Nothing was sent: the earlier program's half-typed SMS was cancelled, not completed by our bytes.
    expect(m.modem.sent).toEqual([]);
  });
});
