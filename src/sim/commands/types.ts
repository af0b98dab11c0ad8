/**
 * The device-side command model: a parsed command, what a handler returns, and the
 * slice of the modem a handler may touch. Handlers are plain functions over this
 * context so dialects can reuse, wrap or replace them one by one.
 */
import type { DialectSpec } from "../dialects/types.js";
import type { SimModemProfile } from "../profile.js";
import type { SimCard } from "../sim-card.js";
import type { SmsStorage } from "../sms-storage.js";
import type { ModemSettings } from "../settings.js";

export type CommandOp = "exec" | "read" | "test" | "set";

export interface CommandCall {
  /** Upper-case, with its prefix: `+CGSN`, `^ICCID`, `E`, `&F`, `S`. */
  name: string;
  op: CommandOp;
  /** Set arguments with quotes removed (basic commands: their number; S-registers: [reg, value]). */
  args: string[];
}

export type Final =
  | { kind: "ok" }
  | { kind: "error" }
  /** Unknown command or form: the dialect decides the text (`ERROR`, Huawei `COMMAND NOT SUPPORT`). */
  | { kind: "unsupported" }
  | { kind: "cme"; code: number }
  | { kind: "cms"; code: number }
  /** The information lines and no final result at all (Wavecom `AT+CPIN?`, gammu F_CPIN_NO_OK). */
  | { kind: "none" }
  /** `> ` data entry (AT+CMGS / AT+CMGW): the body (hex, without Ctrl-Z) or null when cancelled with ESC. */
  | { kind: "prompt"; onBody: (body: string | null) => AtResult };

export interface AtResult {
  lines: string[];
  final: Final;
  /** Runs once the reply has gone out (or was dropped by a fault): resets, USSD answers. */
  after?: () => void;
}

export type Handler = (m: SimContext, call: CommandCall) => AtResult;

/** A command's forms; a missing `test` form answers OK (V.250: the command exists). */
export interface CommandSpec {
  exec?: Handler;
  read?: Handler;
  test?: Handler;
  set?: Handler;
}

export type CommandTable = Record<string, CommandSpec>;

export interface InjectedSms {
  sender: string;
  text: string;
  timestamp?: Date;
  /** DCS message class; with AT+CNMI <mt>=3 a class 3 SMS is routed as +CMT, the rest stored (27.005 §3.4.1). */
  messageClass?: 0 | 1 | 2 | 3;
}

/** A status report the network sends about an SMS this module submitted. */
export interface InjectedStatusReport {
  /** Where the reported SMS went. */
  recipient: string;
  /** TP-MR the module gave that SMS (the `+CMGS: <mr>` answer). */
  messageRef: number;
  /** TP-ST; 0 = delivered (23.040 §9.2.3.15). */
  status?: number;
  /** When the SC delivered it (TP-DT). Default now. */
  dischargeTime?: Date;
}

/** What a handler may use. Implemented by SimulatedModem. */
export interface SimContext {
  readonly profile: SimModemProfile;
  readonly dialect: DialectSpec;
  readonly settings: ModemSettings;
  /** The inserted card, or null when the slot is empty. */
  readonly sim: SimCard | null;
  readonly me: SmsStorage;
  /** Storage by name ("SM", "ME"), null when unknown or on a missing SIM. */
  storage(mem: string): SmsStorage | null;
  urc(...lines: string[]): void;
  /** One-shot timer owned by the modem (cleared on close/power-cycle); returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void;
  /** AT+CFUN=1,1: the module power-cycles. */
  powerCycle(): void;
  /** Radio on/off (AT+CFUN=1 / 0 / 4). */
  setRadio(on: boolean): void;
  /** Deliver SMS the network is holding (after storage was freed or the radio came back). */
  retryPendingSms(): void;
  injectSms(sms: InjectedSms): number[];
  /** A PDU the host sent with AT+CMGS. Returns the message reference. */
  recordSent(pdu: string): number;
  readonly ussdDelayMs: number;
  /** Cancels the pending USSD answer, if any. */
  cancelUssd: (() => void) | null;
  /** SIM holders of a multi-slot module (1 on ordinary modules); `active` counts from 1. */
  readonly slots: { readonly count: number; readonly active: number };
  /** Make another holder active: the module drops the SIM and reads the other one (docs/sim-banks.md#multi-slot-modules). */
  selectSlot(slot: number): void;
}

export const ok = (lines: string[] = [], after?: () => void): AtResult =>
  after ? { lines, final: { kind: "ok" }, after } : { lines, final: { kind: "ok" } };
export const error = (): AtResult => ({ lines: [], final: { kind: "error" } });
export const unsupported = (): AtResult => ({ lines: [], final: { kind: "unsupported" } });
export const cme = (code: number): AtResult => ({ lines: [], final: { kind: "cme", code } });
export const cms = (code: number): AtResult => ({ lines: [], final: { kind: "cms", code } });

/** `+CME ERROR` codes used here (3GPP TS 27.007 §9.2). */
export const CME = {
  notAllowed: 3,
  notSupported: 4,
  simNotInserted: 10,
  simPinRequired: 11,
  simPukRequired: 12,
  simFailure: 13,
  incorrectPassword: 16,
  invalidIndex: 21,
  notFound: 22,
  invalidChars: 25,
  noNetwork: 30,
  unknown: 100,
} as const;

/** `+CMS ERROR` codes used here (3GPP TS 27.005 §3.2.5). */
export const CMS = {
  notAllowed: 302,
  notSupported: 303,
  invalidPduParam: 304,
  simNotInserted: 310,
  simPinRequired: 311,
  simPukRequired: 316,
  invalidIndex: 321,
  memoryFull: 322,
  noNetwork: 331,
  unknown: 500,
} as const;

/** The CME error that explains why a SIM command cannot run now, or null when the SIM is ready. */
export function simBlocker(m: SimContext): AtResult | null {
  if (!m.sim) return cme(CME.simNotInserted);
  if (m.sim.state === "pin") return cme(CME.simPinRequired);
  if (m.sim.state === "puk") return cme(CME.simPukRequired);
  return null;
}

/** Same for SMS commands, in +CMS codes. */
export function smsSimBlocker(m: SimContext): AtResult | null {
  if (!m.sim) return cms(CMS.simNotInserted);
  if (m.sim.state === "pin") return cms(CMS.simPinRequired);
  if (m.sim.state === "puk") return cms(CMS.simPukRequired);
  return null;
}

export function parseIntArg(value: string | undefined): number | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  return Number(value);
}
