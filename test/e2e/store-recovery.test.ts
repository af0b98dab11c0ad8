/**
 * End to end, the state file (issue 12, defect 1): the real daemon (`simgate run
 * --simulate 3`) against a damaged, foreign or restored simgate.db, and `simgate store
 * init --force` / `simgate store backup` as an operator runs them.
 *
 * The defect: a simgate.db truncated to 0 bytes started as a fresh store, the next
 * GET_NUMBER returned activation id 1 again, with the number of the still-open
 * activation 1.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { SIMGATE_APPLICATION_ID } from "../../src/store/store-identity.js";
import { runSimgate } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const SERVICE = "telegram";
const CONFIG = { engine: { services: [SERVICE] } };
const dirs: string[] = [];
const daemons: DaemonProcess[] = [];
afterAll(async () => {
  for (const d of daemons) await d.proc.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function start(stateDir?: string): Promise<DaemonProcess> {
  const d = await startDaemonProcess({ modems: 3, config: CONFIG, ...(stateDir ? { stateDir } : {}) });
  daemons.push(d);
  if (!stateDir) dirs.push(d.stateDir);
  await waitSettled(d, 3);
  return d;
}

async function stop(d: DaemonProcess): Promise<void> {
  expect(await d.proc.stop()).toBe(0);
  daemons.splice(daemons.indexOf(d), 1);
}

/** GET_SERVICES then GET_NUMBER for the first country that has a number; the SUCCESS body or undefined. */
async function order(d: DaemonProcess): Promise<{ number: number | string; activationId: number } | undefined> {
  const services = await d.partner({ action: "GET_SERVICES", key: E2E_KEY });
  const country = (services.json.countryList as any[]).find((c) => (c.operatorMap.any?.[SERVICE] ?? 0) > 0)?.country;
  if (country === undefined) return undefined;
  const r = await d.partner({ action: "GET_NUMBER", key: E2E_KEY, country, operator: "any", service: SERVICE, sum: 10 });
  expect(r.status).toBe(200);
  return r.json.status === "SUCCESS" ? r.json : undefined;
}

/** FINISH with status 5 (refunded): releases the number without changing its usage, so it can be sold again. */
async function finish(d: DaemonProcess, activationId: number): Promise<void> {
  const r = await d.partner({ action: "FINISH_ACTIVATION", key: E2E_KEY, activationId, status: 5 });
  expect(r.json).toEqual({ status: "SUCCESS" });
}

/** `simgate run` on a state directory the daemon must refuse: exit code and stderr. */
async function runRefused(stateDir: string): Promise<{ code: number | null; stderr: string }> {
  const config = join(tempDir("simgate-e2e-cfg-"), "simgate.yaml");
  writeFileSync(config, stringify({ ...CONFIG, onlinesim: { key: E2E_KEY } }));
  const args = ["run", "--simulate", "2", "--config", config, "--state-dir", stateDir, "--listen", `127.0.0.1:${await freePort()}`, "--admin", `127.0.0.1:${await freePort()}`];
  const r = await runSimgate(args, 60_000);
  return { code: r.code, stderr: r.stderr };
}

function expectOneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

describe("simgate run on a state file that is not a simgate store", () => {
  it("the issue's reproduction: a simgate.db truncated to 0 bytes is refused; after store init --force ids continue above every id issued", { timeout: 180_000 }, async () => {
    const d = await start();
    const first = await order(d);
    const second = await order(d);
    expect(first && second).toBeTruthy();
    await stop(d);

    truncateSync(join(d.stateDir, "simgate.db"), 0);
    const refused = await runRefused(d.stateDir);
    expect(refused.code).not.toBe(0);
    const line = expectOneLine(refused.stderr);
    expect(line).toContain(`${join(d.stateDir, "simgate.db")} is empty (0 bytes)`);
    expect(line).toMatch(/restore .*backup/);
    expect(line).toContain("simgate store init --force");

    // The inspection command refuses it too.
    const inspect = await runSimgate(["store", "--state-dir", d.stateDir]);
    expect(inspect.code).toBe(1);
    expectOneLine(inspect.stderr);

    // Without --force init refuses and explains; with it, the empty file is moved aside.
    const noForce = await runSimgate(["store", "init", "--state-dir", d.stateDir]);
    expect(noForce.code).toBe(1);
    expect(expectOneLine(noForce.stderr)).toContain("--force");
    const init = await runSimgate(["store", "init", "--force", "--state-dir", d.stateDir]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/moved .*simgate\.db\.replaced-/);
    expect(init.stdout).toContain(`activation ids continue above ${second!.activationId}`);
    expect(readdirSync(d.stateDir).some((f) => f.startsWith("simgate.db.replaced-"))).toBe(true);

    const again = await start(d.stateDir);
    const next = await order(again);
    expect(next).toBeDefined();
    expect(next!.activationId).toBeGreaterThan(second!.activationId);
    await stop(again);
  });

  it("a directory named simgate.db is refused as a directory, not as 'not writable'", { timeout: 60_000 }, async () => {
    const stateDir = tempDir("simgate-e2e-state-");
    mkdirSync(join(stateDir, "simgate.db"));
    const refused = await runRefused(stateDir);
    expect(refused.code).not.toBe(0);
    const line = expectOneLine(refused.stderr);
    expect(line).toContain(`${join(stateDir, "simgate.db")} is a directory`);
    expect(line).not.toContain("not writable");
  });

  it("another program's SQLite file is refused and left as it was", { timeout: 60_000 }, async () => {
    const stateDir = tempDir("simgate-e2e-state-");
    const foreign = new Database(join(stateDir, "simgate.db"));
    foreign.pragma("application_id = 1179603272");
    foreign.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep')");
    foreign.close();
    const refused = await runRefused(stateDir);
    expect(refused.code).not.toBe(0);
    expect(expectOneLine(refused.stderr)).toContain("another application");
    const check = new Database(join(stateDir, "simgate.db"), { readonly: true });
    expect(check.pragma("journal_mode", { simple: true })).toBe("delete");
    expect(check.prepare("SELECT body FROM notes").pluck().all()).toEqual(["keep"]);
    check.close();
  });
});

