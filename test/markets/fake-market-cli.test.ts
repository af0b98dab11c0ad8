/** `simgate fake-market` run in-process with an injected io (no child process, bounded). */
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { fakeMarketCommand } from "../../src/cli/commands/fake-market.js";
import { KEY, startSmshub, until, type SmshubHarness } from "./smshub-harness.js";

function testIo() {
  let out = "";
  let err = "";
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, untilStopped: () => stopped };
  return { io, stop, out: () => out, err: () => err };
}

let agent: SmshubHarness | undefined;
let stopLater: (() => void) | undefined;
afterEach(async () => {
  stopLater?.();
  stopLater = undefined;
  await agent?.close();
  agent = undefined;
});

describe("simgate fake-market", () => {
  it("--protocol smshub buys from --agent (our adapter) and reports orders, finishes and issuance times", async () => {
    agent = await startSmshub({ dialect: "smsbower" });
    const t = testIo();
    stopLater = t.stop;
    const args = ["--protocol", "smshub", "--dialect", "smsbower", "--key", KEY, "--agent", `${agent.url}/smshub`, "--poll-ms", "30-60", "--order-every-ms", "30", "--max-orders", "3", "--sms-window-ms", "50", "--summary-ms", "50", "--json"];
    const done = fakeMarketCommand(args, t.io);
    await until(() => t.out().split("\n").some((l) => l.includes('"orders":3') && l.includes('"openOrders":0')), 10_000, "3 orders, all finished");
    t.stop();
    expect(await done).toBe(0);
    const lines = t.out().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: "listening", protocol: "smshub", dialect: "smsbower", agent: `${agent.url}/smshub` });
    expect((lines[0]!["urls"] as { pushSms: string }).pushSms).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/agent\/api\/sms$/);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ event: "summary", dialect: "smsbower", orders: 3, violations: 0 });
    // An order may meet a SIM taken since the last poll (a clean NO_NUMBERS, not a violation),
    // so not every order need be issued; every issued one was timed.
    expect((last["issued"] as number) + (last["noNumbers"] as number)).toBe(3);
    expect(last["issued"]).toBeGreaterThan(0);
    expect((last["issuance"] as { count: number }).count).toBe(last["issued"]);
    expect(t.out()).not.toContain(KEY);
  });

  it("prints a readable line per summary, with the dialect and the violations", async () => {
    const t = testIo();
    stopLater = t.stop;
    const done = fakeMarketCommand(["--protocol=smshub", "--dialect", "grizzly", "--summary-ms", "50"], t.io);
    await until(() => t.out().includes("[grizzly] polls=0"), 3_000, "summary line");
    t.stop();
    expect(await done).toBe(0);
    expect(t.out()).toMatch(/fake-market \(Grizzly SMS\) listening on http:\/\/127\.0\.0\.1:\d+\n {2}PUSH_SMS\s+http:\/\/127\.0\.0\.1:\d+\/agent\/api\/sms/);
    expect(t.out()).toContain("violations=0");
  });

  it("--protocol onlinesim runs the fake Onlinesim with its own options", async () => {
    const t = testIo();
    stopLater = t.stop;
    const done = fakeMarketCommand(["--protocol", "onlinesim", "--key", "K1", "--summary-ms", "50"], t.io);
    await until(() => t.out().includes("polls=0"), 3_000, "fake-onlinesim's summary");
    t.stop();
    expect(await done).toBe(0);
    expect(t.out()).toMatch(/fake-onlinesim listening on http:\/\/127\.0\.0\.1:\d+\n {2}PUSH_SMS\s+http:\/\/127\.0\.0\.1:\d+\/v1\/PUSH_SMS/);
  });

  it("refuses bad options with exit code 2 and one line saying why", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--protocol is required/],
      [["--protocol", "5sim"], /--protocol must be onlinesim or smshub, got '5sim'/],
      [["--protocol", "smshub", "--dialect", "vak"], /--dialect must be smshub, smsbower or grizzly/],
      [["--protocol", "smshub", "--poll-ms", "20-10"], /--poll-ms must be N or MIN-MAX/],
      [["--protocol", "smshub", "--currency", "eur"], /--currency must be rub or usd/],
      [["--protocol", "smshub", "--sms-via", "http://127.0.0.1:1"], /--sms-via needs --agent/],
      [["--protocol", "smshub", "--outcomes", "sms,2"], /--outcomes takes/],
      [["--protocol", "smshub", "--what"], /Unknown option '--what'/],
    ];
    for (const [args, why] of cases) {
      const t = testIo();
      expect(await fakeMarketCommand(args, t.io), args.join(" ")).toBe(2);
      expect(t.err().split("\n")[0]).toMatch(why);
    }
    const help = testIo();
    expect(await fakeMarketCommand(["--help"], help.io)).toBe(0);
    expect(help.out()).toContain("--protocol smshub");
  });
});
