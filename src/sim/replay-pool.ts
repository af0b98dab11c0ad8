/**
 * N copies of one captured device (replay-modem.ts), attached in-process or on real
 * pseudo-terminals (links modem0, modem1, … like the simulated pool), for
 * `simgate simulate --profile FILE` and `simgate run --simulate-profile FILE`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedBinding } from "./binding.js";
import { PtyAttachment } from "./pty/pty-attachment.js";
import { PtyHost } from "./pty/pty-host-client.js";
import { ReplayModem } from "./replay-modem.js";
import type { ReplayProfile } from "./replay-profile.js";

export interface ReplayPoolOptions {
  profile: ReplayProfile;
  count: number;
  attach: "pty" | "in-process";
  /** pty: directory for the links (default: a fresh one under os.tmpdir(), removed on close). */
  dir?: string;
}

export interface ReplayPool {
  modems: { path: string; modem: ReplayModem }[];
  binding?: SimulatedBinding;
  dir?: string;
  close(): Promise<void>;
}

export async function startReplayPool(options: ReplayPoolOptions): Promise<ReplayPool> {
  const modems = Array.from({ length: options.count }, () => new ReplayModem(options.profile));
  if (options.attach === "in-process") {
    const binding = new SimulatedBinding();
    const entries = modems.map((modem, i) => {
      const path = `/sim/replay${i}`;
      binding.attach(path, modem, { locationId: `1-1.${i + 1}` });
      return { path, modem };
    });
    return {
      modems: entries,
      binding,
      close: async () => {
        for (const e of entries) {
          binding.detach(e.path);
          e.modem.close();
        }
      },
    };
  }
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `simgate-replay-${process.pid}-`));
  const host = PtyHost.start();
  const entries: { path: string; modem: ReplayModem; pty: PtyAttachment }[] = [];
  const close = async () => {
    await Promise.all(entries.map((e) => e.pty.close()));
    for (const m of modems) m.close();
    await host.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, modem] of modems.entries()) {
      const path = join(dir, `modem${i}`);
      entries.push({ path, modem, pty: await PtyAttachment.attach(host, modem, path) });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { modems: entries, dir, close };
}
