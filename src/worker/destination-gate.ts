/**
 * The health of one destination (one PUSH_SMS URL of Onlinesim, or one marketplace's
 * PUSH_SMS URL), so that a failing marketplace sees a bounded trickle of requests instead
 * of one per queued SMS. It lives beside the Worker so every sender can use it: the
 * Onlinesim PUSH_SMS sender (src/outbound) and the marketplace outbox worker (src/markets).
 *
 *  - open: requests flow at the sender's concurrency;
 *  - closed: after an answer that says Onlinesim is not serving (refused, timeout, 5xx,
 *    408/429: `unreachable`) or that the key, IP or account is refused (`config`), only
 *    ONE request, a probe, goes out per back-off step, however many SMS wait.
 *
 * The step starts at `floorMs` (Onlinesim's own 10 s between attempts of one SMS, so the
 * probe, always the oldest SMS, is never re-sent sooner), doubles per failed probe up to
 * `maxMs`, and is jittered upwards by up to 25 % so a fleet of gateways does not probe in
 * lock-step. Key/IP/account errors use a slower schedule (10 s → 5 min): retrying fast
 * cannot fix them. Any real answer (accepted, a terminal error, a refusal of that one SMS)
 * opens the gate again and resets the steps.
 *
 * Answers to requests that were already in flight when the gate closed do not escalate
 * the step: only the first failure and failed probes do. A probe that hangs (it holds its
 * SMS until push.timeoutMs) does not hold back the next step's probe, which takes another
 * SMS: a hung Onlinesim that comes back is noticed within a step, not a timeout plus a step;
 * and when that later probe is answered, the hung one timing out afterwards does not close
 * the gate again.
 */
import { Backoff, CONFIG_BACKOFF } from "./backoff.js";

export type GateOutcome = "answered" | "unreachable" | "config";

export interface GateTicket {
  /** Sent while the gate was closed: the one probe of this step. */
  readonly probe: boolean;
  /** How many times the gate had opened again when this request started. */
  readonly epoch: number;
}

export interface GateStep {
  /** The gate closed now, or a probe failed: a new, longer step began. */
  escalated: boolean;
  /** Until the next probe. */
  waitMs: number;
}

export interface DestinationGateOptions {
  /** Shortest step (Onlinesim's retry period, push.retryMs). */
  floorMs: number;
  /** Longest step for unreachable (push.backoffMaxMs). */
  maxMs: number;
  random?: () => number;
}

const JITTER = 0.25;

export class DestinationGate {
  readonly #unreachable: Backoff;
  readonly #config: Backoff;
  #open = true;
  #nextProbeAt = 0;
  #stepMs = 0;
  #failures = 0;
  /** +1 each time the gate opens again: a request older than that cannot close it. */
  #epoch = 0;

  constructor(o: DestinationGateOptions) {
    const random = o.random ?? Math.random;
    this.#unreachable = new Backoff({ initialMs: o.floorMs, maxMs: Math.max(o.floorMs, o.maxMs), jitter: JITTER, jitterUp: true, random });
    const configFloor = Math.max(o.floorMs, CONFIG_BACKOFF.initialMs);
    this.#config = new Backoff({ initialMs: configFloor, maxMs: Math.max(configFloor, CONFIG_BACKOFF.maxMs), jitter: JITTER, jitterUp: true, random });
  }

  get open(): boolean {
    return this.#open;
  }

  /** When the next probe may go, null while open. */
  get nextProbeAt(): number | null {
    return this.#open ? null : this.#nextProbeAt;
  }

  /** Failures since the gate was last open. */
  get failures(): number {
    return this.#failures;
  }

  /** How many requests may start now, with `inFlight` already going to this destination. */
  allowance(now: number, inFlight: number, concurrency: number): number {
    if (this.#open) return Math.max(0, concurrency - inFlight);
    return now >= this.#nextProbeAt && inFlight < concurrency ? 1 : 0;
  }

  /** A request to this destination starts at `now`; while closed it is this step's probe. */
  begin(now: number): GateTicket {
    if (this.#open) return { probe: false, epoch: this.#epoch };
    this.#nextProbeAt = now + this.#stepMs;
    return { probe: true, epoch: this.#epoch };
  }

  /** Its outcome. Null when the gate is (now) open; else the step the destination is in. */
  settle(ticket: GateTicket, outcome: GateOutcome, now: number): GateStep | null {
    if (outcome === "answered") {
      if (!this.#open) this.#epoch++;
      this.#open = true;
      this.#failures = 0;
      this.#unreachable.reset();
      this.#config.reset();
      return null;
    }
    // A request from before the gate last opened (a probe that hung while another answered) says nothing new.
    if (ticket.epoch !== this.#epoch) return this.#open ? null : { escalated: false, waitMs: Math.max(0, this.#nextProbeAt - now) };
    this.#failures++;
    if (this.#open || ticket.probe) {
      const waitMs = (outcome === "config" ? this.#config : this.#unreachable).next();
      this.#open = false;
      this.#stepMs = waitMs;
      this.#nextProbeAt = now + waitMs;
      return { escalated: true, waitMs };
    }
    return { escalated: false, waitMs: Math.max(0, this.#nextProbeAt - now) };
  }
}
