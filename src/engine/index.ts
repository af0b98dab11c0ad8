/**
 * What is left of the pre-core engine (issue 5) now that the sales core sells (issue 15):
 * the Onlinesim name catalogue, the `exceptionPhoneSet` prefixes, the `engine:` config
 * type, and the port feed and stale-sweep timer the daemon drives the core with.
 */
export type { EngineConfig } from "./config.js";
export { Catalog } from "./catalog.js";
export { parseExceptionPhoneSet } from "./prefixes.js";
export { feedPorts, watchStale } from "./port-feed.js";
