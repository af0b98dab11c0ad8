/**
 * A captured device as data: what one real module answered to each command, assembled
 * from public captures of that model (test/corpus/devices/*.json). The replay modem
 * (replay-modem.ts) plays it back on a serial line so probe and the daemon can meet the
 * real thing's replies, quirks included, instead of our own dialects.
 */
import { readFileSync } from "node:fs";
import { ErrorCode, SimgateError } from "../errors.js";

export interface ReplayProfile {
  /** Shown to users: "Huawei E1752". */
  model: string;
  /**
   * Command line (upper case, as the host types it without the CR) → the lines the device
   * sent, final result included; a reply without a final result is replayed as captured
   * (Wavecom AT+CPIN? without OK).
   */
  responses: Record<string, string[]>;
  /** What the device answers to a command the capture does not have. */
  defaultReply: string[];
  /** Lines the device prints when it powers on (URCs), if the capture shows them. */
  bootUrcs?: string[];
  /** Where the captures come from. */
  source?: { repo: string; path: string; commit: string; license: string };
  /** What the capture says about the SIM and network, for tests (not used by the replay). */
  expect?: Record<string, unknown>;
}

function bad(file: string, why: string): SimgateError {
  return new SimgateError(`${file}: not a device profile: ${why}`, ErrorCode.SimulatorBadOption);
}

const isLines = (v: unknown): v is string[] => Array.isArray(v) && v.every((l) => typeof l === "string");

/** Check a parsed JSON document; one-line errors name the file and the field. */
export function validateReplayProfile(data: unknown, file = "profile"): ReplayProfile {
  if (typeof data !== "object" || data === null) throw bad(file, "expected a JSON object");
  const d = data as Record<string, unknown>;
  if (typeof d["model"] !== "string" || d["model"].trim() === "") throw bad(file, "'model' must be a non-empty string");
  const responses = d["responses"];
  if (typeof responses !== "object" || responses === null || Array.isArray(responses)) throw bad(file, "'responses' must map command lines to reply lines");
  const normalised: Record<string, string[]> = {};
  for (const [cmd, lines] of Object.entries(responses)) {
    if (!isLines(lines)) throw bad(file, `'responses.${cmd}' must be an array of strings`);
    normalised[normaliseCommand(cmd)] = lines;
  }
  const defaultReply = d["defaultReply"] ?? ["ERROR"];
  if (!isLines(defaultReply) || defaultReply.length === 0) throw bad(file, "'defaultReply' must be a non-empty array of strings");
  if (d["bootUrcs"] !== undefined && !isLines(d["bootUrcs"])) throw bad(file, "'bootUrcs' must be an array of strings");
  const out: ReplayProfile = { model: d["model"], responses: normalised, defaultReply };
  if (d["bootUrcs"] !== undefined) out.bootUrcs = d["bootUrcs"] as string[];
  if (d["source"] !== undefined) out.source = d["source"] as ReplayProfile["source"] & object;
  if (d["expect"] !== undefined) out.expect = d["expect"] as Record<string, unknown>;
  return out;
}

export function loadReplayProfile(file: string): ReplayProfile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new SimgateError(`${file}: cannot read the device profile: ${(err as Error).message}`, ErrorCode.SimulatorBadOption);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw bad(file, `invalid JSON (${(err as Error).message})`);
  }
  return validateReplayProfile(data, file);
}

/** How a command is looked up: trimmed, upper case outside quotes, no trailing CR. */
export function normaliseCommand(cmd: string): string {
  let out = "";
  let quoted = false;
  for (const ch of cmd.trim()) {
    if (ch === '"') quoted = !quoted;
    out += quoted ? ch : ch.toUpperCase();
  }
  return out;
}
