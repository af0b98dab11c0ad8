import { afterEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { runSimgate } from "../helpers/cli.js";
import { freePort } from "../helpers/daemon.js";
import { openStore } from "../../src/store/index.js";
import { LATEST_SCHEMA_VERSION } from "../../src/store/index.js";
import { ID_FLOOR_FILE_NAME } from "../../src/store/id-floor.js";
import { finish, newActivation, reserve } from "../store/helpers.js";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), "simgate-store-cli-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("simgate store", () => {

  it("creates and migrates a new database, then reports what it holds", async () => {
    const dir = fresh();
    const first = await runSimgate(["store", "--state-dir", dir, "--json"]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ path: join(dir, "simgate.db"), schemaVersion: LATEST_SCHEMA_VERSION, migrated: Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1), activations: 0 });
    const again = await runSimgate(["store", "--state-dir", dir, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ migrated: [] });
  });

  it("refuses a corrupt database with one line and exit 1", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "simgate.db"), Buffer.alloc(8192, 0x47));
    const result = await runSimgate(["store", "--state-dir", dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/damaged/);
  });

  it("refuses a database another simgate holds, with one line and exit 1", async () => {
    const dir = fresh();
    const holder = openStore({ stateDir: dir });
    try {
      const result = await runSimgate(["store", "--state-dir", dir]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(/another simgate|locked|in use/i);
    } finally {
      holder.close();
    }
  });

  it("refuses a state directory it cannot create, naming it", async () => {
    const dir = fresh();
    mkdirSync(join(dir, "x"));
    writeFileSync(join(dir, "x", "file"), "");
    const result = await runSimgate(["store", "--state-dir", join(dir, "x", "file", "state")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(join(dir, "x", "file", "state"));
  });

  it("refuses a zero-byte database with one line and exit 1 instead of starting a fresh store", async () => {
    const dir = fresh();
    writeFileSync(join(dir, "simgate.db"), "");
    const result = await runSimgate(["store", "--state-dir", dir]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("is empty (0 bytes), not a simgate store");
    expect(readFileSync(join(dir, "simgate.db")).length).toBe(0);
  });
});

describe("simgate store init", () => {
  const aside = (dir: string) => readdirSync(dir).filter((f) => f.startsWith("simgate.db.replaced-"));

  it("creates a store where there is none, and leaves a healthy one alone without --force", async () => {
    const dir = fresh();
    const created = await runSimgate(["store", "init", "--state-dir", dir]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(`created a new store: ${join(dir, "simgate.db")}\n`);
    const again = await runSimgate(["store", "init", "--state-dir", dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("healthy simgate store: nothing done");
    expect(aside(dir)).toEqual([]);
  });

  it("without --force refuses a foreign file and explains; with --force moves it aside (never deletes) and starts an empty store", async () => {
    const dir = fresh();
    const foreign = new Database(join(dir, "simgate.db"));
    foreign.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep')");
    foreign.close();
    const refused = await runSimgate(["store", "init", "--state-dir", dir]);
    expect(refused.code).toBe(1);
    const line = refused.stderr.trim();
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toContain("not replacing");
    expect(line).toContain("--force");
    expect(line).toContain("never deletes");
    const forced = await runSimgate(["store", "init", "--force", "--state-dir", dir]);
    expect(forced.code, forced.stderr).toBe(0);
    const [moved] = aside(dir);
    expect(moved).toBeDefined();
    expect(forced.stdout).toContain(join(dir, moved!));
    expect(forced.stdout).toContain("it is not a simgate store");
    expect(forced.stdout).toMatch(/forgotten: whatever the old file held \(it could not be read/);
    const old = new Database(join(dir, moved!), { readonly: true });
    expect(old.prepare("SELECT body FROM notes").pluck().all()).toEqual(["keep"]);
    old.close();
    expect((await runSimgate(["store", "--state-dir", dir])).code).toBe(0);
  });

  it("--force on a store with open activations names what is forgotten; ids continue above the old ones", async () => {
    const dir = fresh();
    const s = openStore({ stateDir: dir });
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push((await reserve(s.sales, newActivation(n))).id);
    await finish(s.sales, ids[1]!, 3, 1);
    s.close();
    const forced = await runSimgate(["store", "init", "--force", "--state-dir", dir]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain("replaced on request");
    expect(forced.stdout).toContain(`forgotten: 2 open activations (ids ${ids[0]}, ${ids[2]}: finish them on Onlinesim's side by hand), 0 undelivered SMS`);
    expect(forced.stdout).toContain(`activation ids continue above ${ids[2]}`);
    const after = openStore({ stateDir: dir });
    try {
      expect((await after.sales.load()).open).toEqual([]);
      expect((await reserve(after.sales, newActivation(4))).id).toBeGreaterThan(ids[2]!);
    } finally {
      after.close();
    }
  });

  it("--force refuses a store another process holds (a running daemon), and changes nothing", async () => {
    const dir = fresh();
    const holder = openStore({ stateDir: dir });
    try {
      const r = await runSimgate(["store", "init", "--force", "--state-dir", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("is locked by another process");
      expect(aside(dir)).toEqual([]);
    } finally {
      holder.close();
    }
  });

  it("--force with a damaged id floor moves it aside too and says the floor is the old file's own ids", async () => {
    const dir = fresh();
    const s = openStore({ stateDir: dir });
    const id = (await reserve(s.sales, newActivation(1))).id;
    s.close();
    writeFileSync(join(dir, ID_FLOOR_FILE_NAME), "garbage");
    expect((await runSimgate(["store", "--state-dir", dir])).stderr).toContain("is damaged");
    const forced = await runSimgate(["store", "init", "--force", "--state-dir", dir]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain(`activation ids continue above ${id}`);
    expect(forced.stdout).toContain("id-floor file was damaged");
    expect(readdirSync(dir).some((f) => f.startsWith(`${ID_FLOOR_FILE_NAME}.replaced-`))).toBe(true);
  });
});

describe("simgate store backup (without a daemon)", () => {

  it("refuses to write over the live store, and needs a store to copy", async () => {
    const dir = fresh();
    const missing = await runSimgate(["store", "backup", join(dir, "b.db"), "--state-dir", dir]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("there is no store to back up");
    openStore({ stateDir: dir }).close();
    const own = await runSimgate(["store", "backup", join(dir, "simgate.db"), "--state-dir", dir, "--overwrite"]);
    expect(own.code).toBe(1);
    expect(own.stderr).toContain("is the live store's own file");
    expect(existsSync(join(dir, "b.db"))).toBe(false);
  });

  it("a store held by a process that is not a daemon with an admin API: one line saying both", async () => {
    const dir = fresh();
    const holder = openStore({ stateDir: dir });
    try {
      const port = await freePort();
      const r = await runSimgate(["store", "backup", join(dir, "b.db"), "--state-dir", dir, "--admin", `127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`is held by another process and no simgate daemon answers at 127.0.0.1:${port}`);
    } finally {
      holder.close();
    }
  });

  it("usage errors exit 2", async () => {
    expect((await runSimgate(["store", "backup"])).code).toBe(2);
    expect((await runSimgate(["store", "init", "--bogus"])).code).toBe(2);
  });
});
