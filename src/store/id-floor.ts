/**
 * The id floor: ids that leave the process never go back. Activation ids go to Onlinesim
 * (FINISH_ACTIVATION names them), SMS ids may go out as PUSH_SMS smsId. AUTOINCREMENT
 * keeps them growing inside one file, but not across a restored older backup or a fresh
 * store: the file that remembers the highest id is the file that was lost.
 *
 * So the floor lives beside simgate.db in its own small file, `id-floor`, which the
 * database cannot take with it:
 *
 * - At open, each table's sequence is raised to max(floor, highest id in the file), so
 *   the next id is above everything either remembers (src/store/database.ts).
 * - Ids are reserved ahead in blocks: an insert whose id passes the reservation first
 *   writes a new floor RESERVE_AHEAD above it (atomically: temp file, fsync, rename, fsync
 *   of the directory). If that write fails the insert fails with it, so no id is ever
 *   handed out above the floor on disk. The check runs in an AFTER INSERT trigger calling
 *   a function this connection registers (schema/003-id-floor.ts), so every insert path
 *   is covered, and a foreign tool inserting without the function fails instead of
 *   slipping past the floor.
 * - A clean close writes the exact highest ids back, so a normal restart continues at the
 *   next id; after a crash ids continue above the reserved block (a jump of at most
 *   RESERVE_AHEAD).
 *
 * The file carries a checksum: a floor that is unreadable or altered is refused rather
 * than trusted or ignored, since either could hand out an id twice.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { ErrorCode, SimgateError } from "../errors.js";
import { writeFileDurably } from "./durable-fs.js";
import { DB_FILE_NAME } from "./paths.js";

export const ID_FLOOR_FILE_NAME = "id-floor";
/** The tables whose ids leave the process. */
export const FLOORED_TABLES = ["activations", "sms"] as const;
export type FlooredTable = (typeof FLOORED_TABLES)[number];
/** Per table: every id up to this one may have been handed out; the next must be above it. */
export type IdFloor = Record<FlooredTable, number>;
/** Ids reserved per floor write: one fsync'd file write per this many inserts, and the most a crash skips. */
export const RESERVE_AHEAD = 1000;
/** The SQL function the floor triggers call. */
export const ID_ISSUED_FUNCTION = "simgate_id_issued";

const FORMAT = "simgate-id-floor/1";
export const ZERO_FLOOR: IdFloor = { activations: 0, sms: 0 };

export const floorPath = (stateDir: string): string => join(stateDir, ID_FLOOR_FILE_NAME);

export const anyIssued = (f: IdFloor): boolean => FLOORED_TABLES.some((t) => f[t] > 0);

export function higherFloor(a: IdFloor, b: IdFloor): IdFloor {
  return { activations: Math.max(a.activations, b.activations), sms: Math.max(a.sms, b.sms) };
}

export function describeFloor(f: IdFloor): string {
  return `activation ids up to ${f.activations}, SMS ids up to ${f.sms}`;
}

function checksum(f: IdFloor): string {
  return createHash("sha256").update(`${FORMAT} activations=${f.activations} sms=${f.sms}`).digest("hex").slice(0, 16);
}

function damaged(stateDir: string, reason: string, cause?: unknown): SimgateError {
  const file = floorPath(stateDir);
  return new SimgateError(
    `${file} is damaged (${reason}); it keeps activation and SMS ids from going back: if ${DB_FILE_NAME} beside it is the current store (not a restored backup), move ${file} aside and start again (ids then continue above the highest in ${DB_FILE_NAME})`,
    ErrorCode.StoreIdFloorDamaged,
    { path: file },
    cause === undefined ? undefined : { cause },
  );
}

