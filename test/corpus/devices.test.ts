/**
 * Every captured device profile (test/corpus/devices/*.json) replayed on a serial line:
 * `simgate simulate --profile FILE` + `simgate probe` must identify the module, SIM and
 * network exactly as the capture says, and the daemon (`simgate run --simulate-profile`)
 * must bring the port to the state the capture allows — never sellable on facts the
 * capture does not have.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AtChannel } from "../../src/at/index.js";
import { PROBE_CHANNEL_OPTIONS, probeModem } from "../../src/modem/probe.js";
import { loadReplayProfile, validateReplayProfile } from "../../src/sim/replay-profile.js";
import { startReplayPool } from "../../src/sim/replay-pool.js";
import { openBytePort } from "../../src/transport/serial-port.js";
import { runSimgate, startSimgate, type LongRunning } from "../helpers/cli.js";
import { startDaemonProcess, waitFor, type DaemonProcess } from "../helpers/daemon.js";
import { CORPUS_DIR } from "./load.js";

const DEVICES = join(CORPUS_DIR, "devices");
const FILES = readdirSync(DEVICES)
  .filter((f) => f.endsWith(".json"))
  .sort();
const profileOf = (file: string) => loadReplayProfile(join(DEVICES, file));

describe("captured device profiles", () => {
  it("there are profiles of at least three vendors, each with its source and what the capture says", () => {
    const vendors = new Set(FILES.map((f) => f.split("-")[0]));
    expect(vendors.size).toBeGreaterThanOrEqual(3);
    for (const f of FILES) {
      const p = profileOf(f);
      expect(p.source?.commit, f).toMatch(/^[0-9a-f]{40}$/);
      expect(p.expect, f).toBeDefined();
    }
  });

  it("a broken profile is refused with one line naming the file and the field", () => {
    expect(() => validateReplayProfile({ model: "x", responses: { "AT+CGMI": "huawei" } }, "bad.json")).toThrow(
      "bad.json: not a device profile: 'responses.AT+CGMI' must be an array of strings",
    );
    expect(() => loadReplayProfile(join(DEVICES, "no-such.json"))).toThrow(/cannot read the device profile/);
  });

  it.each(FILES)("%s: the probe (in-process) reports what the capture says", async (file) => {
    const profile = profileOf(file);
    const pool = await startReplayPool({ profile, count: 1, attach: "in-process" });
    const port = await openBytePort({ path: pool.modems[0]!.path, binding: pool.binding! });
    const channel = new AtChannel(port, PROBE_CHANNEL_OPTIONS);
    try {
      const result = await probeModem(channel);
      expect(result).toMatchObject(profile.expect!);
    } finally {
      await channel.close();
      await pool.close();
    }
  });
});

describe("simgate simulate --profile + simgate probe", () => {
  const running: LongRunning[] = [];
  afterAll(async () => {
    for (const r of running) expect(await r.stop()).toBe(0);
  });

  it.each(FILES)("%s", async (file) => {
    const sim = startSimgate(["simulate", "--profile", join(DEVICES, file), "--json"]);
    running.push(sim);
    const [line] = await sim.lines(1, 20_000);
    const modem = JSON.parse(line!) as { path: string; model: string };
    expect(modem.model).toBe(profileOf(file).model);
    const probe = await runSimgate(["probe", modem.path, "--json"], 60_000);
    expect(probe.code, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout)).toMatchObject({ path: modem.path, ...profileOf(file).expect });
  }, 90_000);
});

describe("simgate run --simulate-profile: the daemon on every captured device", () => {
  // Every daemon started, so one left behind by a timed-out test is still stopped.
  const started: DaemonProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((d) => d.proc.stop()));
  });

  it.each(FILES)("%s", async (file) => {
    const want = profileOf(file).expect!;
    const daemon = await startDaemonProcess({ modems: 1, extraArgs: ["--simulate-profile", join(DEVICES, file)] });
    started.push(daemon);
    try {
      // Wait for the port to leave probing, then for its identity to be known.
      const port = await waitFor(
        "the replayed port to be identified",
        async () => {
          const ports: any[] = (await daemon.status()).ports;
          const p = ports[0];
          return p && p.state !== "probing" && p.state !== "absent" ? p : undefined;
        },
        60_000,
      );
      // The home network comes from the captured IMSI, the model from the captured AT+CGMI/AT+CGMM.
      expect([port.mcc, port.mnc]).toEqual([want["mcc"], want["mnc"]]);
      expect(port.model).toContain(want["model"]);
      expect(port.iccid).toBe(want["iccid"]);
      expect(port.number).toBe(want["number"]);
      // The capture knows no ICCID, registration or own number: the port must not be sold.
      const sellable = want["iccid"] !== null && want["number"] !== null && ["home", "roaming"].includes(String(want["registration"]));
      expect(port.state === "ready").toBe(sellable);
      expect(port.state).not.toBe("unresponsive");
    } finally {
      expect(await daemon.proc.stop()).toBe(0);
    }
  }, 120_000);
});
