/**
 * Ids that leave the process (activation ids go to Onlinesim, SMS ids may go out as
 * PUSH_SMS smsId) never go back: not after a clean restart, not after a crash, not after
 * an older simgate.db is restored, not after `simgate store init --force` (issue 12,
 * defect 1). The floor lives beside the database, in a file the database cannot take
 * with it.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { oneLineError } from "../../src/cli/format.js";
import { ErrorCode, SimgateError } from "../../src/errors.js";
import { openStore, type Store } from "../../src/store/index.js";
import { ID_FLOOR_FILE_NAME } from "../../src/store/id-floor.js";
import { initStore } from "../../src/store/init.js";
import { deliverParts, finish, newActivation, reserve } from "./helpers.js";
import { perTestCleanup } from "./per-test.js";
import { runUntilKilled } from "./fixtures/kill-child.js";

const CHILD = fileURLToPath(new URL("./fixtures/crash-child.ts", import.meta.url));
const { stateDir } = perTestCleanup();
const dbFile = (dir: string) => join(dir, "simgate.db");
const floorFile = (dir: string) => join(dir, ID_FLOOR_FILE_NAME);

function refusal(fn: () => unknown): SimgateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimgateError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

/** Issue one activation and one SMS; returns their ids. */
let seq = 0;
async function issue(s: Store): Promise<{ activation: number; sms: number }> {
  seq++;
  const activation = (await reserve(s.sales, newActivation(seq, { iccid: `icc-${seq}` }))).id;
  // Close it again so the next one may reuse the number in tests that issue many.
  await finish(s.sales, activation, 4, seq);
  const parts = deliverParts({ text: `sms ${seq}`, at: new Date(1_790_000_000_000 + seq * 1000) });
  for (const p of parts) s.sms.acceptPart(p);
  const sms = s.sms.storeMessage({ portId: "usb-1-1", iccid: parts[0]!.iccid, sender: "Telegram", text: `sms ${seq}`, parts, missingParts: [], timestamp: null }).id;
  return { activation, sms };
}

