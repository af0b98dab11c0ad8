/**
 * The identification steps a probe and a port session share. Each step runs a few AT
 * commands through a CommandRunner and returns what it learned; a failure becomes a
 * warning (unless the port is gone), because a half-identified modem is still worth
 * showing. Only `expectAt` is fatal.
 */
import { ErrorCode, SimgateError, isModemGone, isSimgateError } from "../errors.js";
import {
  hasQuirk,
  iccidStrategyFor,
  networkInfoFor,
  parseCops,
  parseCpin,
  parseCreg,
  parseCsq,
  parseIdentityLine,
  parseImei,
  parseImsi,
  splitImsi,
  type DriverDescriptor,
  type NetworkInfo,
  type Registration,
  type SimState,
} from "../../drivers/generic/index.js";
import { numberFromCnum } from "./own-number.js";

/** One command as the steps send it. */
export interface StepCommand {
  text: string;
  timeoutMs?: number;
  allowMissingFinal?: boolean;
}

/** The slice of the AT channel the steps need (structural, so any runner fits). */
export interface CommandRunner {
  run(cmd: StepCommand): Promise<{ lines: string[] }>;
}

/** +CME ERROR: 515, "please wait, init or command processing in progress": a module that is there but busy. */
export function isBusy(err: unknown): boolean {
  return isSimgateError(err, ErrorCode.AtCmeError) && err.context["cme"] === 515;
}

/** How long the steps wait out 515 answers, and the pause between tries. */
export const BUSY_PATIENCE = { totalMs: 30_000, pauseMs: 500 } as const;

/**
 * Run a command, waiting out 515 ("busy") answers: a module restarting after `AT+CFUN`
 * or a power-on answers every command, bare AT included, with 515 for a few seconds
 * (Wavecom: python-gsmmodem fakemodems, docs/hardware.md#wavecom-q2303-and-q24).
 * Generic on purpose: the driver is not known yet when it matters most (the first AT
 * after a restart), and any module that says 515 is a modem that will answer soon.
 */
export async function runPatiently(runner: CommandRunner, cmd: StepCommand, patience: { totalMs: number; pauseMs: number } = BUSY_PATIENCE): Promise<{ lines: string[] }> {
  const deadline = performance.now() + patience.totalMs;
  for (;;) {
    try {
      return await runner.run(cmd);
    } catch (err) {
      if (!isBusy(err) || performance.now() + patience.pauseMs > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, patience.pauseMs));
    }
  }
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
  return (await runPatiently(runner, timeoutMs === undefined ? { text } : { text, timeoutMs })).lines;
}

/**
 * Bare `AT` until the module answers; 515 ("busy") answers are waited out, they do not
 * count as attempts. Any other `+CME ERROR` is an answer too: a module that wants its SIM
 * PIN before anything else refuses even a bare AT with `+CME ERROR: 11` (the ZTE K3565-Z
 * and Qualcomm M6280 captures), and only a modem says that. ModemManager's AT probe takes
 * such an error as "this is an AT port" as well.
 */