/** The floor on disk; undefined when there is none (a new directory, or a store from before the floor). */
export function readIdFloor(stateDir: string): IdFloor | undefined {
  let text: string;
  try {
    text = readFileSync(floorPath(stateDir), "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw damaged(stateDir, code === "EISDIR" ? "it is a directory" : `cannot read it: ${(err as Error).message}`, err);
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw damaged(stateDir, "not the JSON simgate writes");
  }
  if (parsed === null || typeof parsed !== "object" || parsed.format !== FORMAT) throw damaged(stateDir, `format is not ${FORMAT}`);
  const floor = { activations: parsed.activations, sms: parsed.sms };
  for (const t of FLOORED_TABLES) {
    const v = floor[t];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw damaged(stateDir, `${t} is not a whole number`);
  }
  if (parsed.checksum !== checksum(floor as IdFloor)) throw damaged(stateDir, "checksum mismatch");
  return floor as IdFloor;
}

/** Replace the floor file atomically and durably (temp file, fsync, rename, fsync of the directory). */
export function writeIdFloor(stateDir: string, floor: IdFloor): void {
  const text = `${JSON.stringify({ format: FORMAT, activations: floor.activations, sms: floor.sms, checksum: checksum(floor) })}\n`;
  writeFileDurably(floorPath(stateDir), text);
}

/** The highest id each floored table ever gave out in this file: its AUTOINCREMENT sequence, or its largest row. */
export function highestIssued(db: Database.Database): IdFloor {
  const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").pluck();
  const one = (t: FlooredTable): number => {
    const s = (seq.get(t) as number | undefined) ?? 0;
    const m = (db.prepare(`SELECT coalesce(max(id), 0) FROM ${t}`).pluck().get() as number) ?? 0;
    return Math.max(s, m);
  };
  return { activations: one("activations"), sms: one("sms") };
}

/** Make the next AUTOINCREMENT id of each table come after `floor` (sqlite_sequence is an ordinary, writable table). */
export function raiseSequences(db: Database.Database, floor: IdFloor): void {
  const current = highestIssued(db);
  const update = db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = ?");
  const insert = db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)");
  db.transaction(() => {
    for (const t of FLOORED_TABLES) {
      if (floor[t] <= current[t]) continue;
      if (update.run(floor[t], t).changes === 0) insert.run(t, floor[t]);
    }
  }).immediate();
}

/**
 * Keeps the reservation of one open store: registers the trigger function on its
 * connection, writes a new floor when an id passes the reservation, and gives the unused
 * part of the block back at a clean close.
 */
export class IdFloorKeeper {
  #reserved: IdFloor;

  /** `start`: the floor already on disk (written by the caller at open). */
  constructor(
    db: Database.Database,
    private readonly stateDir: string,
    start: IdFloor,
  ) {
    this.#reserved = { ...start };
    db.function(ID_ISSUED_FUNCTION, { deterministic: false }, (table: unknown, id: unknown) => {
      this.#issued(table, id);
      return null;
    });
  }

  get reserved(): IdFloor {
    return { ...this.#reserved };
  }

  #issued(table: unknown, id: unknown): void {
    if (table !== "activations" && table !== "sms") throw new Error(`${ID_ISSUED_FUNCTION}: unknown table ${String(table)}`);
    const n = Number(id);
    if (n <= this.#reserved[table]) return;
    const next = { ...this.#reserved, [table]: n + RESERVE_AHEAD - 1 };
    try {
      writeIdFloor(this.stateDir, next);
    } catch (err) {
      // The insert fails with this (the trigger aborts it): no id above the floor on disk ever leaves.
      throw new SimgateError(
        `cannot record the id floor in ${floorPath(this.stateDir)}: ${(err as Error).message}`,
        ErrorCode.StoreNotWritable,
        { path: floorPath(this.stateDir), code: (err as NodeJS.ErrnoException).code },
        { cause: err },
      );
    }
    this.#reserved = next;
  }

  /** Clean close: write back the exact highest ids (nothing can be issued after this). Best effort: the reservation on disk is safe too. */
  settle(db: Database.Database): void {
    try {
      writeIdFloor(this.stateDir, highestIssued(db));
    } catch {
      // The reserved floor stays on disk: above every id issued, so still correct.
    }
  }
}
