/**
 * Onlinesim's marketplace id: the `market` of its reservations in the sales ledger (and the
 * default of `activations.market`, schema 6). Here, below both the adapter
 * (src/markets/onlinesim) and the PUSH_SMS sender (src/outbound), because the sender must
 * pick Onlinesim's outbox rows out of every marketplace's and may not import the adapter.
 */
export const ONLINESIM_MARKET = "onlinesim";
