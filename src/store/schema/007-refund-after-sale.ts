/**
 * Schema 7 (issue 15): a sale the marketplace refunded later.
 *
 *   activations.refunded_at  when a marketplace's refund (FINISH "refunded", Onlinesim and
 *                            the SMSHUB family's status 5) came for a reservation already
 *                            recorded as sold; NULL otherwise. The first outcome stays
 *                            "sold" (the buyer got the code, so the number stays used up for
 *                            the service), but the sale no longer counts in the earnings.
 */
export const SCHEMA_007_REFUND_AFTER_SALE = `
ALTER TABLE activations ADD COLUMN refunded_at INTEGER CHECK (refunded_at IS NULL OR outcome = 'sold');
`;
