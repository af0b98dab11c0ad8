/**
 * The sales core's typed events. Listeners hear them synchronously, right after the
 * durable write and the memory change they report, so a marketplace that pushes its list
 * (Onlinesim v2) can withdraw a SIM reserved elsewhere within its own debounce, without
 * polling the core.
 */
import type { ClosedReservation, Outcome, Reservation, SimRef } from "./types.js";

export interface SalesEvents {
  /** A buyer holds a SIM now: every other marketplace must stop offering it. */
  "reservation-opened": [reservation: Reservation];
  /** A reservation ended (closed, or released without a close): its SIM is free unless it left. */
  "reservation-closed": [reservation: ClosedReservation];
  /**
   * An outcome was recorded, once per reservation: at its close, or later for one released
   * before (which hears no "reservation-closed" then: its SIM was freed at the release).
   * Earnings follow this, not the SIM's freedom.
   */
  "outcome-recorded": [reservation: ClosedReservation & { outcome: Outcome }];
  /**
   * A marketplace refunded a reservation already recorded as sold: the outcome stays "sold"
   * (the burn stands) and `refundedAt` is set; earnings drop the sale. Once per reservation.
   */
  "sale-refunded": [reservation: ClosedReservation];
  /**
   * A SIM became free for anyone: its reservation ended while it is present and ready, or
   * it came up (ready, identified) while nobody holds it.
   */
  "sim-offered": [sim: SimRef];
  /** A SIM stopped being free: a buyer reserved it ("held"), or it left or stopped being ready ("gone"). */
  "sim-withdrawn": [sim: SimRef, why: "held" | "gone"];
}