describe("the id floor", () => {
  it("restoring an older simgate.db never reissues an activation or SMS id", async () => {
    const dir = stateDir();
    let s = openStore({ stateDir: dir });
    await issue(s);
    s.close();
    copyFileSync(dbFile(dir), join(dir, "backup.db"));
    s = openStore({ stateDir: dir });
    await issue(s);
    const last = await issue(s);
    s.close();
    copyFileSync(join(dir, "backup.db"), dbFile(dir));
    s = openStore({ stateDir: dir });
    try {
      const next = await issue(s);
      expect(next.activation).toBeGreaterThan(last.activation);
      expect(next.sms).toBeGreaterThan(last.sms);
    } finally {
      s.close();
    }
  });

  it("a clean restart continues right after the last id (the reserved block is given back)", async () => {
    const dir = stateDir();
    let s = openStore({ stateDir: dir });
    const first = await issue(s);
    s.close();
    s = openStore({ stateDir: dir });
    try {
      expect((await issue(s)).activation).toBe(first.activation + 1);
    } finally {
      s.close();
    }
  });

  it("after a SIGKILL, an older simgate.db restored still gets ids above everything the dead process acknowledged", { timeout: 60_000 }, async () => {
    const dir = stateDir();
    const s = openStore({ stateDir: dir });
    await issue(s);
    s.close();
    copyFileSync(dbFile(dir), join(dir, "backup.db"));
    const acked = await runUntilKilled(CHILD, [dir, "7"], 300);
    const activations = acked.filter((l) => l[0] === "A").map((l) => Number(l[1]));
    const sms = acked.filter((l) => l[0] === "S").map((l) => Number(l[1]));
    expect(activations.length).toBeGreaterThan(0);
    // Restore the backup the way an operator would: the database file only.
    for (const f of readdirSync(dir).filter((f) => f.startsWith("simgate.db-"))) unlinkSync(join(dir, f));
    copyFileSync(join(dir, "backup.db"), dbFile(dir));
    const after = openStore({ stateDir: dir });
    try {
      const next = await issue(after);
      expect(next.activation).toBeGreaterThan(Math.max(...activations));
      expect(next.sms).toBeGreaterThan(Math.max(...sms));
    } finally {
      after.close();
    }
  });

  it("a deleted simgate.db while the floor file remains is refused with one line, and nothing is created", async () => {
    const dir = stateDir();
    const s = openStore({ stateDir: dir });
    const { activation } = await issue(s);
    s.close();
    unlinkSync(dbFile(dir));
    const err = refusal(() => openStore({ stateDir: dir }));
    expect(err.code).toBe(ErrorCode.StoreMissing);
    const line = oneLineError(err);
    expect(line).not.toContain("\n");
    expect(line).toContain(`${dbFile(dir)} is missing`);
    expect(line).toContain(`activation ids up to ${activation}`);
    expect(line).toMatch(/restore .*backup/);
    expect(line).toContain("simgate store init --force");
    expect(existsSync(dbFile(dir))).toBe(false);
  });

  it("a state directory that never issued an id may lose its simgate.db: the next start creates a new one", () => {
    const dir = stateDir();
    openStore({ stateDir: dir }).close();
    unlinkSync(dbFile(dir));
    const s = openStore({ stateDir: dir });
    s.close();
    expect(existsSync(dbFile(dir))).toBe(true);
  });

  it("a damaged floor file is refused with one line naming it; the database is left alone", async () => {
    const dir = stateDir();
    const s = openStore({ stateDir: dir });
    await issue(s);
    s.close();
    const text = readFileSync(floorFile(dir), "utf8");
    // One digit changed: still well-formed text, but not what was written.
    writeFileSync(floorFile(dir), text.replace(/\d/, (d) => String((Number(d) + 1) % 10)));
    const before = readFileSync(dbFile(dir));
    const err = refusal(() => openStore({ stateDir: dir }));
    expect(err.code).toBe(ErrorCode.StoreIdFloorDamaged);
    expect(oneLineError(err)).not.toContain("\n");
    expect(oneLineError(err)).toContain(floorFile(dir));
    expect(readFileSync(dbFile(dir)).equals(before)).toBe(true);
    writeFileSync(floorFile(dir), "garbage");
    expect(refusal(() => openStore({ stateDir: dir })).code).toBe(ErrorCode.StoreIdFloorDamaged);
  });

  it("a store from before the floor existed gets one from its own highest ids", async () => {
    const dir = stateDir();
    const s = openStore({ stateDir: dir });
    const last = await issue(s);
    s.close();
    rmSync(floorFile(dir));
    const again = openStore({ stateDir: dir });
    try {
      expect(existsSync(floorFile(dir))).toBe(true);
      expect((await issue(again)).activation).toBeGreaterThan(last.activation);
    } finally {
      again.close();
    }
  });

  it("property: whatever happens between starts (clean stops, crashes, restores of older copies, re-inits), ids only grow", { timeout: 120_000 }, async () => {
    type Step = { kind: "issue"; n: number } | { kind: "restart" } | { kind: "crash" } | { kind: "backup" } | { kind: "restore"; pick: number } | { kind: "reinit" };
    const step = fc.oneof(
      fc.record({ kind: fc.constant("issue" as const), n: fc.integer({ min: 1, max: 4 }) }),
      fc.constant({ kind: "restart" as const }),
      fc.constant({ kind: "crash" as const }),
      fc.constant({ kind: "backup" as const }),
      fc.record({ kind: fc.constant("restore" as const), pick: fc.nat() }),
      fc.constant({ kind: "reinit" as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps: Step[]) => {
        const dir = stateDir();
        const backups: Buffer[] = [];
        let highest = { activation: 0, sms: 0 };
        let s = openStore({ stateDir: dir });
        try {
          for (const st of steps) {
            switch (st.kind) {
              case "issue":
                for (let i = 0; i < st.n; i++) {
                  const ids = await issue(s);
                  expect(ids.activation).toBeGreaterThan(highest.activation);
                  expect(ids.sms).toBeGreaterThan(highest.sms);
                  highest = ids;
                }
                break;
              case "restart":
                s.close();
                s = openStore({ stateDir: dir });
                break;
              case "crash": {
                // What a SIGKILL leaves on disk: every file as it is at this moment (all writes are synchronous).
                const image = readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))] as const);
                s.close();
                for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
                for (const [f, bytes] of image) writeFileSync(join(dir, f), bytes);
                s = openStore({ stateDir: dir });
                break;
              }
              case "backup":
                s.close();
                backups.push(readFileSync(dbFile(dir)));
                s = openStore({ stateDir: dir });
                break;
              case "restore":
                if (backups.length === 0) break;
                s.close();
                writeFileSync(dbFile(dir), backups[st.pick % backups.length]!);
                s = openStore({ stateDir: dir });
                break;
              case "reinit":
                s.close();
                initStore({ stateDir: dir, force: true });
                s = openStore({ stateDir: dir });
                break;
            }
          }
        } finally {
          s.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
