/**
 * `simgate earnings` as an operator runs it: the real CLI process against the real daemon
 * process (`simgate run --simulate 4`, real SQLite store), with sales made through the real
 * Onlinesim v1 partner endpoint (GET_NUMBER, then FINISH_ACTIVATION status 3 with and
 * without a sum; a status 4 that earns nothing). The table, --json, --by, --since, and the
 * failures: usage (exit 2), no daemon and no token (exit 1, one line). Two marketplaces and
 * two currencies are covered against the same API in test/admin/earnings-routes.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimgate, type RunResult } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const CLI_MS = 60_000;
const TEST_MS = 180_000;

describe("simgate earnings against the running daemon", () => {
  let d: DaemonProcess;
  let admin: string[];
  const simgate = (...args: string[]): Promise<RunResult> => runSimgate([...args, ...admin], CLI_MS);
  /** What the partner endpoint sold: number → amount, in the order sold. */
  const sold: Array<{ number: string; service: string; amount: number }> = [];

  const order = async (service: string, sum: number) => {
    const services = await d.partner({ action: "GET_SERVICES", key: E2E_KEY });
    const country = services.json.countryList.find((c: any) => (c.operatorMap.any[service] ?? 0) > 0);
    expect(country, `a country selling ${service}`).toBeDefined();
    const r = await d.partner({ action: "GET_NUMBER", country: country.country, operator: "any", service, sum, key: E2E_KEY });
    expect(r.json.status).toBe("SUCCESS");
    return { id: r.json.activationId as number, number: String(r.json.number).replace(/^\+/, "") };
  };
  const finish = async (id: number, status: number, sum?: number) => {
    const r = await d.partner({ action: "FINISH_ACTIVATION", activationId: id, status, ...(sum !== undefined ? { sum } : {}), key: E2E_KEY });
    expect(r.json.status).toBe("SUCCESS");
  };

  beforeAll(async () => {
    d = await startDaemonProcess({ modems: 4, seed: "5", config: { engine: { services: ["telegram", "whatsapp"] } } });
    admin = ["--admin", d.adminUrl.replace("http://", ""), "--config", d.configFile];
    await waitSettled(d, 3);
  }, 120_000);

  afterAll(async () => {
    await d?.proc.stop();
    if (d) rmSync(d.stateDir, { recursive: true, force: true });
  }, TEST_MS);

  it("before any sale: says nothing was sold, exit 0", async () => {
    const r = await simgate("earnings");
    expect(r).toMatchObject({ code: 0, stderr: "", stdout: "nothing sold yet\n" });
  }, TEST_MS);

  it("per marketplace: the sales closed with status 3, the FINISH sum when given, else the GET_NUMBER sum; today beside all time", async () => {
    // Both open at once: two SIMs.
    const a = await order("telegram", 7.5);
    const b = await order("whatsapp", 5.25);
    expect(b.number).not.toBe(a.number);
    await finish(a.id, 3, 7); // the marketplace's own amount counts
    sold.push({ ...a, service: "telegram", amount: 7 });
    await finish(b.id, 3); // no sum: the price offered counts
    sold.push({ ...b, service: "whatsapp", amount: 5.25 });
    const c = await order("telegram", 9);
    await finish(c.id, 4); // cancelled: nothing earned

    const r = await simgate("earnings");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^market\s+currency\s+sold\s+earned\s+sold today\s+earned today$/);
    expect(lines[1]).toMatch(/^onlinesim\s+RUB\s+2\s+12\.25\s+2\s+12\.25$/);
    expect(lines[2]).toMatch(/^total\s+RUB\s+2\s+12\.25\s+2\s+12\.25$/);
    expect(lines[3]).toMatch(/^all time \(today: since \d{4}-\d\d-\d\d 00:00:00\)$/);
    expect(lines).toHaveLength(4);

    const json = JSON.parse((await simgate("earnings", "--json")).stdout);
    expect(json).toMatchObject({ since: 0, by: ["market"], limit: 20 });
    expect(json.rows).toEqual([{ market: "onlinesim", currency: "RUB", sold: 2, amount: 12.25, today: { sold: 2, amount: 12.25 } }]);
    expect(json.currencies).toEqual([{ currency: "RUB", sold: 2, amount: 12.25, today: { sold: 2, amount: 12.25 }, groups: 1, shown: 1 }]);
  }, TEST_MS);

  it("--by sim: the best SIMs first with number and ICCID; --limit cuts each currency and says so", async () => {
    const r = await simgate("earnings", "--by", "sim");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^number\s+ICCID\s+currency\s+sold\s+earned\s+sold today\s+earned today$/);
    const ports = (await d.status()).ports;
    const iccid = (n: string) => ports.find((p: any) => p.number === `+${n}`)?.iccid;
    const best = [...sold].sort((x, y) => y.amount - x.amount);
    for (const [i, s] of best.entries()) expect(lines[1 + i]).toMatch(new RegExp(`^\\+${s.number}\\s+${iccid(s.number)}\\s+RUB\\s+1\\s+${s.amount.toFixed(2).replace(".", "\\.")}\\s+1\\s+`));
    expect(lines[3]).toMatch(/^total\s+RUB\s+2\s+12\.25\s+2\s+12\.25$/);
    const top = await simgate("earnings", "--by", "sim", "--limit", "1");
    expect(top.stdout).toContain(`+${best[0]!.number}`);
    expect(top.stdout).not.toContain(`+${best[1]!.number}`);
    expect(top.stdout).toMatch(/\ntotal\s+RUB\s+2\s+12\.25\s+2\s+12\.25\nRUB: the best 1 of 2 shown \(--limit\)\nall time/);
  }, TEST_MS);

  it("--by service and --by market,service", async () => {
    const r = await simgate("earnings", "--by", "service");
    expect(r.stdout).toMatch(/\ntelegram\s+RUB\s+1\s+7\.00\s+1\s+7\.00\nwhatsapp\s+RUB\s+1\s+5\.25\s+1\s+5\.25\n/);
    const both = await simgate("earnings", "--by", "market,service");
    expect(both.stdout.split("\n")[0]).toMatch(/^market\s+service\s+currency\s+sold/);
    expect(both.stdout).toMatch(/\nonlinesim\s+telegram\s+RUB\s+1\s+7\.00\s/);
  }, TEST_MS);

  it("--since: that window only, without the today columns; nothing sold in a window that has not begun", async () => {
    const r = await simgate("earnings", "--since", "1h");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^market\s+currency\s+sold\s+earned$/);
    expect(r.stdout).toMatch(/\nonlinesim\s+RUB\s+2\s+12\.25\n/);
    expect(r.stdout).toMatch(/\nsince \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\n$/);
    const today = await simgate("earnings", "--since", "today");
    expect(today.stdout).toMatch(/\nonlinesim\s+RUB\s+2\s+12\.25\n/);
    const later = await simgate("earnings", "--since", "2099-01-01");
    expect(later).toMatchObject({ code: 0, stdout: "nothing sold since 2099-01-01 00:00:00\n" });
  }, TEST_MS);

  it("usage errors: exit 2 with one line that says what is accepted", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--by", "port"], /^simgate earnings: --by takes market, service, sim or a comma-separated list of them, got 'port'\n$/],
      [["--since", "yesterday"], /^simgate earnings: --since takes an age .*; got 'yesterday'\n$/],
      [["--limit", "0"], /^simgate earnings: --limit takes a whole number from 1 to 100000, got '0'\n$/],
      [["rub"], /^simgate earnings: unexpected argument 'rub'\n$/],
      [["--currency", "RUB"], /^simgate earnings: Unknown option '--currency'/],
    ];
    for (const [args, stderr] of cases) {
      const r = await simgate("earnings", ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr, args.join(" ")).toMatch(stderr);
    }
    const help = await runSimgate(["help", "earnings"], CLI_MS);
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toMatch(/^usage: simgate earnings /);
  }, TEST_MS);

  it("no daemon, or no token: exit 1 with the reason on one line, nothing on stdout", async () => {
    const port = await freePort();
    const none = await runSimgate(["earnings", "--admin", `127.0.0.1:${port}`], CLI_MS);
    expect(none).toMatchObject({ code: 1, stdout: "", stderr: `simgate earnings: no simgate daemon answers at 127.0.0.1:${port} — is it running? (systemctl status simgate)\n` });
    const elsewhere = mkdtempSync(join(tmpdir(), "simgate-no-token-"));
    try {
      const refused = await runSimgate(["earnings", "--admin", d.adminUrl.replace("http://", "")], CLI_MS, { SIMGATE_STATE_DIR: elsewhere });
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(/^simgate earnings: admin API needs a token and .* does not exist: set SIMGATE_ADMIN_TOKEN/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, TEST_MS);
});
