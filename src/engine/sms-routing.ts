/**
 * SMS routing (issue 5 §5): the SMS is already stored by the hand-off (that store write is
 * what lets the modem delete it); here we only decide whether it belongs to an open
 * activation and, if so, create its outbox entry durably for PUSH_SMS (docs/protocols/onlinesim-v1.md#push_sms, Q16: forward
 * every SMS on a number with an open operation; never one without — Onlinesim would answer
 * NO_OPERATION). An SMS without an open activation stays stored and visible, unrouted.
 */
import type { AttachOutcome, EnginePersistence, EpochMs } from "./persistence.js";
import type { EngineState } from "./state.js";

export interface SmsToRoute {
  /** Id the SMS store gave the stored message. */
  smsId: number;
  portId: string;
  /** The SIM that received it: authoritative when known. */
  iccid: string | null;
  /** The receiving port's number (E.164, "+" optional), for a SIM replaced under the same number. */
  number: string | null;
  receivedAt: EpochMs;
}

export type RouteOutcome =
  | { kind: "queued"; activationId: number; outboxId: number }
  | { kind: "duplicate"; activationId: number; outboxId: number }
  | { kind: "unrouted"; reason: "no-open-activation" | "activation-closed" }
  /**
   * The store refused or failed (e.g. the SMS id is not a stored SMS). The SMS itself is
   * still stored (the hand-off happened before); the caller may retry the routing.
   */
  | { kind: "failed"; activationId: number; error: string };

export function routeSms(sms: SmsToRoute, state: EngineState, persistence: EnginePersistence): RouteOutcome {
  const number = sms.number?.replace(/^\+/, "") ?? null;
  const activation =
    (sms.iccid !== null ? state.openByIccid.get(sms.iccid) : undefined) ?? (number !== null ? state.openByNumber.get(number) : undefined);
  if (!activation) return { kind: "unrouted", reason: "no-open-activation" };
  let outcome: AttachOutcome;
  try {
    outcome = persistence.attachSmsToActivation(sms.smsId, activation.id, sms.receivedAt);
  } catch (err) {
    return { kind: "failed", activationId: activation.id, error: err instanceof Error ? err.message : String(err) };
  }
  switch (outcome.kind) {
    case "queued":
      return { kind: "queued", activationId: activation.id, outboxId: outcome.entry.id };
    case "duplicate":
      return { kind: "duplicate", activationId: activation.id, outboxId: outcome.entry.id };
    case "not-open":
      return { kind: "unrouted", reason: "activation-closed" };
  }
}
