/**
 * Background workers: the run/stop life of a sender (worker.ts) and its earliest-wins timer
 * (earliest-timer.ts). Below every sender: the Onlinesim senders in src/outbound use it
 * now, a marketplace adapter's outbox worker can use it without importing src/outbound.
 */
export { Worker, type StopHooks, type WorkerOptions, type WorkerState, type WorkerTimer } from "./worker.js";
export { EarliestTimer, REAL_TIMERS, type Timers } from "./earliest-timer.js";
