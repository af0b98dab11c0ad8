/**
 * Schema 3 (issue 12): the id floor's triggers and the write-health probe's table.
 *
 * After every insert into a table whose ids leave the process, the trigger hands the new
 * id to simgate_id_issued(), a function each simgate connection registers
 * (src/store/id-floor.ts). It extends the reservation in the id-floor file when the id
 * passes it; when that write fails, the function raises and the insert is rolled back.
 *
 * store_probe: one row rewritten when the store checks whether writes work again after
 * they failed (src/store/write-health.ts), so the check is a real commit through the WAL.
 */
export const SCHEMA_003_ID_FLOOR = `
CREATE TRIGGER activations_id_floor AFTER INSERT ON activations
BEGIN
  SELECT simgate_id_issued('activations', NEW.id);
END;

CREATE TRIGGER sms_id_floor AFTER INSERT ON sms
BEGIN
  SELECT simgate_id_issued('sms', NEW.id);
END;

CREATE TABLE store_probe (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  probed_at INTEGER NOT NULL,
  pad       BLOB NOT NULL
) STRICT;
`;
