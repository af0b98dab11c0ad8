/**
 * Identify the module and SIM on one AT port: is it AT at all, who made it (and so which
 * driver speaks to it), which SIM is in it, where is it registered, what is its own
 * number. Only "nothing answers AT" is fatal; every later step records a warning and goes on.
 */
import { splitImsi, type DriverDescriptor, type Registration, type SimState } from "../../drivers/generic/index.js";
import { selectDriver } from "../../drivers/registry.js";
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
  /** The driver chosen from the module's `AT+CGMI`/`AT+CGMM` ("generic" when nothing matched). */
  driver: string;
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
  /** Radio access technology from the driver's network-information command ("FDD LTE", "WCDMA", …), or null. */
  accessTechnology: string | null;
  /** E.164 with `+`, or null when the SIM does not know its number. */
  number: string | null;
  /** Steps that failed but did not stop the probe. */
  warnings: string[];
}

/** What the probe knows when it picks a driver: the module's own word. */
export interface ProbeEvidence {
  manufacturer: string | null;
  model: string | null;
}

export interface ProbeOptions {
  /** Pick the driver from the identity (default: the registry's best match, as the daemon does). */
  chooseDriver?: (evidence: ProbeEvidence) => DriverDescriptor;
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

export async function probeModem(runner: CommandRunner, options: ProbeOptions = {}): Promise<ProbeResult> {
  await expectAt(runner, options.atAttempts ?? 2, options.atTimeoutMs ?? 1500);
  const log = new StepLog();
  // Identity first, as the port session does: the driver (and its quirks) depend on it.
  const module = await readModuleIdentity(runner, log);
  const driver = (options.chooseDriver ?? ((e) => selectDriver(e).driver))({ manufacturer: module.manufacturer, model: module.model });
  await runInitSequence(runner, driver, log);
  const speaking = { driver, model: module.model };
  const sim = await readSimState(runner, log, speaking);
  const iccid = sim !== "absent" ? await readIccid(runner, driver, module.manufacturer, log) : null;
  const imsi = sim === "ready" ? await readImsi(runner, log) : null;
  const network = await readNetwork(runner, log, { withOperator: sim === "ready", module: speaking, imsi });
  const home = imsi ? splitImsi(imsi, network.networkOperator ?? undefined) : null;
  const number = sim === "ready" ? await readCnumNumber(runner, { mcc: home?.mcc ?? null, mnc: home?.mnc ?? null }, log) : null;
  return {
    driver: driver.name,
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
