/**
 * A state file that exists but is not a simgate store is refused, never taken for a new
 * one (issue 12, defect 1): SQLite treats an empty file as a new database, so a truncated
 * simgate.db used to start as a fresh store and offer numbers that were still sold.
 * Every refusal is one line saying what is wrong and what to do, and leaves the file as
 * it was (a foreign file is not switched to WAL or stamped).
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { oneLineError } from "../../src/cli/format.js";
import { ErrorCode, SimgateError } from "../../src/errors.js";
import { openStore, LATEST_SCHEMA_VERSION, type Store } from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { SIMGATE_APPLICATION_ID } from "../../src/store/store-identity.js";
import { newActivation, reserve } from "./helpers.js";
import { perTestCleanup } from "./per-test.js";

const { stateDir, defer } = perTestCleanup();
function open(dir: string): Store {
  const s = openStore({ stateDir: dir, busyTimeoutMs: 200 });
  defer(() => s.close());
  return s;
}
function refusal(dir: string): SimgateError {
  try {
    open(dir);
  } catch (err) {
    if (err instanceof SimgateError) return err;
    throw err;
  }
  throw new Error("expected the store to be refused");
}
const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** The remedy every "not a simgate store" refusal names. */
function expectOneLineWithRemedy(err: SimgateError): void {
  const line = oneLineError(err);
  expect(line).not.toContain("\n");
  expect(line).toMatch(/restore .*backup/);
  expect(line).toContain("simgate store init --force");
}

describe("a state file that is not a simgate store", () => {
  it("a zero-byte simgate.db is refused, not started as a fresh store, and stays zero bytes", () => {
    const dir = stateDir();
    const file = join(dir, "simgate.db");
    writeFileSync(file, "");
    const err = refusal(dir);
    expect(err.code).toBe(ErrorCode.StoreNotAStore);
    expect(err.plainMessage).toContain(`${file} is empty (0 bytes)`);
    expectOneLineWithRemedy(err);
    expect(readFileSync(file).length).toBe(0);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it("a SQLite file of another application (foreign application_id) is refused and left untouched", () => {
    const dir = stateDir();
    const file = join(dir, "simgate.db");
    const foreign = new Database(file);
    foreign.pragma("application_id = 1179603272"); // some other program's id
    foreign.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')");
    foreign.close();
    const before = digest(file);
    const err = refusal(dir);
    expect(err.code).toBe(ErrorCode.StoreNotAStore);
    expect(err.plainMessage).toContain("another application");
    expectOneLineWithRemedy(err);
    expect(digest(file)).toBe(before);
  });

  it("a SQLite file without application id and without simgate's schema is refused", () => {
    const dir = stateDir();
    const file = join(dir, "simgate.db");
    const other = new Database(file);
    other.exec("CREATE TABLE t (x)");
    other.close();
    const before = digest(file);
    const err = refusal(dir);
    expect(err.code).toBe(ErrorCode.StoreNotAStore);
    expect(err.plainMessage).toContain("without simgate's schema");
    expectOneLineWithRemedy(err);
    expect(digest(file)).toBe(before);
  });

  it("a directory named simgate.db is reported as a directory, not as 'not writable'", () => {
    const dir = stateDir();
    mkdirSync(join(dir, "simgate.db"));
    const err = refusal(dir);
    expect(err.code).toBe(ErrorCode.StoreNotAStore);
    expect(err.plainMessage).toContain(`${join(dir, "simgate.db")} is a directory`);
    expect(err.plainMessage).not.toContain("not writable");
    expectOneLineWithRemedy(err);
  });
});

describe("a write-ahead log that is not simgate.db's own", () => {
  it("a restored backup with the replaced file's WAL beside it is refused, and the WAL is not replayed into it", async () => {
    const dir = stateDir();
    const file = join(dir, "simgate.db");
    const live = openStore({ stateDir: dir });
    await reserve(live.sales, newActivation(1));
    await live.backup(join(dir, "backup.db"));
    for (let i = 2; i < 40; i++) await reserve(live.sales, newActivation(i));
    // What a crash leaves: the WAL with the writes since the last checkpoint.
    const wal = readFileSync(`${file}-wal`);
    live.close();
    expect(wal.length).toBeGreaterThan(0);
    copyFileSync(join(dir, "backup.db"), file);
    writeFileSync(`${file}-wal`, wal);
    const restored = digest(file);
    const err = refusal(dir);
    expect(err.code).toBe(ErrorCode.StoreForeignWal);
    expect(oneLineError(err)).toBe(`${file}-wal does not belong to ${file} (a file in rollback-journal mode, such as a restored backup, has no write-ahead log, and SQLite would replay this one into it): move ${file}-wal aside and start again`);
    expect(digest(file)).toBe(restored);
    // Moved aside as told, the backup opens with exactly what it held.
    renameSync(`${file}-wal`, join(dir, "old-wal"));
    expect((await open(dir).sales.load()).open.map((a) => a.id)).toEqual([1]);
  });

  it("a missing simgate.db with its WAL left behind is refused, not started fresh with the WAL replayed into it", () => {
    const dir = stateDir();
    const file = join(dir, "simgate.db");
    writeFileSync(`${file}-wal`, Buffer.alloc(8192, 1));
    const err = refusal(dir);
    expect(err.code).toBe(ErrorCode.StoreMissing);
    expect(err.plainMessage).toContain(`${file} is missing but ${file}-wal remains`);
    expectOneLineWithRemedy(err);
    expect(existsSync(file)).toBe(false);
  });
});

describe("simgate's own stores", () => {
  it("a new store carries simgate's application id", () => {
    const s = open(stateDir());
    expect(s.db.pragma("application_id", { simple: true })).toBe(SIMGATE_APPLICATION_ID);
  });

  it("a store written by an earlier version (application id 0, simgate's schema) is recognised, migrated and stamped", async () => {
    const dir = stateDir();
    const old = new Database(join(dir, "simgate.db"));
    old.pragma("journal_mode = WAL");
    for (const m of MIGRATIONS.slice(0, 2)) {
      m.up(old);
      old.pragma(`user_version = ${m.version}`);
    }
    old.prepare("INSERT INTO activations (number, iccid, port_id, country, operator, service, sum, created_at) VALUES ('79160000001', 'icc1', 'p', 'russia', 'mts', 'telegram', 1, 1)").run();
    expect(old.pragma("application_id", { simple: true })).toBe(0);
    old.close();
    const s = open(dir);
    expect(s.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(s.db.pragma("application_id", { simple: true })).toBe(SIMGATE_APPLICATION_ID);
    expect((await s.sales.load()).open.map((a) => a.id)).toEqual([1]);
    // Ids continue above the old file's.
    expect((await reserve(s.sales, newActivation(2))).id).toBeGreaterThan(1);
  });
});