export async function expectAt(runner: CommandRunner, attempts: number, timeoutMs: number): Promise<void> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      await runPatiently(runner, { text: "AT", timeoutMs });
      return;
    } catch (err) {
      if (isModemGone(err)) throw err;
      if (isSimgateError(err, ErrorCode.AtCmeError)) return;
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

/** The module a step talks to: its driver and normalised `AT+CGMM` (for model-scoped quirks). */
export interface ModuleDriver {
  driver: DriverDescriptor;
  model: string | null;
}

/**
 * `AT+CPIN?` → SIM state. A module that does not answer throws (the port is unresponsive,
 * the SIM is not in error); an answer we cannot read is a warning and "error".
 * Only a driver with the cpinWithoutOk quirk (Wavecom, gammu F_CPIN_NO_OK) accepts the
 * `+CPIN:` line without a final result; every other module must end with OK, so that a
 * final result that comes late is never taken for the answer to the next command.
 */
export async function readSimState(runner: CommandRunner, log: StepLog, module: ModuleDriver): Promise<SimState> {
  try {
    const cmd: StepCommand = hasQuirk(module.driver, "cpinWithoutOk", module.model) ? { text: "AT+CPIN?", allowMissingFinal: true } : { text: "AT+CPIN?" };
    return value(parseCpin((await runPatiently(runner, cmd)).lines));
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
  /** Radio access technology as the driver's network-information command names it ("FDD LTE", "WCDMA", …), or null. */
  accessTechnology: string | null;
}

export interface ReadNetworkOptions {
  /** Read the registered network with `AT+COPS?` (only useful with a ready SIM). */
  withOperator?: boolean;
  /** Send `AT+COPS=3,2` first (numeric names); the module keeps it, so a health poll can skip it. */
  setOperatorFormat?: boolean;
  /** The driver and model, for its network-information command; without it only 27.007 is asked. */
  module?: ModuleDriver;
  /** The SIM's IMSI: tells home from roaming when the network-information command prints the serving network. */
  imsi?: string | null;
  /**
   * Let the vendor's network information count a SIM as registered where `+CREG` says it is
   * not (default true). Off, `+CREG` alone decides and the command only reports the access
   * technology: an attach without the circuit-switched domain may get no SMS at all.
   */
  trustVendorRegistration?: boolean;
}

const REGISTERED: readonly Registration[] = ["home", "roaming"];

/**
 * Registration, signal and (optionally) the registered network, and the access technology.
 *
 * `+CREG` reports the circuit-switched domain only. On an LTE or data-only attach without
 * it, +CREG says 0 ("not registered") while the module is in service and +CEREG, +COPS and
 * the vendor's own command say so (Quectel EP06 with `+QNWINFO: "FDD LTE",…`; SIM7000 with
 * `+CPSI: LTE NB-IOT,Online,…` — see drivers/README.md#vendor-parsers). So when +CREG
 * does not say registered and the driver has a network-information command, its answer
 * decides: in service with a roaming flag (Huawei ^SYSINFO) or a serving network to compare
 * with the SIM's home network (+QNWINFO, +CPSI) is registered, home or roaming. Two +CREG
 * answers are final: "denied" (3) is the network's explicit refusal and stays, and a
 * registered +CREG is never overruled.
 */
export async function readNetwork(runner: CommandRunner, log: StepLog, options: ReadNetworkOptions = {}): Promise<NetworkStatus> {
  const { withOperator = true, setOperatorFormat = true, module, imsi = null, trustVendorRegistration = true } = options;
  const copsOperator = withOperator
    ? await log.step("operator", async () => {
        if (setOperatorFormat) await lines(runner, "AT+COPS=3,2");
        const info = value(parseCops(await lines(runner, "AT+COPS?")));
        return info.operator && /^\d{5,6}$/.test(info.operator) ? info.operator : null;
      })
    : null;
  const creg = (await log.step("registration", async () => value(parseCreg(await lines(runner, "AT+CREG?"))).registration)) ?? "unknown";
  const signal = await log.step("signal", async () => value(parseCsq(await lines(runner, "AT+CSQ"))).dbm);
  const infoCommand = module ? networkInfoFor(module.driver, module.model) : undefined;
  const info = infoCommand ? await log.step(infoCommand.text, async () => value(infoCommand.parse(await lines(runner, infoCommand.text, infoCommand.timeoutMs)))) : null;
  const networkOperator = copsOperator ?? (withOperator ? (info?.operator ?? null) : null);
  const registration = info ? registrationWithNetworkInfo(creg, info, imsi, networkOperator, log, infoCommand!.text, trustVendorRegistration) : creg;
  return { networkOperator, registration, signal, accessTechnology: info?.accessTechnology ?? null };
}

function registrationWithNetworkInfo(creg: Registration, info: NetworkInfo, imsi: string | null, serving: string | null, log: StepLog, command: string, trusted: boolean): Registration {
  if (REGISTERED.includes(creg) || !info.inService) return creg;
  const where = `${info.accessTechnology ?? "service"}${info.operator ? ` on ${info.operator}` : ""}`;
  if (creg === "denied") {
    log.warnings.push(`+CREG says registration denied while ${command} reports ${where}: circuit-switched service refused, not counted as registered`);
    return creg;
  }
  if (!trusted) {
    log.warnings.push(`+CREG says ${creg} while ${command} reports ${where}: not counted as registered (modem.trustVendorRegistration is off)`);
    return creg;
  }
  const roaming = info.roaming ?? roamingBySite(imsi, info.operator ?? serving);
  if (roaming === null) {
    log.warnings.push(`+CREG says ${creg} while ${command} reports ${where}, but neither says home or roaming`);
    return creg;
  }
  const registration: Registration = roaming ? "roaming" : "home";
  log.warnings.push(`+CREG says ${creg} while ${command} reports ${where}: registered (${registration}) on the packet domain`);
  return registration;
}

/** Roaming when the serving network is not the SIM's home network (both numeric MCC+MNC); null when either is unknown. */
function roamingBySite(imsi: string | null, serving: string | null): boolean | null {
  if (!imsi || !serving || !/^\d{5,6}$/.test(serving)) return null;
  const home = splitImsi(imsi, serving);
  return `${home.mcc}${home.mnc}` !== serving;
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
