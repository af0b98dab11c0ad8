/**
 * Start N simulated modems, attached in-process (SimulatedBinding) or on real
 * pseudo-terminals (one pty-host.py for the whole pool, symlinks modem0, modem1, …).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimulatedBinding } from "./binding.js";
import { getDialect } from "./dialects/index.js";
import { generatePool, type PoolDialect, type PoolVariation, type SimModemProfile } from "./profile.js";
import { PtyAttachment } from "./pty/pty-attachment.js";
import { PtyHost } from "./pty/pty-host-client.js";
import { SimulatedModem, type SimulatedModemOptions } from "./simulated-modem.js";

export interface SimulatedPoolOptions extends PoolVariation {
  count: number;
  dialect: PoolDialect;
  seed: string | number;
  attach: "pty" | "in-process";
  /** pty: directory for the links (default: a fresh one under os.tmpdir(), removed on close). */
  dir?: string;
  /** Use these profiles instead of generating them (count/dialect/seed are then ignored). */
  profiles?: SimModemProfile[];
  modem?: SimulatedModemOptions;
}

export interface SimulatedPoolModem {
  /** What to open: the symlink (pty) or the binding path (in-process). */
  path: string;
  profile: SimModemProfile;
  modem: SimulatedModem;
  /** pty only: the live attachment (slave path, settled()). */
  pty?: PtyAttachment;
}

export interface SimulatedPool {
  modems: SimulatedPoolModem[];
  /** in-process only: pass it to openBytePort. */
  binding?: SimulatedBinding;
  /** pty only: where the links are, and the helper's pid. */
  dir?: string;
  ptyHostPid?: number;
  close(): Promise<void>;
}

export async function startSimulatedPool(options: SimulatedPoolOptions): Promise<SimulatedPool> {
  const profiles = options.profiles ?? generatePool(options);
  const modems = profiles.map((p) => new SimulatedModem(p, options.modem));
  return options.attach === "in-process" ? inProcess(profiles, modems) : onPtys(profiles, modems, options.dir);
}

function inProcess(profiles: SimModemProfile[], modems: SimulatedModem[]): SimulatedPool {
  const binding = new SimulatedBinding();
  const entries = modems.map((modem, i) => {
    const path = `/sim/modem${i}`;
    binding.attach(path, modem, portInfo(profiles[i] as SimModemProfile, i));
    return { path, profile: profiles[i] as SimModemProfile, modem };
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

async function onPtys(profiles: SimModemProfile[], modems: SimulatedModem[], dir: string | undefined): Promise<SimulatedPool> {
  const ownDir = dir === undefined;
  const linkDir = dir ?? mkdtempSync(join(tmpdir(), `simgate-sim-${process.pid}-`));
  const host = PtyHost.start();
  const entries: SimulatedPoolModem[] = [];
  const close = async () => {
    await Promise.all(entries.map((e) => e.pty?.close()));
    for (const m of modems) m.close();
    await host.close();
    if (ownDir) rmSync(linkDir, { recursive: true, force: true });
  };
  try {
    for (const [i, modem] of modems.entries()) {
      const path = join(linkDir, `modem${i}`);
      const pty = await PtyAttachment.attach(host, modem, path);
      entries.push({ path, profile: profiles[i] as SimModemProfile, modem, pty });
    }
  } catch (err) {
    await close();
    throw err;
  }
  const pool: SimulatedPool = { modems: entries, dir: linkDir, close };
  if (host.pid !== undefined) pool.ptyHostPid = host.pid;
  return pool;
}

/** What list() shows for a simulated port: the dialect's USB ids and a by-path-like location. */
export function portInfo(profile: SimModemProfile, index: number) {
  const usb = getDialect(profile.dialect).usb;
  return {
    manufacturer: usb.manufacturer,
    vendorId: usb.vendorId,
    productId: usb.productId,
    serialNumber: profile.imei,
    locationId: `1-1.${index + 1}`,
    pnpId: `usb-${usb.manufacturer.replace(/\W+/g, "_")}_${profile.model}_${profile.imei}-if00-port0`,
  };
}
