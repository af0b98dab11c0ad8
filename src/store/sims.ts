/**
 * The `sims` table: every SIM ever seen, where it sat, and its number. Also the durable
 * NumberCache of the own-number chain (src/modem/own-number.ts), so a number costs one
 * USSD/SMS round trip per SIM, not one per restart. It fits that interface structurally
 * (the composition root hands it over): the store imports nothing of the modem layer.
 */
import type Database from "better-sqlite3";

/**
 * What recordSim needs to know of a port and its SIM (a port map's view fits). Declared
 * here so the store does not import the modem layer.
 */
export interface SimSighting {
  /** The port the SIM sits in. */
  id: string;
  iccid: string | null;
  imsi: string | null;
  number: string | null;
  mcc: string | null;
  mnc: string | null;
  networkOperator: string | null;
}

export interface SimRecord {
  iccid: string;
  imsi: string | null;
  /** E.164 digits without "+". */
  number: string | null;
  mcc: string | null;
  mnc: string | null;
  /** Registered network (numeric MCCMNC) when last seen. */
  operator: string | null;
  portId: string | null;
  firstSeen: number;
  lastSeen: number;
}

interface SimRow {
  iccid: string;
  imsi: string | null;
  number: string | null;
  mcc: string | null;
  mnc: string | null;
  operator: string | null;
  port_id: string | null;
  first_seen: number;
  last_seen: number;
}

const toRecord = (r: SimRow): SimRecord => ({
  iccid: r.iccid,
  imsi: r.imsi,
  number: r.number,
  mcc: r.mcc,
  mnc: r.mnc,
  operator: r.operator,
  portId: r.port_id,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
});

/** Store form of a number: digits only ("+7 916…" and "7916…" are one number). */
export const normaliseNumber = (n: string): string => n.replace(/\D/g, "");

export class SimRepository {
  readonly #upsert: Database.Statement;
  readonly #get: Database.Statement<[string], SimRow>;
  readonly #all: Database.Statement<[], SimRow>;
  readonly #setNumber: Database.Statement;
  readonly #byNumber: Database.Statement<[string], { iccid: string }>;

  constructor(
    db: Database.Database,
    private readonly clock: () => number = Date.now,
  ) {
    // COALESCE: a view that does not know a fact (yet) never erases what we learned before.
    this.#upsert = db.prepare(`
      INSERT INTO sims (iccid, imsi, number, mcc, mnc, operator, port_id, first_seen, last_seen)
      VALUES (@iccid, @imsi, @number, @mcc, @mnc, @operator, @portId, @now, @now)
      ON CONFLICT (iccid) DO UPDATE SET
        imsi = COALESCE(excluded.imsi, imsi),
        number = COALESCE(excluded.number, number),
        mcc = COALESCE(excluded.mcc, mcc),
        mnc = COALESCE(excluded.mnc, mnc),
        operator = COALESCE(excluded.operator, operator),
        port_id = COALESCE(excluded.port_id, port_id),
        last_seen = MAX(last_seen, excluded.last_seen)`);
    this.#get = db.prepare("SELECT * FROM sims WHERE iccid = ?");
    this.#all = db.prepare("SELECT * FROM sims ORDER BY iccid");
    this.#byNumber = db.prepare("SELECT iccid FROM sims WHERE number = ? ORDER BY iccid");
    this.#setNumber = db.prepare(`
      INSERT INTO sims (iccid, number, first_seen, last_seen) VALUES (?, ?, ?, ?)
      ON CONFLICT (iccid) DO UPDATE SET number = excluded.number, last_seen = MAX(last_seen, excluded.last_seen)`);
  }

  /** Upsert the SIM in this port (first/last seen, port). A port without an ICCID is ignored. */
  recordSim(view: SimSighting): SimRecord | undefined {
    if (!view.iccid) return undefined;
    this.#upsert.run({
      iccid: view.iccid,
      imsi: view.imsi,
      number: view.number === null ? null : normaliseNumber(view.number) || null,
      mcc: view.mcc,
      mnc: view.mnc,
      operator: view.networkOperator,
      portId: view.id,
      now: this.clock(),
    });
    return this.find(view.iccid);
  }

  find(iccid: string): SimRecord | undefined {
    const row = this.#get.get(iccid);
    return row ? toRecord(row) : undefined;
  }

  all(): SimRecord[] {
    return this.#all.all().map(toRecord);
  }

  /** The ICCIDs whose number this is ("+" optional): a number belongs to one SIM, so more than one is a mistake to refuse. */
  holdersOf(number: string): string[] {
    const digits = normaliseNumber(number);
    return digits ? this.#byNumber.all(digits).map((r) => r.iccid) : [];
  }

  // NumberCache ------------------------------------------------------------------

  /** "+" and the digits: the normaliser must not reinterpret a stored number as national. */
  get(iccid: string): string | undefined {
    const number = this.#get.get(iccid)?.number;
    return number ? `+${number}` : undefined;
  }

  set(iccid: string, number: string): void {
    const digits = normaliseNumber(number);
    if (!digits) return;
    const now = this.clock();
    this.#setNumber.run(iccid, digits, now, now);
  }
}
