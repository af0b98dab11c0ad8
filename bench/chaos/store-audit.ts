/**
 * The daemon's own books, read after it stopped: its activations, compared with what the
 * buyer was told. A number open twice at once in the store, an activation the buyer was
 * given that the store does not have (an acknowledged order lost), and open activations
 * the buyer never heard of (GET_NUMBER committed, its answer died with the process: the
 * SIM stays reserved until someone closes it).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { OrderRecord } from "./ledger.js";

interface ActivationRow {
  id: number;
  number: string;
  created_at: number;
  closed_at: number | null;
}

export interface StoreAudit {
  activations: number;
  /** Two activations of one number open at the same time, by the store's own times. */
  overlaps: Array<{ number: string; first: number; second: number }>;
  /** Ids the buyer got with SUCCESS that the store does not hold. */
  missing: number[];
  /** Open activations the buyer never received. */
  orphans: number[];
}

export function auditStore(stateDir: string, orders: readonly OrderRecord[]): StoreAudit {
  const file = join(stateDir, "simgate.db");
  if (!existsSync(file)) throw new Error(`no store at ${file}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  let rows: ActivationRow[];
  try {
    rows = db.prepare("SELECT id, number, created_at, closed_at FROM activations ORDER BY number, created_at, id").all() as ActivationRow[];
  } finally {
    db.close();
  }
  const overlaps: StoreAudit["overlaps"] = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1]!;
    const b = rows[i]!;
    if (a.number === b.number && (a.closed_at === null || a.closed_at > b.created_at)) overlaps.push({ number: a.number, first: a.id, second: b.id });
  }
  const ids = new Set(rows.map((r) => r.id));
  const given = new Set(orders.filter((o) => o.outcome === "issued" && o.activationId !== undefined).map((o) => o.activationId!));
  return {
    activations: rows.length,
    overlaps,
    missing: [...given].filter((id) => !ids.has(id)),
    orphans: rows.filter((r) => r.closed_at === null && !given.has(r.id)).map((r) => r.id),
  };
}
