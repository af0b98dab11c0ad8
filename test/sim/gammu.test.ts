/**
 * Realism check with a client nobody here wrote: gammu (Debian package) talks to each
 * dialect over its pseudo-terminal, identifies it and reads back injected SMS.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SIM_DIALECTS } from "../../src/sim/profile.js";
import { startSimulatedPool, type SimulatedPool } from "../../src/sim/pool.js";

function gammu(rc: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // execFile's timeout kills gammu, so a stuck run never outlives the test.
    execFile("gammu", ["-c", rc, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const hasGammu = await new Promise<boolean>((resolve) => execFile("gammu", ["--version"], (err) => resolve(!err)));

describe.skipIf(!hasGammu).each(SIM_DIALECTS)("gammu against a simulated %s modem", (dialect) => {
  let pool: SimulatedPool;
  let dir: string;
  let rc: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "simgate-gammu-"));
    pool = await startSimulatedPool({ count: 1, dialect, seed: `gammu-${dialect}`, attach: "pty", dir });
    rc = join(dir, "gammurc");
    writeFileSync(rc, `[gammu]\ndevice = ${pool.modems[0]?.path}\nconnection = at\n`);
  });

  afterAll(async () => {
    await pool?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("--identify reports manufacturer, model, IMEI and IMSI", { timeout: 70_000 }, async () => {
    const { profile } = pool.modems[0] ?? {};
    if (!profile) throw new Error("no modem");
    const { code, stdout, stderr } = await gammu(rc, ["--identify"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(stdout)?.[1] ?? "";
    // gammu prettifies known vendor names ("QUALCOMM INCORPORATED" → "Qualcomm", "huawei" → "Huawei").
    expect(field("Manufacturer").toLowerCase()).toBe(
      { generic: "qualcomm", simcom: "simcom_ltd", quectel: "quectel", huawei: "huawei" }[dialect],
    );
    expect(field("Model")).toContain(profile.model);
    expect(field("IMEI")).toBe(profile.imei);
    expect(field("SIM IMSI")).toBe(profile.sim.imsi);
  });

  it("getallsms reads back injected SMS with exact text and sender", { timeout: 70_000 }, async () => {
    const modem = pool.modems[0]?.modem;
    if (!modem) throw new Error("no modem");
    const messages = [
      { sender: "+79161234567", text: "Your code is 4821 — €[]" },
      { sender: "Telegram", text: "Код подтверждения Telegram: 55123. Никому не сообщайте его." },
      { sender: "+4915112345678", text: "Plain GSM text with {braces} and ~tilde" },
    ];
    for (const m of messages) expect(modem.injectSms(m).length).toBe(1);
    const { code, stdout, stderr } = await gammu(rc, ["getallsms"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    for (const m of messages) {
      expect(stdout).toContain(`Remote number        : "${m.sender}"`);
      expect(stdout).toContain(`\n${m.text}\n`);
    }
    expect(stdout).toMatch(/3 SMS parts in 3 SMS sequences/);
  });
});
