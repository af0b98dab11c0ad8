/** The activation engine (issue 5): inventory counts, assignment, lifecycle, SMS routing. */
export { ActivationEngine } from "./engine.js";
export type { EngineOptions, EngineStats, FinishRequest, FinishResponse, GetNumberRequest, GetNumberResponse, GetServicesResponse } from "./engine.js";
export { engineConfigSchema, parseEngineConfig } from "./config.js";
export type { EngineConfig, EngineConfigInput } from "./config.js";
export { Catalog } from "../markets/onlinesim/catalog.js";
export type { PortInput, CountryCounts } from "./inventory.js";
export { MemoryPersistence } from "./memory-persistence.js";
export type * from "./persistence.js";
export { parseExceptionPhoneSet } from "../markets/onlinesim/prefixes.js";
export type { RouteOutcome, SmsToRoute } from "./sms-routing.js";
export { feedPorts, watchStale } from "./port-feed.js";
export { feedSms } from "./sms-feed.js";
