/**
 * Reading a module over its AT channel after a switch: wait for it to answer again, for
 * the SIM to be ready and the network to take it, then read ICCID, IMSI and number
 * (docs/sim-banks.md#after-a-switch). Every wait is bounded; errors of one command do not
 * end the wait, because a module that is resetting or re-reading its SIM refuses commands
 * for a while.
 */
import type { AtChannel } from "../at/index.js";
import { parseCnum, parseCpin, parseCreg, parseImsi } from "../../drivers/generic/parsers.js";
import { parseCrsmIccid } from "../../drivers/generic/iccid.js";
import type { SeatedSim } from "./slot-switch.js";

/** The 27.007 restricted SIM access that reads EF_ICCID; every module answers it (docs/sim-banks.md#verification). */
const READ_ICCID = "AT+CRSM=176,12258,0,0,10";

/** What the reader needs of an AtChannel. */
export type ModuleLine = Pick<AtChannel, "run">;

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between polls. */
  pollMs: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function lines(line: ModuleLine, text: string, timeoutMs: number): Promise<string[] | null> {
  try {
    return (await line.run({ text, timeoutMs })).lines;
  } catch {
    return null;
  }
}

/** Poll until `check` holds or the time is up; true when it held. */
async function pollUntil(check: () => Promise<boolean>, { timeoutMs, pollMs }: WaitOptions): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() + pollMs > deadline) return false;
    await pause(pollMs);
  }
}

/** The ICCID of the SIM in front of the module, or null. */
export async function readIccid(line: ModuleLine, commandTimeoutMs: number): Promise<string | null> {
  const reply = await lines(line, READ_ICCID, commandTimeoutMs);
  if (!reply) return null;
  const parsed = parseCrsmIccid(reply);
  return parsed.ok ? parsed.value.iccid : null;
}

/**
 * Wait for the module to answer a bare AT again (after a reset). The first poll waits one
 * poll interval: a module that has just restarted ignores what it is sent, and a command
 * that times out costs the channel a resynchronisation.
 */
export async function waitAnswering(line: ModuleLine, wait: WaitOptions, commandTimeoutMs: number): Promise<boolean> {
  await pause(wait.pollMs);
  return pollUntil(async () => (await lines(line, "AT", commandTimeoutMs)) !== null, { ...wait, timeoutMs: Math.max(0, wait.timeoutMs - wait.pollMs) });
}

export interface SimReadiness {
  /** false: +CPIN said NOT INSERTED (or no SIM answered) for the whole wait. */
  simPresent: boolean;
  registered: boolean;
}

/**
 * Wait until the SIM is READY and the module registered, or the time is up. A dead slot
 * costs the whole wait: a SIM that is still being read looks the same as none for a while.
 */
export async function waitSimAndNetwork(line: ModuleLine, wait: WaitOptions, commandTimeoutMs: number): Promise<SimReadiness> {
  let simPresent = false;
  let registered = false;
  await pollUntil(async () => {
    const cpin = await lines(line, "AT+CPIN?", commandTimeoutMs);
    const state = cpin ? parseCpin(cpin) : null;
    if (!state?.ok || state.value !== "ready") return false;
    simPresent = true;
    const creg = await lines(line, "AT+CREG?", commandTimeoutMs);
    const reg = creg ? parseCreg(creg) : null;
    registered = reg?.ok === true && (reg.value.registration === "home" || reg.value.registration === "roaming");
    return registered;
  }, wait);
  return { simPresent, registered };
}

/** ICCID, IMSI, number and registration as the module reports them now. */
export async function readSeated(line: ModuleLine, module: number, requestedSlot: number | null, commandTimeoutMs: number): Promise<Omit<SeatedSim, "sharedNumberWith">> {
  const iccid = await readIccid(line, commandTimeoutMs);
  if (iccid === null) return { module, requestedSlot, iccid: null, imsi: null, number: null, registered: false };
  const imsiLines = await lines(line, "AT+CIMI", commandTimeoutMs);
  const imsi = imsiLines ? parseImsi(imsiLines) : null;
  const cnum = await lines(line, "AT+CNUM", commandTimeoutMs);
  const creg = await lines(line, "AT+CREG?", commandTimeoutMs);
  const reg = creg ? parseCreg(creg) : null;
  return {
    module,
    requestedSlot,
    iccid,
    imsi: imsi?.ok ? imsi.value : null,
    number: cnum ? (parseCnum(cnum)[0]?.number ?? null) : null,
    registered: reg?.ok === true && (reg.value.registration === "home" || reg.value.registration === "roaming"),
  };
}

/** Radio off (AT+CFUN=0): the SIM stays seated but its number is not live. */
export async function radioOff(line: ModuleLine, module: number, commandTimeoutMs: number): Promise<{ module: number; radioOff: boolean; detail: string }> {
  try {
    await line.run({ text: "AT+CFUN=0", timeoutMs: commandTimeoutMs });
    return { module, radioOff: true, detail: "radio off (AT+CFUN=0)" };
  } catch (err) {
    return { module, radioOff: false, detail: `AT+CFUN=0 failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
