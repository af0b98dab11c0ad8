/**
 * The identification steps a probe and a port session share. Each step runs a few AT
 * commands through a CommandRunner and returns what it learned; a failure becomes a
 * warning (unless the port is gone), because a half-identified modem is still worth
 * showing. Only `expectAt` is fatal.
 */
import { ErrorCode, SimgateError, isModemGone, isSimgateError } from "../errors.js";
import {
  iccidStrategyFor,
  parseCops,
  parseCpin,
  parseCreg,
  parseCsq,
  parseIdentityLine,
  parseImei,
  parseImsi,
  type DriverDescriptor,
  type Registration,
  type SimState,
} from "../../drivers/generic/index.js";
import { numberFromCnum } from "./own-number.js";

/** The slice of the AT channel the steps need (structural, so any runner fits). */
export interface CommandRunner {
  run(cmd: { text: string; timeoutMs?: number; allowMissingFinal?: boolean }): Promise<{ lines: string[] }>;
}

/** Collects warnings; a step that fails returns null unless the port is gone. */
export class StepLog {
  readonly warnings: string[] = [];

  async step<T>(what: string, fn: () => Promise<T | null>): Promise<T | null> {
    try {
      return await fn();
    } catch (err) {
      if (isModemGone(err)) throw err;
      this.warnings.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }
}

export function value<T>(parsed: { ok: true; value: T } | { ok: false; reason: string }): T {
  if (parsed.ok) return parsed.value;
  throw new SimgateError(parsed.reason, ErrorCode.ModemUnexpectedResponse);
}

async function lines(runner: CommandRunner, text: string, timeoutMs?: number): Promise<string[]> {
  return (await runner.run(timeoutMs === undefined ? { text } : { text, timeoutMs })).lines;
}

export async function expectAt(runner: CommandRunner, attempts: number, timeoutMs: number): Promise<void> {
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

export interface ModuleIdentity {
  manufacturer: string | null;
  model: string | null;
  revision: string | null;
  imei: string | null;
}

export async function readModuleIdentity(runner: CommandRunner, log: StepLog): Promise<ModuleIdentity> {
  return {
    manufacturer: await log.step("manufacturer", async () => value(parseIdentityLine(await lines(runner, "AT+CGMI")))),
    model: await log.step("model", async () => value(parseIdentityLine(await lines(runner, "AT+CGMM")))),
    revision: await log.step("revision", async () => value(parseIdentityLine(await lines(runner, "AT+CGMR")))),
    imei: await log.step("IMEI", async () => value(parseImei(await lines(runner, "AT+CGSN")))),
  };
}

export async function runInitSequence(runner: CommandRunner, driver: DriverDescriptor, log: StepLog): Promise<void> {
  for (const init of driver.initSequence) await log.step(init, async () => lines(runner, init));
}

/** The module did not answer (as opposed to answering with an error): the port, not the SIM, is the problem. */
export function isNoAnswer(err: unknown): boolean {
  return isSimgateError(err, ErrorCode.AtTimeout) || isSimgateError(err, ErrorCode.AtResyncFailed);
}

/**
 * `AT+CPIN?` → SIM state. A module that does not answer throws (the port is unresponsive,
 * the SIM is not in error); an answer we cannot read is a warning and "error".
 */
export async function readSimState(runner: CommandRunner, log: StepLog): Promise<SimState> {
  try {
    // Wavecom answers AT+CPIN? without a final OK (gammu F_CPIN_NO_OK).
    return value(parseCpin((await runner.run({ text: "AT+CPIN?", allowMissingFinal: true })).lines));
  } catch (err) {
    // +CME ERROR: 10 = SIM not inserted, 13 = SIM failure (27.007 §9.2.1).
    const cme = err instanceof SimgateError ? err.context["cme"] : undefined;
    if (cme === 10) return "absent";
    if (cme === 13) return "error";
    if (isModemGone(err) || isNoAnswer(err)) throw err;
    log.warnings.push(`SIM state: ${err instanceof Error ? err.message : String(err)}`);
    return "error";
  }
}

/** ICCID through the driver's strategies in order; only the last failure is reported. */
export async function readIccid(runner: CommandRunner, driver: DriverDescriptor, manufacturer: string | null, log: StepLog): Promise<string | null> {
  const failures = new StepLog();
  for (const cmd of iccidStrategyFor(driver, manufacturer)) {
    const iccid = await failures.step(`ICCID (${cmd.text})`, async () => value(cmd.parse(await lines(runner, cmd.text, cmd.timeoutMs))).iccid);
    if (iccid !== null) return iccid;
  }
  log.warnings.push(...failures.warnings.slice(-1));
  return null;
}

export async function readImsi(runner: CommandRunner, log: StepLog): Promise<string | null> {
  return log.step("IMSI", async () => value(parseImsi(await lines(runner, "AT+CIMI"))));
}

export interface NetworkStatus {
  /** Registered network, numeric MCCMNC. */
  networkOperator: string | null;
  registration: Registration;
  /** dBm or null. */
  signal: number | null;
}

/**
 * Registration, signal and (optionally) the registered network. `setOperatorFormat`
 * sends `AT+COPS=3,2` first (numeric names); the module keeps that setting, so a health
 * poll can skip it.
 */
export async function readNetwork(runner: CommandRunner, log: StepLog, withOperator = true, setOperatorFormat = true): Promise<NetworkStatus> {
  const networkOperator = withOperator
    ? await log.step("operator", async () => {
        if (setOperatorFormat) await lines(runner, "AT+COPS=3,2");
        const info = value(parseCops(await lines(runner, "AT+COPS?")));
        return info.operator && /^\d{5,6}$/.test(info.operator) ? info.operator : null;
      })
    : null;
  const registration = (await log.step("registration", async () => value(parseCreg(await lines(runner, "AT+CREG?"))).registration)) ?? "unknown";
  const signal = await log.step("signal", async () => value(parseCsq(await lines(runner, "AT+CSQ"))).dbm);
  return { networkOperator, registration, signal };
}

/** `AT+CNUM` only (the session runs the whole own-number chain instead); a number that is not valid is a warning, not a number. */
export async function readCnumNumber(runner: CommandRunner, sim: { mcc: string | null; mnc: string | null }, log: StepLog): Promise<string | null> {
  return log.step("own number", async () => {
    const verdict = numberFromCnum(await lines(runner, "AT+CNUM"), sim);
    if (verdict === null) return null;
    if (verdict.ok) return verdict.e164;
    log.warnings.push(`own number: AT+CNUM refused, ${verdict.reason}`);
    return null;
  });
}
