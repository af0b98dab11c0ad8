import { afterEach, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runSimgate } from "../helpers/cli.js";
import { generatePool } from "../../src/sim/profile.js";
import { DEFAULT_NUMBER_RULES } from "../../src/modem/number-rules.js";

interface Entry {
  port: string;
  path: string;
  state: string;
  driver: string;
  imei: string;
  iccid: string;
  imsi: string;
  mcc: string;
  mnc: string;
  operator: string;
  number: string | null;
  signal: number | null;
}

describe("simgate scan (issue 4 'done when')", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("--simulate 16 --json settles with every SIM's number, operator and state right", async () => {
    const result = await runSimgate(["scan", "--simulate", "16", "--json"], 60_000);
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout) as Entry[];
    // The same pool the command simulated: default dialect mixed, seed 1.
    const profiles = generatePool({ count: 16, dialect: "mixed", seed: "1" });
    expect(entries).toHaveLength(16);
    entries.forEach((e, i) => {
      const p = profiles[i]!;
      const learnable = p.sim.msisdn !== null || DEFAULT_NUMBER_RULES.some((r) => r.mcc === p.sim.mcc && r.mnc === p.sim.mnc);
      expect(e).toMatchObject({
        port: `modem${i}`,
        state: learnable ? "ready" : "no-number",
        driver: p.dialect,
        imei: p.imei,
        iccid: p.sim.iccid,
        imsi: p.sim.imsi,
        mcc: p.sim.mcc,
        mnc: p.sim.mnc,
        operator: `${p.network.mcc}${p.network.mnc}`,
        number: p.sim.msisdn ?? (learnable ? p.sim.subscriberNumber : null),
      });
      expect(e.signal).toBe(p.network.signalRssi === 99 ? null : -113 + 2 * p.network.signalRssi);
    });
  });

  it("--state-dir keeps every SIM and its learned number for the next run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simgate-scan-state-"));
    dirs.push(dir);
    const first = await runSimgate(["scan", "--simulate", "8", "--json", "--state-dir", dir], 60_000);
    expect(first.code).toBe(0);
    const store = await runSimgate(["store", "--state-dir", dir, "--json"]);
    expect(JSON.parse(store.stdout)).toMatchObject({ sims: 8 });
    const second = await runSimgate(["scan", "--simulate", "8", "--json", "--state-dir", dir], 60_000);
    const numbers = (out: string) => (JSON.parse(out) as Entry[]).map((e) => e.number);
    expect(numbers(second.stdout)).toEqual(numbers(first.stdout));
  });
});
