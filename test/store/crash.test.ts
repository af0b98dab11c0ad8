/**
 * Restart safety (issue 5 §6): a child writes to the store in a loop and is SIGKILLed at
 * a random moment, six times over the same file. After each kill the store must open
 * cleanly, hold everything the child acknowledged (printed after commit), and never hand
 * out an id again. Delays are logged so a failure can be replayed.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import { openStore } from "../../src/store/index.js";
import { finish, newActivation, reserve, tempStateDir } from "./helpers.js";
import { runUntilKilled } from "./fixtures/kill-child.js";
import { once } from "node:events";

const CHILD = fileURLToPath(new URL("./fixtures/crash-child.ts", import.meta.url));
const tmp = tempStateDir();
afterAll(() => tmp.cleanup());

interface Acked {
  lines: string[][];
  probe: { id: number; duplicate: boolean } | undefined;
  killedAfterMs: number;
}

/** Run one child, kill it `killAfterMs` after it is ready; the complete lines it printed. */
async function runAndKill(run: number, killAfterMs: number): Promise<Acked> {
  const lines = await runUntilKilled(CHILD, [tmp.dir, String(run)], killAfterMs);
  const r = lines.find((l) => l[0] === "R");
  return { lines, probe: r ? { id: Number(r[1]), duplicate: r[2] === "1" } : undefined, killedAfterMs: killAfterMs };
}

const idsOf = (lines: string[][], tag: string) => lines.filter((l) => l[0] === tag).map((l) => Number(l[1]));
const max = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

describe("SIGKILL at random moments", () => {
  it("loses nothing acknowledged and never reuses an id", { timeout: 120_000 }, async () => {
    let highestActivation = 0;
    let probeId: number | undefined;
    const log: string[] = [];
    for (let run = 1; run <= 6; run++) {
      const delay = 10 + Math.floor(Math.random() * 600);
      const acked = await runAndKill(run, delay);
      const parts = idsOf(acked.lines, "P");
      const sms = idsOf(acked.lines, "S");
      const acts = idsOf(acked.lines, "A");
      const outbox = idsOf(acked.lines, "O");
      const closed = idsOf(acked.lines, "C");
      log.push(`run ${run}: killed ${delay} ms after ready; acked ${parts.length} parts, ${acts.length} activations, ${closed.length} closes, ${idsOf(acked.lines, "D").length} deliveries`);

      // A re-read of the same PDU after a crash is the same stored part.
      expect(acked.probe).toBeDefined();
      if (probeId === undefined) probeId = acked.probe!.id;
      else expect(acked.probe).toEqual({ id: probeId, duplicate: true });

      // Ids grow across crashes: nothing acknowledged before is handed out again.
      if (acts.length > 0) expect(acts[0]!).toBeGreaterThan(highestActivation);
      expect(acts).toEqual([...acts].sort((a, b) => a - b));

      const store = openStore({ stateDir: tmp.dir, busyTimeoutMs: 2000 });
      try {
        const has = (table: string, ids: number[]) => {
          const stmt = store.db.prepare(`SELECT count(*) FROM ${table} WHERE id = ?`).pluck();
          return ids.filter((id) => stmt.get(id) !== 1);
        };
        expect(has("sms_parts", parts), "acked parts missing").toEqual([]);
        expect(has("sms", sms), "acked messages missing").toEqual([]);
        expect(has("activations", acts), "acked activations missing").toEqual([]);
        expect(has("outbox", outbox), "acked outbox entries missing").toEqual([]);
        for (const id of closed) expect(await store.sales.find(id)).toMatchObject({ status: 3, outcome: "sold" });
        // Delivered PUSH_SMS stay delivered: never due again after a crash.
        const delivered = idsOf(acked.lines, "D");
        const due = new Set(store.outbox.due(Number.MAX_SAFE_INTEGER, 1_000_000).map((d) => d.id));
        for (const id of delivered) {
          expect(store.outbox.get(id)?.deliveredAt).not.toBeNull();
          expect(due.has(id)).toBe(false);
        }
        // The ledger after restart: acknowledged closes are closed; every other
        // acknowledged activation is still open, except perhaps the last one (its close
        // may have committed with the kill landing before the "C" line).
        const ledger = await store.sales.load();
        const open = new Set(ledger.open.map((a) => a.id));
        for (const id of acts.filter((a) => !closed.includes(a) && a !== acts.at(-1))) expect(open.has(id)).toBe(true);
        for (const id of closed) expect(open.has(id)).toBe(false);
        // Every closed-and-acknowledged sale is in the usage history.
        const soldUsage = new Set(ledger.sold.map((u) => u.number));
        for (const l of acked.lines.filter((x) => x[0] === "A" && closed.includes(Number(x[1])))) expect(soldUsage.has(l[2]!)).toBe(true);
        // A new activation after the crash gets an id above everything ever acknowledged.
        const fresh = await reserve(store.sales, newActivation(900_000 + run, { iccid: `parent-${run}` }));
        expect(fresh.id).toBeGreaterThan(max(acts));
        expect(fresh.id).toBeGreaterThan(highestActivation);
        highestActivation = fresh.id;
        await finish(store.sales, fresh.id, 4, 1);
      } finally {
        store.close();
      }
    }
    console.info(log.join("\n"));
  });

  it("a second process on a running store's directory gets StoreLocked; the lock dies with the holder", { timeout: 60_000 }, async () => {
    const own = tempStateDir();
    try {
      const child = spawn(process.execPath, ["--import", "tsx", CHILD, own.dir, "hold"], { stdio: ["ignore", "pipe", "inherit"] });
      const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const exited = once(child, "exit");
      let out = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding("utf8").on("data", (c: string) => {
          out += c;
          if (out.includes("ready\n")) resolve();
        });
        child.on("exit", () => reject(new Error(`child exited before ready: ${out}`)));
      });
      let caught: unknown;
      try {
        openStore({ stateDir: own.dir, busyTimeoutMs: 300 }).close();
      } catch (err) {
        caught = err;
      }
      expect(isSimgateError(caught, ErrorCode.StoreLocked), String(caught)).toBe(true);
      child.kill("SIGKILL");
      await exited;
      clearTimeout(guard);
      const store = openStore({ stateDir: own.dir, busyTimeoutMs: 300 });
      expect((await store.sales.load()).open.length).toBeGreaterThanOrEqual(0);
      store.close();
    } finally {
      own.cleanup();
    }
  });
});
