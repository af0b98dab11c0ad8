/**
 * Background workers: the run/stop life of a sender (worker.ts), its earliest-wins timer
 * (earliest-timer.ts), and the back-off of a failing destination (destination-gate.ts,
 * backoff.ts). Below every sender: the Onlinesim senders in src/outbound use it
 * now, a marketplace adapter's outbox worker can use it without importing src/outbound.
 */
export { Worker, type StopHooks, type WorkerOptions, type WorkerState, type WorkerTimer } from "./worker.js";
export { EarliestTimer, REAL_TIMERS, type Timers } from "./earliest-timer.js";
export { Backoff, CONFIG_BACKOFF, TRANSIENT_BACKOFF, type BackoffOptions } from "./backoff.js";
export { DestinationGate, type DestinationGateOptions, type GateOutcome, type GateStep, type GateTicket } from "./destination-gate.js";
