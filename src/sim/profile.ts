/**
 * What a simulated modem is: identity, SIM card, network, storage sizes. Plain data
 * (JSON-serialisable) so a test or a later issue can describe "a Huawei stick with a
 * PIN-locked roaming SIM" in one object, and so `generatePool` is reproducible.
 */
import { SimgateError, ErrorCode } from "../errors.js";
import { DIALECT_IDENTITY } from "./dialects/identity.js";
import { luhnCheckDigit } from "./identifiers.js";
import { OPERATORS, type OperatorInfo, type UssdReply } from "./operators.js";
import { createRng, seedFrom, type Rng } from "./rng.js";

export type { UssdReply } from "./operators.js";

/** The families `mixed` cycles through: they all end every command with a final result. */
export const SIM_DIALECTS = ["generic", "simcom", "quectel", "huawei"] as const;
/**
 * Families picked by name only: Wavecom answers `AT+CPIN?` without a final result and
 * `AT+CGMR` with ERROR, on purpose (docs/hardware.md#wavecom-q2303-and-q24), so it stays out
 * of `mixed` pools and of the generic 27.007 surface tests.
 */
export const NAMED_ONLY_DIALECTS = ["wavecom"] as const;
export const ALL_SIM_DIALECTS = [...SIM_DIALECTS, ...NAMED_ONLY_DIALECTS] as const;
export type SimDialect = (typeof ALL_SIM_DIALECTS)[number];
export type PoolDialect = SimDialect | "mixed";

export type SimState = "absent" | "pin" | "puk" | "ready";
/** 27.007 +CREG <stat>: 0 not searching, 1 home, 2 searching, 3 denied, 5 roaming. */
export type RegistrationStat = 0 | 1 | 2 | 3 | 5;

export interface SimCardProfile {
  /** "absent": the card exists (insertSim() puts it in) but the slot is empty. */
  state: SimState;
  pin: string;
  puk: string;
  iccid: string;
  imsi: string;
  /** Home network (from the IMSI; stored because the MNC length is not derivable). */
  mcc: string;
  mnc: string;
  operatorName: string;
  /** Number stored on the SIM (EF_MSISDN, what `AT+CNUM` shows); null when the SIM does not know it. */
  msisdn: string | null;
  /** The number the network knows; USSD "my number" replies use it. */
  subscriberNumber: string;
  smsc: string;
  /** SMS slots on the SIM ("SM" storage). */
  smsCapacity: number;
  /** USSD requests answered by the home network, keyed by the exact code. */
  ussd: Record<string, UssdReply>;
}

export interface NetworkProfile {
  /** The serving network (differs from the SIM's home network when roaming). */
  mcc: string;
  mnc: string;
  operatorName: string;
  operatorShortName: string;
  registration: RegistrationStat;
  /**
   * What `+CREG` (the circuit-switched domain) says when it differs from `registration`
   * (the packet domain, which `+CGREG`/`+CEREG`, `+COPS` and the vendors' network commands
   * follow): an LTE or data-only attach without CS, where +CREG says 0 or 3 while the module
   * has service (Quectel EP06 `+CREG: 2,3` with `+QNWINFO: "FDD LTE",…`, koshev-msk/luci-app-modeminfo
   * #14; SIM7000 `+CREG: 0,0` with `+CPSI: LTE NB-IOT,Online,…`, botletics/SIM7000-LTE-Shield #50).
   */
  csRegistration?: RegistrationStat;
  /** 27.007 +CSQ <rssi>: 0..31, 99 unknown. */
  signalRssi: number;
  /** Hex, as +CREG shows them. */
  lac: string;
  cellId: string;
  tzQuarterHours: number;
}

/**
 * What one module's firmware does that its family's dialect does not say: the captured
 * devices' own behaviour, set per profile.
 */
export interface SimFirmware {
  /**
   * While the SIM waits for its PIN (or PUK), every command line but `AT+CPIN…`, bare `AT`
   * included, is refused with `+CME ERROR: 11` (`12` for the PUK), whatever `+CMEE` says:
   * python-gsmmodem's captures of the ZTE K3565-Z and the Qualcomm M6280
   * (test/corpus/devices/, `commandsNoPinRequired = []` there).
   */
  refusesCommandsUntilPin?: boolean;
  /**
   * `+CNMI` after power-on (and after a silent reset) when it differs from the dialect's:
   * 27.005 leaves it to the maker, and `0,0,0,0,0` (no SMS indications until the host asks)
   * is what Huawei sticks ship with.
   */
  powerOnCnmi?: [number, number, number, number, number];
}

export interface SimModemProfile {
  dialect: SimDialect;
  /** This module's own firmware behaviour beyond its dialect (absent: the dialect's alone). */
  firmware?: SimFirmware;
  manufacturer: string;
  model: string;
  revision: string;
  imei: string;
  /** SMS slots in the module's own memory ("ME"). */
  meSmsCapacity: number;
  sim: SimCardProfile;
  network: NetworkProfile;
}

