/**
 * Identify the module and SIM on one AT port with a driver descriptor: is it AT at all,
 * who made it, which SIM is in it, where is it registered, what is its own number.
 * Only "nothing answers AT" is fatal; every later step records a warning and goes on.
 */
import { splitImsi, type DriverDescriptor, type Registration, type SimState } from "../../drivers/generic/index.js";
import {
  StepLog,
  expectAt,
  readCnumNumber,
  readIccid,
  readImsi,
  readModuleIdentity,
  readNetwork,
  readSimState,
  runInitSequence,
  type CommandRunner,
} from "./steps.js";

export type { CommandRunner } from "./steps.js";

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

export async function probeModem(runner: CommandRunner, driver: DriverDescriptor, options: ProbeOptions = {}): Promise<ProbeResult> {
  await expectAt(runner, options.atAttempts ?? 2, options.atTimeoutMs ?? 1500);
  const log = new StepLog();
  await runInitSequence(runner, driver, log);
  const module = await readModuleIdentity(runner, log);
  const sim = await readSimState(runner, log);
  const iccid = sim !== "absent" ? await readIccid(runner, driver, module.manufacturer, log) : null;
  const imsi = sim === "ready" ? await readImsi(runner, log) : null;
  const network = await readNetwork(runner, log, sim === "ready");
  const home = imsi ? splitImsi(imsi, network.networkOperator ?? undefined) : null;
  const number = sim === "ready" ? await readCnumNumber(runner, { mcc: home?.mcc ?? null, mnc: home?.mnc ?? null }, log) : null;
  return {
    ...module,
    sim,
    iccid,
    imsi,
    mcc: home?.mcc ?? null,
    mnc: home?.mnc ?? null,
    ...network,
    number,
    warnings: log.warnings,
  };
}
