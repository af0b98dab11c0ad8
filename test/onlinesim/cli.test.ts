/** `simgate fake-onlinesim` run in-process with an injected io (no child process, bounded). */
import { afterEach, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.js";
import { fakeOnlinesimCommand } from "../../src/cli/commands/fake-onlinesim.js";
import { startTinyPartner, until, type TinyPartner } from "./tiny-partner.js";

function testIo() {
  let out = "";
  let err = "";
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, untilStopped: () => stopped };
  return { io, stop, out: () => out, err: () => err };
}

let partner: TinyPartner | undefined;
/** Stops a command left running by a failed assertion. */
let stopLater: (() => void) | undefined;
afterEach(async () => {
  stopLater?.();
  stopLater = undefined;
  await partner?.close();
  partner = undefined;
});

describe("simgate fake-onlinesim", () => {
  it("prints its URLs, accepts a v2 call, prints summaries, stops on request", async () => {
    const t = testIo();
    stopLater = t.stop;
    const done = fakeOnlinesimCommand(["--key", "K1", "--summary-ms", "50"], t.io);
    await until(() => t.out().includes("v2 "), 3_000, "URL lines");
    const v2 = /v2\s+(\S+)\/\{/.exec(t.out())![1]!;
    const res = await fetch(`${v2}/checkWork`, { method: "POST", headers: { authorization: "Bearer K1" }, signal: AbortSignal.timeout(3_000) });
    expect(await res.json()).toEqual({ response: 1 });
    await until(() => t.out().includes("polls=0"), 3_000, "summary line");
    t.stop();
    expect(await done).toBe(0);
    expect(t.out()).toMatch(/PUSH_SMS\s+http:\/\/127\.0\.0\.1:\d+\/v1\/PUSH_SMS/);
    expect(t.out()).not.toContain("K1");
  });

  it("buys from --partner and reports orders in --json summaries", async () => {
    partner = await startTinyPartner("K2", [
      { number: 79001110001, country: "russia", operator: "beeline" },
      { number: 79001110002, country: "russia", operator: "megafon" },
    ]);
    const t = testIo();
    stopLater = t.stop;
    const done = fakeOnlinesimCommand(["--key", "K2", "--partner", partner.url, "--poll-ms", "30", "--order-every-ms", "30", "--max-orders", "2", "--summary-ms", "50", "--json"], t.io);
    await until(() => t.out().split("\n").some((l) => l.includes('"orders":2')), 5_000, "2 orders");
    t.stop();
    expect(await done).toBe(0);
    const lines = t.out().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: "listening", partner: partner.url });
    expect(lines.at(-1)).toMatchObject({ event: "summary", orders: 2 });
    expect(t.out()).not.toContain('"K2"');
  });

  it("rejects bad options with exit code 2", async () => {
    for (const args of [["--listen", "nohost"], ["--poll-ms", "x"], ["--partner", "not a url"], ["--what"]]) {
      const t = testIo();
      expect(await fakeOnlinesimCommand(args, t.io)).toBe(2);
      expect(t.err()).toContain("usage: simgate fake-onlinesim");
    }
  });
});
