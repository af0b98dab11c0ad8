/**
 * The counters the status page, `simgate status` and /metrics have shown since the engine
 * was Onlinesim's alone, now read from the sales core (totals over every marketplace)
 * and the Onlinesim adapter (which SIMs have Onlinesim names). The names stay, so
 * dashboards and scripts built on them keep working.
 */
import type { SalesCore } from "../../sales/core.js";
import type { OnlinesimV1 } from "./v1-market.js";

export interface EngineStats {
  /** Ready modules (present ports with a ready SIM). */
  modules: number;
  /** Of those, SIMs with an Onlinesim name (offerable there). */
  namedSims: number;
  openActivations: number;
  /** Gauge: open activations older than life × staleFactor at the last check. */
  staleActivations: number;
  assigned: number;
  noNumbers: number;
  finished: number;
  repeatedFinish: number;
  unknownFinish: number;
  /** Outcomes recorded for activations released before. */
  lateFinish: number;
  /** Closed by the operator (`simgate activations close`); also counted in `finished`. */
  closedByOperator: number;
  /** GET_NUMBER answers that never reached the client: withdrawn at once. */
  undelivered: number;
  /** Released by the overdue policy, with or without an SMS. */
  releasedOverdue: number;
  /** Of those, the ones that had got an SMS. */
  releasedOverdueWithSms: number;
  smsQueued: number;
  smsUnrouted: number;
}

export function engineStats(core: SalesCore, onlinesim: OnlinesimV1 | undefined): EngineStats {
  const s = core.stats();
  return {
    modules: s.modules,
    namedSims: onlinesim?.namedSims ?? 0,
    openActivations: s.openReservations,
    staleActivations: s.staleReservations,
    assigned: s.reserved,
    noNumbers: s.none,
    finished: s.closed,
    repeatedFinish: s.repeatedClose,
    unknownFinish: s.unknownClose,
    lateFinish: s.lateClose,
    closedByOperator: s.closedByOperator,
    undelivered: s.undelivered,
    releasedOverdue: s.releasedOverdue,
    releasedOverdueWithSms: s.releasedOverdueWithSms,
    smsQueued: s.smsQueued,
    smsUnrouted: s.smsUnrouted,
  };
}
