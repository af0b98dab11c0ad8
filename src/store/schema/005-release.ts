/**
 * Schema 5 (issue 12): how an activation's number was freed, so a release without a FINISH
 * is stored honestly and a late FINISH can still record its status once.
 *
 *   close_reason  'finish' (Onlinesim's FINISH_ACTIVATION), 'operator' (closed by hand),
 *                 'undelivered' (our GET_NUMBER answer never reached Onlinesim),
 *                 'overdue' (released by the engine's policy long past the operation time);
 *                 NULL while open.
 *   finished_at   when a FINISH status was recorded; NULL while open and while a released
 *                 activation has had none.
 *
 * A released row keeps `status = 0` until a FINISH comes: the initial schema's CHECK ties
 * status to closed_at, and changing it would mean rebuilding the table (and its
 * AUTOINCREMENT sequence, which ids must never go below). Readers take the status only
 * when finished_at is set (src/store/sales-ledger.ts). Rows closed before this
 * migration were all closed by FINISH: they are marked so.
 */
export const SCHEMA_005_RELEASE = `
ALTER TABLE activations ADD COLUMN close_reason TEXT CHECK (close_reason IN ('finish', 'operator', 'undelivered', 'overdue'));
ALTER TABLE activations ADD COLUMN finished_at INTEGER CHECK (finished_at IS NULL OR closed_at IS NOT NULL);
UPDATE activations SET close_reason = 'finish', finished_at = closed_at WHERE closed_at IS NOT NULL;
`;