describe("simgate store backup and restore", () => {
  it("a backup taken while the daemon sells numbers is a consistent store; restoring it never reissues an id", { timeout: 240_000 }, async () => {
    const d = await start();
    const issued = new Map<number, string>();
    const backupDir = tempDir("simgate-e2e-backup-");
    const backupFile = join(backupDir, "simgate-backup.db");

    // Orders run (bounded) while the backup is taken through the running daemon.
    let backupDone = false;
    const load = (async () => {
      for (let i = 0; i < 400 && (!backupDone || i < 20); i++) {
        const op = await order(d);
        if (!op) continue;
        issued.set(op.activationId, String(op.number));
        if (issued.size > 1) await finish(d, op.activationId); // the first stays open, the rest are released
      }
    })();
    const backup = await runSimgate(["store", "backup", backupFile, "--state-dir", d.stateDir, "--admin", d.adminUrl.replace("http://", ""), "--json"], 60_000);
    backupDone = true;
    await load;
    expect(backup.code, backup.stderr).toBe(0);
    const report = JSON.parse(backup.stdout);
    expect(report).toMatchObject({ file: backupFile, via: "daemon" });

    // The copy is a simgate store, whole and consistent: every activation in it was issued with that number.
    const copy = new Database(backupFile, { readonly: true });
    expect(copy.pragma("application_id", { simple: true })).toBe(SIMGATE_APPLICATION_ID);
    expect(copy.pragma("quick_check", { simple: true })).toBe("ok");
    expect(copy.pragma("foreign_key_check")).toEqual([]);
    const inCopy = copy.prepare("SELECT id, number FROM activations").all() as Array<{ id: number; number: string }>;
    copy.close();
    expect(inCopy.length).toBeGreaterThan(0);
    for (const a of inCopy) expect(issued.get(a.id), `activation ${a.id}`).toBe(a.number);
    // The copy was taken while orders ran: some of the load's orders came after it.
    const copied = new Set(inCopy.map((a) => a.id));
    expect([...issued.keys()].filter((id) => !copied.has(id)).length).toBeGreaterThan(0);
    // The daemon's staged copy was moved, not left behind in the state directory.
    expect(readdirSync(join(d.stateDir, "backup-staging"))).toEqual([]);

    // More orders after the backup, then restore it the documented way: stop, copy back, start.
    for (let i = 0; i < 5; i++) {
      const op = await order(d);
      if (op) issued.set(op.activationId, String(op.number));
    }
    const highest = Math.max(...issued.keys());
    expect(highest).toBeGreaterThan(Math.max(...inCopy.map((a) => a.id)));
    await stop(d);
    copyFileSync(backupFile, join(d.stateDir, "simgate.db"));
    expect(existsSync(join(d.stateDir, "simgate.db-wal"))).toBe(false);

    const restored = await start(d.stateDir);
    const next = await order(restored);
    expect(next).toBeDefined();
    expect(next!.activationId).toBeGreaterThan(highest);
    await stop(restored);
  });

  it("with no daemon running, the CLI takes the backup itself, and it opens as a store", { timeout: 60_000 }, async () => {
    const stateDir = tempDir("simgate-e2e-state-");
    const s = openStore({ stateDir });
    s.close();
    const file = join(tempDir("simgate-e2e-backup-"), "b.db");
    const r = await runSimgate(["store", "backup", file, "--state-dir", stateDir, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file, via: "cli" });
    const restoredDir = tempDir("simgate-e2e-state-");
    copyFileSync(file, join(restoredDir, "simgate.db"));
    const reopened = openStore({ stateDir: restoredDir });
    expect(reopened.migrated).toEqual([]);
    reopened.close();
    // An existing file is not overwritten.
    const twice = await runSimgate(["store", "backup", file, "--state-dir", stateDir]);
    expect(twice.code).toBe(1);
    expect(expectOneLine(twice.stderr)).toContain("exists");
  });
});
