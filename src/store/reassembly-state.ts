/**
 * The codec Reassembler's state per port (`toJSON()` / `Reassembler.fromJSON`), so a
 * multipart SMS whose first parts arrived before a restart still completes after it.
 * The parts themselves are in sms_parts already (they were acknowledged to the modem);
 * this blob only saves re-deriving the groups.
 */
import type Database from "better-sqlite3";
import type { ReassemblyState } from "../codec/reassembly.js";

export class ReassemblyStateRepository {
  readonly #put: Database.Statement<[string, string, number]>;
  readonly #get: Database.Statement<[string], { state: string }>;
  readonly #delete: Database.Statement<[string]>;

  constructor(
    db: Database.Database,
    private readonly clock: () => number = Date.now,
  ) {
    this.#put = db.prepare(`
      INSERT INTO reassembly_state (port_id, state, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (port_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`);
    this.#get = db.prepare("SELECT state FROM reassembly_state WHERE port_id = ?");
    this.#delete = db.prepare("DELETE FROM reassembly_state WHERE port_id = ?");
  }

  /** Save after every change; an empty state deletes the row (no blob for idle ports). */
  save(portId: string, state: ReassemblyState): void {
    if (state.groups.length === 0) this.#delete.run(portId);
    else this.#put.run(portId, JSON.stringify(state), this.clock());
  }

  /**
   * The saved state, or undefined. Unparseable JSON yields undefined (the parts are safe
   * in sms_parts; Reassembler.fromJSON skips malformed groups itself).
   */
  load(portId: string): unknown {
    const row = this.#get.get(portId);
    if (!row) return undefined;
    try {
      return JSON.parse(row.state) as unknown;
    } catch {
      return undefined;
    }
  }
}
