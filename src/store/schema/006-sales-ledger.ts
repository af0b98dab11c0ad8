/**
 * Schema 6 (issue 15): the sales ledger of several marketplaces (src/sales/ledger.ts,
 * src/store/sales-ledger.ts).
 *
 *   activations.market    the buyer: the marketplace holding (or that held) the SIM.
 *                         Rows before this migration were all Onlinesim's.
 *   activations.currency  ISO 4217 code of `sum` and `finish_sum`; Onlinesim pays RUB.
 *   activations.outcome   the neutral outcome of the close (src/sales/types.ts `Outcome`);
 *                         NULL exactly while `finished_at` is (open, or released without a close).
 *                         Existing closes were Onlinesim's FINISH statuses, mapped as its
 *                         adapter maps them (src/markets/onlinesim/statuses.ts): 1 rejected,
 *                         3 sold, 4 cancelled, 5 refunded, anything else released.
 *   sold_pairs            (number, service) sold on any marketplace: burned everywhere.
 *   market_usage          per marketplace × (number, service): cancels and "not offered here".
 *
 * The old `usage` table held both kinds of burn for Onlinesim alone; its rows are copied
 * (sold → sold_pairs, cancels/excluded → market_usage as Onlinesim's).
 */
export const SCHEMA_006_SALES_LEDGER = `
ALTER TABLE activations ADD COLUMN market TEXT NOT NULL DEFAULT 'onlinesim';
ALTER TABLE activations ADD COLUMN currency TEXT NOT NULL DEFAULT 'RUB';
ALTER TABLE activations ADD COLUMN outcome TEXT CHECK (outcome IN ('sold', 'cancelled', 'refunded', 'rejected', 'released'));
UPDATE activations SET outcome = CASE status WHEN 1 THEN 'rejected' WHEN 3 THEN 'sold' WHEN 4 THEN 'cancelled' WHEN 5 THEN 'refunded' ELSE 'released' END
  WHERE finished_at IS NOT NULL;
CREATE INDEX activations_sold_finished ON activations(finished_at) WHERE outcome = 'sold';

CREATE TABLE sold_pairs (
  number      TEXT NOT NULL,
  service     TEXT NOT NULL,
  market      TEXT NOT NULL,
  sold_at     INTEGER NOT NULL,
  PRIMARY KEY (number, service)
) STRICT, WITHOUT ROWID;

CREATE TABLE market_usage (
  market      TEXT NOT NULL,
  number      TEXT NOT NULL,
  service     TEXT NOT NULL,
  cancels     INTEGER NOT NULL DEFAULT 0 CHECK (cancels >= 0),
  excluded    INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (market, number, service)
) STRICT, WITHOUT ROWID;

INSERT INTO sold_pairs (number, service, market, sold_at) SELECT number, service, 'onlinesim', updated_at FROM usage WHERE sold = 1;
INSERT INTO market_usage (market, number, service, cancels, excluded, updated_at)
  SELECT 'onlinesim', number, service, cancels, excluded, updated_at FROM usage WHERE cancels > 0 OR excluded = 1;
`;
