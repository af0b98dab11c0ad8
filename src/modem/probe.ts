/**
 * Identify the module and SIM on one AT port with a driver descriptor: is it AT at all,
 * who made it, which SIM is in it, where is it registered, what is its own number.
 * Only "nothing answers AT" is fatal; every later step records a warning and goes on,
 * because a half-identified modem is still worth showing to the user.
 */
import { ErrorCode, SimgateError, isModemGone } from "../errors.js";
import {
  iccidStrategyFor,
  parseCnum,
  parseCops,
  parseCpin,
  parseCreg,
  parseCsq,
  parseIdentityLine,
  parseImei,
  parseImsi,
  splitImsi,
  toE164,
  type DriverDescriptor,
  type Registration,
  type SimState,
} from "../../drivers/generic/index.js";

/** The slice of the AT channel the probe needs (structural, so any runner fits). */
export interface CommandRunner {
  run(cmd: { text: string; timeoutMs?: number; allowMissingFinal?: boolean }): Promise<{ lines: string[] }>;
}

export interface ProbeResult {
  manufacturer: string | null;
  model: string | null;
  revision: string | null;
  imei: string | null;
  sim: SimState;
  iccid: string | null;
  imsi: string | null;
  /** Home network of the SIM (from the IMSI). */
  mcc: string | null;
  mnc: string | null;
  /** Network the module is registered on, numeric MCCMNC (differs from mcc+mnc when roaming). */
  networkOperator: string | null;
  registration: Registration;
  /** dBm, or null when the module does not know. */
  signal: number | null;
  /** E.164 with `+`, or null when the SIM does not know its number. */
  number: string | null;
  /** Steps that failed but did not stop the probe. */
  warnings: string[];
}

export interface ProbeOptions {
  /**
   * Bare `AT` attempts before giving up: modules can miss the first AT after idle
   * (smstools3 needs_wakeup_at). After a timeout the channel resyncs with bare `AT`s of its
   * own before the next attempt, so two attempts already mean several `AT`s on the wire.
   */
  atAttempts?: number;
  atTimeoutMs?: number;
}

/**
 * Channel settings for probing a port that may not be a modem at all: a short resync
 * budget keeps "this port does not speak AT" to a few seconds instead of a quarter minute.
 */
export const PROBE_CHANNEL_OPTIONS = { resyncTimeoutMs: 1000, resyncAttempts: 2 } as const;

export async function probeModem(
  runner: CommandRunner,
  driver: DriverDescriptor,
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  await expectAt(runner, options.atAttempts ?? 2, options.atTimeoutMs ?? 1500);
  const warnings: string[] = [];

  /** Run one step; a failure becomes a warning unless the port is gone. */
  async function step<T>(what: string, fn: () => Promise<T | null>): Promise<T | null> {
    try {
      return await fn();
    } catch (err) {
      if (isModemGone(err)) throw err;
      warnings.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }
  const lines = async (text: string, timeoutMs?: number) =>
    (await runner.run(timeoutMs === undefined ? { text } : { text, timeoutMs })).lines;

  for (const init of driver.initSequence) await step(init, async () => lines(init));

  const manufacturer = await step("manufacturer", async () => value(parseIdentityLine(await lines("AT+CGMI"))));
  const model = await step("model", async () => value(parseIdentityLine(await lines("AT+CGMM"))));
  const revision = await step("revision", async () => value(parseIdentityLine(await lines("AT+CGMR"))));
  const imei = await step("IMEI", async () => value(parseImei(await lines("AT+CGSN"))));

  // Wavecom answers AT+CPIN? without a final OK (gammu F_CPIN_NO_OK).
  const sim =
    (await step("SIM state", async () => {
      try {
        return value(parseCpin((await runner.run({ text: "AT+CPIN?", timeoutMs: 10_000, allowMissingFinal: true })).lines));
      } catch (err) {
        // +CME ERROR: 10 = SIM not inserted, 13 = SIM failure (27.007 §9.2.1).
        const cme = err instanceof SimgateError ? err.context["cme"] : undefined;
        if (cme === 10) return "absent" as const;
        if (cme === 13) return "error" as const;
        throw err;
      }
    })) ?? "error";

  let iccid: string | null = null;
  let imsi: string | null = null;
  if (sim !== "absent") {
    for (const cmd of iccidStrategyFor(driver, manufacturer)) {
      iccid = await step(`ICCID (${cmd.text})`, async () => value(cmd.parse(await lines(cmd.text, cmd.timeoutMs))).iccid);
      if (iccid !== null) break;
    }
    if (iccid !== null) warnings.splice(0, warnings.length, ...warnings.filter((w) => !w.startsWith("ICCID")));
  }
  if (sim === "ready") imsi = await step("IMSI", async () => value(parseImsi(await lines("AT+CIMI"))));

  const networkOperator =
    sim === "ready"
      ? await step("operator", async () => {
          await lines("AT+COPS=3,2");
          const info = value(parseCops(await lines("AT+COPS?")));
          return info.operator && /^\d{5,6}$/.test(info.operator) ? info.operator : null;
        })
      : null;
  const registration =
    (await step("registration", async () => value(parseCreg(await lines("AT+CREG?"))).registration)) ?? "unknown";
  const signal = await step("signal", async () => value(parseCsq(await lines("AT+CSQ"))).dbm);

  const home = imsi ? splitImsi(imsi, networkOperator ?? undefined) : null;
  const number =
    sim === "ready"
      ? await step("own number", async () => {
          const first = parseCnum(await lines("AT+CNUM"))[0];
          return first ? toE164(first.number, home?.mcc) : null;
        })
      : null;

  return {
    manufacturer,
    model,
    revision,
    imei,
    sim,
    iccid,
    imsi,
    mcc: home?.mcc ?? null,
    mnc: home?.mnc ?? null,
    networkOperator,
    registration,
    signal,
    number,
    warnings,
  };
}

function value<T>(parsed: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (parsed.ok) return parsed.value;
  throw new SimgateError(parsed.reason, ErrorCode.ModemUnexpectedResponse);
}

async function expectAt(runner: CommandRunner, attempts: number, timeoutMs: number): Promise<void> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      await runner.run({ text: "AT", timeoutMs });
      return;
    } catch (err) {
      if (isModemGone(err)) throw err;
      last = err;
    }
  }
  throw new SimgateError("no answer to AT: is this a modem's AT command port?", ErrorCode.ModemNotResponding, {}, { cause: last });
}