export interface PoolVariation {
  /** Share of SIMs that do not know their own number (AT+CNUM empty). Default 0.25. */
  noNumberRatio?: number;
  /** Share of SIMs registered on a foreign network (stat 5). Default 0. */
  roamingRatio?: number;
  /** Share of SIMs that wait for their PIN (the PIN is in the profile). Default 0. */
  pinLockedRatio?: number;
}

export interface GeneratePoolOptions extends PoolVariation {
  count: number;
  dialect: PoolDialect;
  seed: string | number;
}

/** `mixed` cycles through the four dialects in this order. */
export function dialectForIndex(dialect: PoolDialect, index: number): SimDialect {
  if (dialect !== "mixed") return dialect;
  return SIM_DIALECTS[index % SIM_DIALECTS.length] ?? "generic";
}

export function isPoolDialect(value: string): value is PoolDialect {
  return value === "mixed" || (ALL_SIM_DIALECTS as readonly string[]).includes(value);
}

/** Deterministic: the same options give the same profiles, and modem i does not depend on `count`. */
export function generatePool(options: GeneratePoolOptions): SimModemProfile[] {
  if (!Number.isInteger(options.count) || options.count < 0) {
    throw new SimgateError(`modem count must be a non-negative integer, got ${options.count}`, ErrorCode.SimulatorBadOption);
  }
  if (!isPoolDialect(options.dialect)) {
    throw new SimgateError(`unknown dialect '${String(options.dialect)}'`, ErrorCode.SimulatorBadOption);
  }
  const base = seedFrom(options.seed);
  const profiles: SimModemProfile[] = [];
  for (let i = 0; i < options.count; i++) {
    // Per-modem stream: adding modems never changes the earlier ones.
    const rng = createRng((base ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
    profiles.push(generateProfile(dialectForIndex(options.dialect, i), rng, options));
  }
  return profiles;
}

export function generateProfile(dialect: SimDialect, rng: Rng, variation: PoolVariation = {}): SimModemProfile {
  const identity = DIALECT_IDENTITY[dialect];
  const home = rng.pick(OPERATORS);
  const roaming = rng.next() < (variation.roamingRatio ?? 0);
  const serving = roaming ? rng.pick(OPERATORS.filter((o) => o.mcc !== home.mcc)) : home;
  const knowsNumber = rng.next() >= (variation.noNumberRatio ?? 0.25);
  const pinLocked = rng.next() < (variation.pinLockedRatio ?? 0);
  const subscriberNumber = home.msisdnPrefix + inNumberingPlan(home, rng.digits(home.msisdnDigits - (home.msisdnPrefix.length - 1)));
  return {
    dialect,
    manufacturer: identity.manufacturer,
    model: identity.model,
    revision: identity.revision,
    imei: withLuhn(identity.tac + rng.digits(6)),
    meSmsCapacity: identity.meSmsCapacity,
    sim: {
      state: pinLocked ? "pin" : "ready",
      pin: rng.digits(4),
      puk: rng.digits(8),
      iccid: withLuhn(home.iccidPrefix + rng.digits(home.iccidLength - 1 - home.iccidPrefix.length)),
      imsi: home.mcc + home.mnc + rng.digits(15 - home.mcc.length - home.mnc.length),
      mcc: home.mcc,
      mnc: home.mnc,
      operatorName: home.name,
      msisdn: knowsNumber ? subscriberNumber : null,
      subscriberNumber,
      smsc: home.smsc,
      smsCapacity: rng.int(20, 50),
      ussd: structuredClone(home.ussd),
    },
    network: networkFor(serving, roaming ? 5 : 1, rng, identity.shortCellId),
  };
}

/** The drawn digits, with a first digit the plan does not use moved onto one it does (same draws, so other facts stay put). */
function inNumberingPlan(op: OperatorInfo, digits: string): string {
  const allowed = op.msisdnFirstDigits;
  const first = digits[0];
  if (!allowed || first === undefined || allowed.includes(first)) return digits;
  return allowed[Number(first) % allowed.length] + digits.slice(1);
}

function networkFor(op: OperatorInfo, registration: RegistrationStat, rng: Rng, shortCellId: boolean): NetworkProfile {
  const hex = (n: number) => rng.int(1, 16 ** n - 1).toString(16).toUpperCase().padStart(n, "0");
  return {
    mcc: op.mcc,
    mnc: op.mnc,
    operatorName: op.name,
    operatorShortName: op.shortName,
    registration,
    signalRssi: rng.int(10, 28),
    lac: hex(4),
    // GSM cells have 16-bit ids, UMTS/LTE 28-bit.
    cellId: hex(shortCellId ? 4 : 7),
    tzQuarterHours: op.tzQuarterHours,
  };
}

function withLuhn(body: string): string {
  return body + luhnCheckDigit(body);
}
