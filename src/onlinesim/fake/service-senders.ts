/** Moved to src/markets/fake (shared by every fake marketplace); re-exported so this fake's imports stay. */
export * from "../../markets/fake/service-senders.js";
