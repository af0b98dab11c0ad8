/**
 * Schema 1: everything issue 5 asks the store to hold.
 *
 * Conventions: times are INTEGER milliseconds since the Unix epoch (Date.now()); numbers
 * are E.164 digits without "+" (persistence.ts); ids that leave the process (activation
 * ids go to Onlinesim, SMS ids may go out as PUSH_SMS smsId, Q12) are AUTOINCREMENT so
 * SQLite never hands out a deleted id again (a plain rowid key reuses max(rowid)+1 after
 * the newest row is deleted).
 */
export const SCHEMA_001 = `
-- One row per SIM ever seen. The number is learned once (own-number chain) and kept.
CREATE TABLE sims (
  iccid       TEXT PRIMARY KEY,
  imsi        TEXT,
  number      TEXT,
  mcc         TEXT,
  mnc         TEXT,
  operator    TEXT,
  port_id     TEXT,
  first_seen  INTEGER NOT NULL,
  last_seen   INTEGER NOT NULL
) STRICT;

-- GET_NUMBER operations (docs/protocols/onlinesim-v1.md#get_number, Q18). Open = closed_at IS NULL.
CREATE TABLE activations (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  number      TEXT NOT NULL,
  iccid       TEXT NOT NULL,
  port_id     TEXT,
  country     TEXT NOT NULL,
  operator    TEXT NOT NULL,
  service     TEXT NOT NULL,
  sum         REAL NOT NULL,
  created_at  INTEGER NOT NULL,
  status      INTEGER,
  finish_sum  REAL,
  closed_at   INTEGER,
  CHECK ((closed_at IS NULL) = (status IS NULL))
) STRICT;
-- The last line of defence against assigning a number (or a SIM) twice (docs/protocols/onlinesim-v1.md#get_number [C]).
CREATE UNIQUE INDEX activations_open_number ON activations(number) WHERE closed_at IS NULL;
CREATE UNIQUE INDEX activations_open_iccid ON activations(iccid) WHERE closed_at IS NULL;
CREATE INDEX activations_number ON activations(number, created_at);

-- Per (number, service) history (docs/protocols/onlinesim-v1.md#get_services-rule-3, Q17). Absent row = never used.
CREATE TABLE usage (
  number      TEXT NOT NULL,
  service     TEXT NOT NULL,
  sold        INTEGER NOT NULL DEFAULT 0 CHECK (sold IN (0, 1)),
  cancels     INTEGER NOT NULL DEFAULT 0 CHECK (cancels >= 0),
  excluded    INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (number, service)
) STRICT, WITHOUT ROWID;

-- A whole message (one per CompleteSms): what PUSH_SMS sends.
CREATE TABLE sms (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  port_id        TEXT NOT NULL,
  iccid          TEXT,
  sender         TEXT NOT NULL,
  text           TEXT NOT NULL,
  -- JSON array of 1-based sequence numbers that never arrived ("[]" when complete).
  missing_parts  TEXT NOT NULL DEFAULT '[]',
  sc_timestamp   TEXT,
  received_at    INTEGER NOT NULL
) STRICT;

-- Every PDU handed off by a modem, stored BEFORE the modem deletes it.
-- sim_key = the ICCID, or "port:<portId>" when the SIM is unknown: the dedup scope.
CREATE TABLE sms_parts (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  sim_key      TEXT NOT NULL,
  pdu          TEXT NOT NULL,
  port_id      TEXT NOT NULL,
  iccid        TEXT,
  memory       TEXT NOT NULL,
  mem_index    INTEGER,
  tpdu_length  INTEGER NOT NULL,
  -- The codec's DeliverSms / StatusReportSms as JSON; NULL = undecodable (raw PDU kept).
  decoded      TEXT,
  received_at  INTEGER NOT NULL,
  sms_id       INTEGER REFERENCES sms(id),
  UNIQUE (sim_key, pdu)
) STRICT;
CREATE INDEX sms_parts_sms ON sms_parts(sms_id);
CREATE INDEX sms_parts_unassembled ON sms_parts(port_id, id) WHERE sms_id IS NULL;

-- PUSH_SMS deliveries (docs/protocols/onlinesim-v1.md#push_sms, Q15): retried until delivered or a terminal error.
CREATE TABLE outbox (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  sms_id         INTEGER NOT NULL REFERENCES sms(id),
  activation_id  INTEGER NOT NULL REFERENCES activations(id),
  created_at     INTEGER NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_try_at    INTEGER NOT NULL,
  last_error     TEXT,
  delivered_at   INTEGER,
  -- Terminal answer (NO_OPERATION, BAD_SERVICE, …): never retried.
  gave_up_at     INTEGER,
  UNIQUE (sms_id, activation_id)
) STRICT;
CREATE INDEX outbox_due ON outbox(next_try_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;

-- The codec Reassembler's toJSON() per port: partial multipart messages survive restarts.
CREATE TABLE reassembly_state (
  port_id     TEXT PRIMARY KEY,
  state       TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
`;
