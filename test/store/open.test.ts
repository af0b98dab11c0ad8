import { chmodSync, closeSync, openSync, statSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { oneLineError } from "../../src/cli/format.js";
import { ErrorCode, isSimgateError, SimgateError } from "../../src/errors.js";
import { openStore, LATEST_SCHEMA_VERSION, type Store } from "../../src/store/index.js";
import { MIGRATIONS, type Migration } from "../../src/store/migrations.js";
import { newActivation, reserve } from "./helpers.js";
import { perTestCleanup } from "./per-test.js";

const { stateDir, defer } = perTestCleanup();
function open(dir: string, extra: Parameters<typeof openStore>[0] = {}): Store {
  const s = openStore({ stateDir: dir, busyTimeoutMs: 200, ...extra });
  defer(() => s.close());
  return s;
}
function openError(fn: () => unknown): SimgateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimgateError) return err;
    throw err;
  }
  throw new Error("expected a SimgateError");
}

describe("opening the store", () => {
  it("creates the directory and migrates an empty file to the newest schema", () => {
    const dir = join(stateDir(), "deep", "state");
    const s = open(dir);
    expect(s.path).toBe(join(dir, "simgate.db"));
    expect(s.migrated).toEqual(MIGRATIONS.map((m) => m.version));
    expect(s.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const tables = s.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(["activations", "outbox", "reassembly_state", "sims", "sms", "sms_parts", "usage"]));
    expect(s.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(s.db.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(s.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  it("reopens without migrating again and keeps what was written", async () => {
    const dir = stateDir();
    const a = open(dir);
    const act = await reserve(a.sales, newActivation(1));
    a.close();
    const b = open(dir);
    expect(b.migrated).toEqual([]);
    expect((await b.sales.load()).open).toEqual([act]);
  });

  it("refuses a file from a newer simgate with a message saying what to do", () => {
    const dir = stateDir();
    open(dir).close();
    const raw = new Database(join(dir, "simgate.db"));
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const err = openError(() => open(dir));
    expect(err.code).toBe(ErrorCode.StoreNewerVersion);
    expect(err.plainMessage).toBe(`simgate.db was written by a newer simgate (schema ${LATEST_SCHEMA_VERSION + 1}, this build knows ${LATEST_SCHEMA_VERSION}): upgrade simgate or restore a backup`);
  });

  it("runs each migration in a transaction: a failing one leaves the file at the previous version", () => {
    const dir = stateDir();
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: "broken", up: (db) => db.exec("CREATE TABLE extra (x); INSERT INTO no_such_table VALUES (1)") },
    ];
    const err = openError(() => open(dir, { migrations: broken }));
    expect(err.code).toBe(ErrorCode.StoreMigrationFailed);
    const s = open(dir);
    expect(s.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(s.db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'").pluck().get()).toBe(0);
  });

  it("a directory that cannot be written → StoreNotWritable naming the path and the user", () => {
    const base = stateDir();
    let target: string;
    if (process.getuid?.() === 0) {
      // root ignores mode bits: a path below a regular file fails for everybody (ENOTDIR).
      writeFileSync(join(base, "file"), "x");
      target = join(base, "file", "sub");
    } else {
      target = join(base, "ro");
      open(target).close();
      chmodSync(target, 0o500);
      defer(() => chmodSync(target, 0o700));
    }
    const err = openError(() => open(target));
    expect(err.code).toBe(ErrorCode.StoreNotWritable);
    expect(err.plainMessage).toMatch(new RegExp(`^${target.replace(/[/.]/g, "\\$&")} is not writable by user \\S+: `));
    expect(err.stack).toBeDefined();
  });

  it("garbage instead of a database → StoreCorrupt", () => {
    const dir = stateDir();
    writeFileSync(join(dir, "simgate.db"), Buffer.alloc(16_384, 0x5a));
    const err = openError(() => open(dir));
    expect(err.code).toBe(ErrorCode.StoreCorrupt);
    expect(err.plainMessage).toContain("simgate.db is damaged");
    expect(err.plainMessage).toMatch(/restore .*backup/);
    expect(err.plainMessage).toContain("simgate store init --force");
  });

  it("a database with damaged pages → StoreCorrupt from the start-up check", () => {
    const dir = stateDir();
    const s = open(dir);
    const ins = s.db.prepare("INSERT INTO sims (iccid, first_seen, last_seen) VALUES (?, 0, 0)");
    s.db.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run(`iccid-${i}-${"x".repeat(40)}`);
    })();
    s.close();
    const file = join(dir, "simgate.db");
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(16 * 4096);
    // Overwrite pages in the middle (keep page 1, the header and schema, intact).
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.alloc(8 * 4096, 0xa5), 0, 8 * 4096, 8 * 4096);
    closeSync(fd);
    const err = openError(() => open(dir));
    expect(err.code).toBe(ErrorCode.StoreCorrupt);
  });

  // An empty file is refused, never taken for a new store: test/store/identity.test.ts.
  it("a truncated database → StoreCorrupt", () => {
    const dir = stateDir();
    const s = open(dir);
    const ins = s.db.prepare("INSERT INTO sims (iccid, first_seen, last_seen) VALUES (?, 0, 0)");
    s.db.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run(`iccid-${i}-${"y".repeat(40)}`);
    })();
    s.close();
    const file = join(dir, "simgate.db");
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expect(openError(() => open(dir)).code).toBe(ErrorCode.StoreCorrupt);
  });

  it("another connection holding BEGIN EXCLUSIVE → StoreLocked within the busy timeout", () => {
    const dir = stateDir();
    open(dir).close();
    const other = new Database(join(dir, "simgate.db"));
    defer(() => other.close());
    other.exec("BEGIN EXCLUSIVE");
    const t0 = Date.now();
    const err = openError(() => open(dir));
    const waited = Date.now() - t0;
    expect(err.code).toBe(ErrorCode.StoreLocked);
    expect(err.plainMessage).toContain("is locked by another process");
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(5_000);
    other.exec("COMMIT");
    other.close();
    expect(open(dir).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
  });

  it("a second simgate on the same state directory → StoreLocked while the first runs", () => {
    const dir = stateDir();
    const first = open(dir);
    const err = openError(() => open(dir));
    expect(isSimgateError(err, ErrorCode.StoreLocked)).toBe(true);
    first.close();
    expect(open(dir).closed).toBe(false);
  });

  it("every start-up error prints as one line through the CLI's formatter (no stack)", () => {
    const dir = stateDir();
    writeFileSync(join(dir, "simgate.db"), Buffer.alloc(4096, 0x11));
    const errs = [openError(() => open(dir)), openError(() => open(join(dir, "simgate.db", "sub")))];
    for (const err of errs) {
      const line = oneLineError(err);
      expect(line).not.toContain("\n");
      expect(line).not.toMatch(/\bat \S+ \(/);
      expect(line).toBe(err.plainMessage);
    }
    expect(errs.map((e) => e.code)).toEqual([ErrorCode.StoreCorrupt, ErrorCode.StoreNotWritable]);
  });

  it("close is idempotent", () => {
    const s = open(stateDir());
    s.close();
    s.close();
    expect(s.closed).toBe(true);
  });
});
