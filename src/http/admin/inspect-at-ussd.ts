/**
 * `simgate at <port> 'AT+CUSD=1,"*100#",15'`: the module answers OK at once and the
 * network's answer arrives seconds later as a `+CUSD:` URC. Printing only the OK showed
 * nothing of what the operator asked for. So for a USSD request the raw-command route
 * listens for that URC on the port's channel (registered before the command is sent, so
 * a fast answer is not missed), waits for it up to a bound after the OK, and returns it
 * with its decoded text.
 */
import type { AtChannel } from "../../at/index.js";
import { decodeUssd, parseCusd } from "../../codec/ussd.js";

/** A USSD request that the network answers later (`AT+CUSD=1,"…"`); `AT+CUSD=1` alone only enables the URCs. */
const USSD_REQUEST = /^AT\+CUSD\s*=\s*1\s*,/i;

/** How long the network may take after the OK (ModemManager waits 30 s for a USSD answer). */
export const USSD_ANSWER_WAIT_MS = 30_000;

export interface UssdAnswer {
  /** The URC as the module printed it. */
  line: string;
  /** 27.007 <m>: 0 no further action, 1 further action required, 2 terminated by the network, 4 not supported, … */
  status: number | null;
  /** What the status means, in words ("no further action required", "operation not supported", …). */
  statusText: string;
  /** The decoded text ("" when the network sent none). */
  text: string;
}

export interface UssdListener {
  /** The answer, or null when none came within `waitMs` (or the listener was cancelled). */
  answer(waitMs: number): Promise<UssdAnswer | null>;
  cancel(): void;
}

export function isUssdRequest(command: string): boolean {
  return USSD_REQUEST.test(command.trim());
}

/** Starts listening for the next `+CUSD:` line on `channel` (call before sending the request). */
export function listenForUssd(channel: AtChannel): UssdListener {
  let settle: ((line: string | null) => void) | undefined;
  let early: string | null | undefined;
  const handle = channel.registerUrc({
    name: "cusd-admin-at",
    pattern: /^\+CUSD\s*:/i,
    handler: ([line]) => {
      handle.remove();
      if (settle) settle(line ?? null);
      else early = line ?? null;
    },
  });
  const cancel = (): void => {
    handle.remove();
    settle?.(null);
  };
  return {
    cancel,
    answer: async (waitMs) => {
      const line =
        early !== undefined
          ? early
          : await new Promise<string | null>((resolve) => {
              const timer = setTimeout(() => resolve(null), waitMs);
              settle = (l) => {
                clearTimeout(timer);
                resolve(l);
              };
            });
      handle.remove();
      return line === null ? null : describe(line);
    },
  };
}

function describe(line: string): UssdAnswer {
  const p = parseCusd(line);
  if (!p.ok) return { line, status: null, statusText: "malformed +CUSD line", text: "" };
  return { line, status: p.status, statusText: p.statusText, text: p.raw === null ? "" : decodeUssd(p.raw, p.dcs).text };
}
