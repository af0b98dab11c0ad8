/**
 * What a simgate.db file holds that matters when it is replaced or copied: the open
 * activations (numbers Onlinesim may still send FINISH for), the SMS not yet delivered,
 * and the highest ids it issued. Read through its own read-only connection, so it works
 * on a file moved aside, a backup, or a damaged file as far as it can be read.
 */
import Database from "better-sqlite3";
import { highestIssued, type IdFloor } from "./id-floor.js";

export interface StoreSummary {
  /** Ids of activations without FINISH, oldest first. */
  openActivations: number[];
  activations: number;
  sms: number;
  /** PUSH_SMS rows neither delivered nor given up. */
  undeliveredPushSms: number;
  /** addMessages rows not sent yet (v2). */
  undeliveredV2Sms: number;
  highest: IdFloor;
}

/** Summarise an open connection to a simgate schema (any version since 1). */
export function summarise(db: Database.Database): StoreSummary {
  const count = (sql: string): number => db.prepare(sql).pluck().get() as number;
  const hasV2 = count("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'v2_messages'") === 1;
  return {
    openActivations: db.prepare("SELECT id FROM activations WHERE closed_at IS NULL ORDER BY id").pluck().all() as number[],
    activations: count("SELECT count(*) FROM activations"),
    sms: count("SELECT count(*) FROM sms"),
    undeliveredPushSms: count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL"),
    undeliveredV2Sms: hasV2 ? count("SELECT count(*) FROM v2_messages WHERE sent_at IS NULL AND gave_up_at IS NULL") : 0,
    highest: highestIssued(db),
  };
}

/** Summarise the file at `file`, or say why it cannot be read. Never writes to it. */
export function summariseFile(file: string): { ok: true; summary: StoreSummary } | { ok: false; reason: string } {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return { ok: true, summary: summarise(db) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    db?.close();
  }
}
