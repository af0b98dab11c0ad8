export { FakeOnlinesim, type FakeOnlinesimOptions, type FakeOnlinesimStats, type FakeOnlinesimUrls } from "./fake-onlinesim.js";
export { Marketplace } from "./marketplace.js";
export type { MarketplaceOptions, MarketplaceStats, Violation } from "./marketplace-options.js";
export { OperationBook, type Operation } from "./operations.js";
export type { FailureRule } from "./failures.js";
export type { PushErrorForm, PushSmsStats } from "./push-sms.js";
export type { SeenRequest } from "./recorder.js";
export type { V2Stats } from "./v2.js";
