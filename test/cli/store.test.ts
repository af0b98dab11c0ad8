import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimgate } from "../helpers/cli.js";
import { openStore } from "../../src/store/index.js";
import { LATEST_SCHEMA_VERSION } from "../../src/store/index.js";

describe("simgate store", () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), "simgate-store-cli-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

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
});
