/** AtChannel's options (every default with its reason), counters and events. */
import type { SimgateError } from "../errors.js";
import type { Logger } from "../log/logger.js";

export interface AtChannelOptions {
  logger?: Logger;
  /** 5 s: simple commands answer in well under a second; slow ones (+COPS=?, +CMGS) pass their own (docs/hardware.md#timing). */
  defaultTimeoutMs?: number;
  /** 2 s per bare `AT` during resync; MM's probe allows 3 s, but a modem we just talked to answers faster. */
  resyncTimeoutMs?: number;
  /** 3 bare `AT`s before AtResyncFailed: modules can miss the first AT after idle (smstools3 needs_wakeup_at). */
  resyncAttempts?: number;
  /** 100 ms of quiet after the resync `OK`, so a late `OK` is not mistaken for ours (see resync.ts). */
  resyncSettleMs?: number;
  /** Partial-line flush, see framer.ts. */
  idleFlushMs?: number;
  /**
   * 1.5 s: a command without its final result this long after its write makes the channel
   * "not answering" (see answer-watch.ts) — a healthy module answers a plain command in
   * milliseconds to a few hundred; the command's own timeout (seconds) is for recovery, not
   * for noticing.
   */
  answerWithinMs?: number;
  /** 600 noise bytes a minute (10 a second) flag the port as noisy (see noise-meter.ts): far above a module's boot noise. */
  noiseBytesPerMinute?: number;
  /** 5 s: the window the noise rate is judged over; a spewing module is flagged within it. */
  noiseWindowMs?: number;
}

export interface AtChannelStats {
  commands: number;
  timeouts: number;
  /** Reset by any final result to a real command (not by a resync `OK`, so a modem that answers only `AT` still escalates). */
  consecutiveTimeouts: number;
  resyncs: number;
  discardedBytes: number;
  unhandledLines: number;
  /** Bytes that cannot belong to an AT response: controls other than CR/LF/TAB, DEL, bytes above 0x7E, and overlong lines. */
  noiseBytes: number;
}

export interface AtChannelEvents {
  urc: [name: string, lines: string[]];
  unhandled: [line: string];
  timeout: [info: { command: string; consecutive: number }];
  /** The module stopped answering within answerWithinMs (false), or answered promptly again (true). */
  answering: [answering: boolean];
  /** The noise rate crossed noiseBytesPerMinute (true), or fell well below it (false). */
  noisy: [noisy: boolean];
  closed: [error?: SimgateError];
}

export type ChannelSettings = Required<Omit<AtChannelOptions, "logger">>;

/** Fill defaults and fail fast on nonsense, naming the option (as node-serialport's parsers do). */
export function resolveChannelOptions(options: AtChannelOptions): ChannelSettings {
  const settings: ChannelSettings = {
    defaultTimeoutMs: options.defaultTimeoutMs ?? 5000,
    resyncTimeoutMs: options.resyncTimeoutMs ?? 2000,
    resyncAttempts: options.resyncAttempts ?? 3,
    resyncSettleMs: options.resyncSettleMs ?? 100,
    idleFlushMs: options.idleFlushMs ?? 500,
    answerWithinMs: options.answerWithinMs ?? 1500,
    noiseBytesPerMinute: options.noiseBytesPerMinute ?? 600,
    noiseWindowMs: options.noiseWindowMs ?? 5000,
  };
  const positive = ["defaultTimeoutMs", "resyncTimeoutMs", "resyncAttempts", "answerWithinMs", "noiseBytesPerMinute", "noiseWindowMs"] as const;
  for (const key of positive) {
    if (!Number.isFinite(settings[key]) || settings[key] <= 0) throw new TypeError(`"${key}" must be a positive number`);
  }
  if (!Number.isInteger(settings.resyncAttempts)) throw new TypeError(`"resyncAttempts" must be an integer`);
  for (const key of ["resyncSettleMs", "idleFlushMs"] as const) {
    if (!Number.isFinite(settings[key]) || settings[key] < 0) throw new TypeError(`"${key}" must be a number ≥ 0`);
  }
  return settings;
}
