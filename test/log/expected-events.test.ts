/**
 * What happens on a rack every day must not read like a failure in the journal: a SIM
 * pulled and a modem unplugged are warn or info, one readable line each, with no stack
 * trace. The real daemon in journal mode on simulated modems, the faults injected through
 * its simulator control.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

describe("expected rack events in the journal", () => {
  let daemon: DaemonProcess | undefined;
  afterAll(async () => {
    await daemon?.proc.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("a pulled SIM and an unplugged modem: warn or info, one line each, no stack", async () => {
    daemon = await startDaemonProcess({ modems: 3, seed: "3", env: { SIMGATE_LOG_FORMAT: "journal", SIMGATE_LOG_LEVEL: "" } });
    let out = "";
    daemon.proc.child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const ports = await waitSettled(daemon, 3);
    const [pulled, unplugged] = [ports[1].id as string, ports[2].id as string];
    const name = (id: string) => id.slice(id.lastIndexOf("/") + 1);
    expect((await daemon.adminPost(`/api/simulator/ports/${name(pulled)}/pull-sim`, {})).status).toBe(200);
    expect((await daemon.adminPost(`/api/simulator/ports/${name(unplugged)}/unplug`, {})).status).toBe(200);
    await waitFor("the SIM noticed gone and the port removed", () => (/SIM left port=\S+/.test(out) && /port gone port=\S+/.test(out)) || undefined, 60_000, 100);
    await daemon.proc.stop();
    const about = out.split("\n").filter((l) => l.includes(`port=${pulled} `) || l.includes(`port=${unplugged} `));
    expect(about.length).toBeGreaterThan(2);
    for (const line of about) {
      expect(line, line).toMatch(/^<[4-7]>/);
      expect(line, line).not.toMatch(/stack|\n/);
    }
    expect(about.some((l) => l.startsWith(`<4>SIM left port=${pulled} `))).toBe(true);
    expect(about.some((l) => l.startsWith(`<4>port gone port=${unplugged} `))).toBe(true);
  }, 120_000);
});
