/**
 * `simgate selftest --market NAME --url URL`, run as a process against the SMSHUB endpoint
 * over real HTTP on loopback, with the sales core (in-memory ledger) behind it: a truthful
 * agent passes and is left as it was; an agent that over-reports (its memory says a SIM is
 * free that the store has given to another host) or issues too slowly fails with exit 1.
 */
import { afterEach, describe, expect, it } from "vitest";
import { selftestCommand } from "../../src/cli/commands/selftest.js";
import type { CliIo } from "../../src/cli/io.js";
import { marketRulesOf } from "../../src/markets/smshub/config.js";
import { DIALECT_NAMES, DIALECTS } from "../../src/markets/smshub/dialects.js";
import { NameBook } from "../../src/markets/smshub/names.js";
import { GetServicesAnswer } from "../../src/markets/smshub/schemas.js";
import { runSimgate } from "../helpers/cli.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import { memoryCore } from "./memory-core.js";
import { KEY, SIMS, startSmshub, type SmshubHarness } from "./smshub-harness.js";

let h: SmshubHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const LINE = /^claimed (\d+), got (\d+), slowest (\d+) ms\n$/;

function selftest(market: string, url: string, extra: string[] = []) {
  return runSimgate(["selftest", "--market", market, "--url", url, ...extra], 30_000, { SIMGATE_MARKET_KEY: KEY });
}

async function services(harness: SmshubHarness): Promise<unknown> {
  return GetServicesAnswer.parse((await harness.call({ action: "GET_SERVICES" })).json);
}

