/**
 * The sales core (OnlinesimEngine, as the daemon runs it) on the SQLite store, SIGKILLed at random moments (issue 5 §6):
 * after each restart every GET_NUMBER that was answered is still open (or closed by an
 * answered FINISH), a number held by an open activation is never handed out again, and
 * activation ids keep growing.
 */
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { OnlinesimEngine } from "../../src/markets/onlinesim/engine.js";
import { parseEngineConfig } from "../../src/config/engine-schema.js";
import { port } from "../sales/ports.js";
import { tempStateDir } from "./helpers.js";
import { runUntilKilled } from "./fixtures/kill-child.js";

const CHILD = fileURLToPath(new URL("./fixtures/sales-crash-child.ts", import.meta.url));
const tmp = tempStateDir();
afterAll(() => tmp.cleanup());

const runAndKill = (killAfterMs: number): Promise<string[][]> => runUntilKilled(CHILD, [tmp.dir], killAfterMs);

describe("the sales core on SQLite, SIGKILLed", () => {
  it("keeps every answered activation and close, and never hands a held number out twice", { timeout: 120_000 }, async () => {
    const openById = new Map<number, string>();
    let highest = 0;
    const log: string[] = [];
    for (let run = 1; run <= 5; run++) {
      const delay = 10 + Math.floor(Math.random() * 500);
      const lines = await runAndKill(delay);
      let answered = 0;
      for (const l of lines) {
        const id = Number(l[1]);
        if (l[0] === "N") {
          expect(id, "ids grow across restarts").toBeGreaterThan(highest);
          highest = id;
          // The number must not be held by another activation we know is open.
          expect([...openById.values()], `number ${l[2]} handed out twice`).not.toContain(l[2]);
          openById.set(id, l[2]!);
          answered++;
        } else if (l[0] === "F") {
          openById.delete(id);
        }
      }
      log.push(`run ${run}: killed ${delay} ms after ready; ${answered} GET_NUMBER answered, ${openById.size} open known`);

      const store = openStore({ stateDir: tmp.dir, busyTimeoutMs: 2000 });
      try {
        const engine = await OnlinesimEngine.open({ ledger: store.sales, config: parseEngineConfig({ services: ["facebook", "telegram"] }) });
        engine.updatePorts(Array.from({ length: 64 }, (_, i) => port(i + 1)));
        const open = new Map(engine.openActivations().map((a) => [a.id, String(a.number)]));
        // Everything we saw opened and not closed is open; at most one more (the last
        // GET_NUMBER may have committed with the kill before its line, or a FINISH's
        // commit may have landed without its line) differs.
        for (const [id, number] of openById) {
          if (!open.has(id)) {
            // Only acceptable: its FINISH committed but was not printed; then it is closed in the store.
            expect(await store.sales.find(id), `activation ${id} lost`).toMatchObject({ status: expect.any(Number) });
            openById.delete(id);
          } else expect(open.get(id)).toBe(number);
        }
        for (const [id, number] of open) if (!openById.has(id)) openById.set(id, number);
        expect(new Set(open.values()).size, "two open activations share a number").toBe(open.size);
        // The restarted engine knows what is held: a new order gets a free number and a new id.
        const next = await engine.getNumber({ country: "russia", operator: "any", service: "telegram", sum: 1 });
        if (next.status === "SUCCESS") {
          expect([...open.values()]).not.toContain(String(next.number));
          expect(next.activationId).toBeGreaterThan(highest);
          highest = next.activationId;
          openById.set(next.activationId, String(next.number));
        }
      } finally {
        store.close();
      }
    }
    console.info(log.join("\n"));
  });
});
