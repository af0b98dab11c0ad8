/**
 * Wavecom / Sierra Q2303/Q2403/Q24 (and the clones common in Chinese pools). Pure, never throw.
 * +WIND codes: Multi-Tech GSM/GPRS AT manual (+WIND), Westermo GD-01 manual, sierrawireless
 * forum "+WIND: 13" (docs/protocols/at-commands.md#sim-hot-swap-and-readiness).
 */
import { afterPrefix, fail, ok, splitParams, type Parsed } from "../generic/result.js";
import type { SimEvent } from "../types.js";

export type WindEvent =
  | "sim-removed"
  | "sim-inserted"
  | "ready-partial"
  | "ready"
  | "emergency-only"
  | "network-lost"
  | "rack-closed"
  | "rack-open"
  | "other";

const WIND_EVENTS: Record<number, WindEvent> = {
  0: "sim-removed",
  1: "sim-inserted",
  // 3: ready for AT commands except phonebook/SMS (SIM still initialising); 4: ready for all.
  3: "ready-partial",
  4: "ready",
  7: "emergency-only",
  8: "network-lost",
  13: "rack-closed",
  // 14 "presumably open" (docs/protocols/at-commands.md#sim-hot-swap-and-readiness): unverified.
  14: "rack-open",
};

/** `+WIND: <event>[,<args>]` URC. */
export function parseWind(line: string): Parsed<{ code: number; event: WindEvent; args: string[] }> {
  const payload = afterPrefix(line, "+WIND:");
  if (payload === undefined) return fail("not a +WIND line", line);
  const [code, ...args] = splitParams(payload);
  if (code === undefined || !/^\d+$/.test(code)) return fail("+WIND event is not a number", line);
  const n = Number(code);
  return ok({ code: n, event: WIND_EVENTS[n] ?? "other", args });
}

export function windMeaning(line: string): SimEvent {
  const parsed = parseWind(line);
  if (!parsed.ok) return "unknown";
  switch (parsed.value.event) {
    case "sim-removed":
    case "rack-open":
      return "removed";
    case "sim-inserted":
    case "rack-closed":
      return "inserted";
    case "ready":
      return "ready";
    default:
      return "unknown";
  }
}