describe("simgate selftest", () => {
  it.each(DIALECT_NAMES)("%s: a truthful agent gives every claimed number in time; all are cancelled and nothing is burned", async (dialect) => {
    h = await startSmshub({ dialect });
    const before = await services(h);
    const r = await selftest(dialect, `${h.url}/smshub`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // russia (2 SIMs, `any`) and ukraine (1): the most claimed service of each, all at once.
    const [, claimed, got, slowest] = LINE.exec(r.stdout) ?? [];
    expect([claimed, got]).toEqual(["3", "3"]);
    expect(Number(slowest)).toBeLessThan(DIALECTS[dialect].issueDeadlineMs);
    expect(h.sales.reserveRequests).toHaveLength(3);
    expect(h.mem.core.openReservations()).toEqual([]);
    const closed = (await h.mem.ledger.recent(10)).map((x) => [x.outcome, x.status, x.closeReason]);
    expect(closed).toEqual(Array(3).fill(["refunded", 5, "finish"]));
    expect(await services(h)).toEqual(before);
    expect(await h.mem.earned("hub")).toEqual({});
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it("--service and --cancel-status 4: the named service in every country, cancelled with 4 (one cancel counted, nothing excluded yet)", async () => {
    h = await startSmshub();
    const before = await services(h);
    const r = await selftest("smshub", `${h.url}/smshub`, ["--service", "wa", "--cancel-status", "4"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^claimed 3, got 3, slowest \d+ ms\n$/);
    expect(h.sales.reserveRequests.map((q) => q.service)).toEqual(["whatsapp", "whatsapp", "whatsapp"]);
    expect((await h.mem.ledger.recent(10)).every((x) => x.outcome === "cancelled" && x.status === 4)).toBe(true);
    expect(h.mem.core.openReservations()).toEqual([]);
    expect(await services(h)).toEqual(before);
  });

  it("over-reporting: a SIM the store gave to another host is still claimed; the order for it gets NO_NUMBERS and the test exits 1", async () => {
    h = await startSmshub();
    // A second host on the same store takes one Russian SIM; this daemon's memory does not know.
    const names = new NameBook(DIALECTS.smshub);
    const other = await memoryCore({ sims: SIMS, markets: [marketRulesOf("other", { share: 1, headroom: 0 }, names, ["vk"])], ledger: h.mem.ledger });
    const taken = await other.core.reserve({ market: "other", service: "vk", country: "RU", excludePrefixes: [], price: { amount: 1, currency: "RUB" } });
    expect(taken.status).toBe("reserved");
    const r = await selftest("smshub", `${h.url}/smshub`);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^claimed 3, got 2, slowest \d+ ms\n$/);
    expect(r.stderr).toMatch(/shortfall: 1 of 3 claimed numbers were not given within 3000 ms/);
    expect(r.stderr).toMatch(/russia\/any\/\w+: claimed 2, got 1/);
    expect(r.stderr).toMatch(/1 answered no numbers \(over-reporting/);
    // The two it got were cancelled; the other host's reservation is untouched.
    expect(h.mem.core.openReservations()).toEqual([]);
    expect((await h.mem.ledger.recent(10)).filter((x) => x.closedAt === null).map((x) => x.market)).toEqual(["other"]);
  });

  it("a slow issuance fails: a number given after the 3 s deadline is a shortfall, and it is cancelled too", async () => {
    // The store takes 3.3 s to commit the claim: the core starts it in time, the answer leaves late.
    const ledger = new (class extends MemoryLedger {
      override async claim(orders: Parameters<MemoryLedger["claim"]>[0]) {
        await new Promise((resolve) => setTimeout(resolve, 3_300));
        return super.claim(orders);
      }
    })();
    h = await startSmshub({ sims: [{ number: "79281234567", network: "25099" }], ledger });
    const r = await selftest("smshub", `${h.url}/smshub`);
    expect(r.code).toBe(1);
    const [, claimed, got, slowest] = LINE.exec(r.stdout) ?? [];
    expect([claimed, got]).toEqual(["1", "0"]);
    expect(Number(slowest)).toBeGreaterThan(3_000);
    expect(r.stderr).toMatch(/1 answered after the 3000 ms deadline/);
    expect(h.mem.core.openReservations()).toEqual([]);
    expect((await ledger.recent(10)).map((x) => [x.outcome, x.status])).toEqual([["refunded", 5]]);
  });

  it("a refused key or an endpoint that is not there exits 1 with one line saying why, and never prints the key", async () => {
    h = await startSmshub();
    const wrong = await runSimgate(["selftest", "--market", "smshub", "--url", `${h.url}/smshub`], 30_000, { SIMGATE_MARKET_KEY: "not-the-key" });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toMatch(/^simgate selftest: GET_SERVICES failed: HTTP 401: .*BAD_KEY/);
    expect(wrong.stderr).not.toContain("not-the-key");
    const closed = h.url;
    await h.close();
    h = undefined;
    const gone = await selftest("smshub", `${closed}/smshub`);
    expect(gone.code).toBe(1);
    expect(gone.stderr.split("\n")[0]).toMatch(/^simgate selftest: GET_SERVICES failed: /);
  });

  it("refuses bad options with exit code 2 and one line saying why", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--market is required/],
      [["--market", "5sim", "--url", "http://127.0.0.1:1/x"], /--market must be onlinesim, smshub, smsbower or grizzly, got '5sim'/],
      [["--market", "smshub"], /--url is required/],
      [["--market", "smshub", "--url", "ftp://x"], /--url must be an http\(s\) URL/],
      [["--market", "smshub", "--url", "http://127.0.0.1:1/x", "--cancel-status", "3"], /--cancel-status must be 4 or 5/],
      [["--market", "smshub", "--url", "http://127.0.0.1:1/x", "--max-orders", "0"], /--max-orders must be an integer/],
      [["--market", "smshub", "--url", "http://127.0.0.1:1/x", "--service", "V K"], /--service must be a service code/],
      [["--market", "smshub", "--what"], /Unknown option '--what'/],
    ];
    for (const [args, why] of cases) {
      let err = "";
      const io: CliIo = { stdout: { write: () => true }, stderr: { write: (t: string) => (err += t) }, untilStopped: () => new Promise(() => {}) };
      expect(await selftestCommand([...args, "--key", "k"], io), args.join(" ")).toBe(2);
      expect(err.split("\n")[0]).toMatch(why);
    }
  });
});
