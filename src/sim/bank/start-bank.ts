/**
 * A simulated bank on real pseudo-terminals: the control port at DIR/bank-control and
 * the modules at DIR/modem0…, each a link any program can open.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PtyAttachment } from "../pty/pty-attachment.js";
import { PtyHost } from "../pty/pty-host-client.js";
import { SimulatedBank, type SimulatedBankOptions } from "./simulated-bank.js";

export interface SimulatedBankOnPtys {
  bank: SimulatedBank;
  controlPath: string;
  /** Index m-1 is module m. */
  modulePaths: string[];
  dir: string;
  close(): Promise<void>;
}

export async function startSimulatedBank(options: SimulatedBankOptions & { dir?: string }): Promise<SimulatedBankOnPtys> {
  const bank = new SimulatedBank(options);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `simgate-bank-${process.pid}-`));
  const host = PtyHost.start();
  const attachments: PtyAttachment[] = [];
  const close = async () => {
    await Promise.all(attachments.map((a) => a.close()));
    bank.close();
    await host.close();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const controlPath = join(dir, "bank-control");
    attachments.push(await PtyAttachment.attach(host, bank.control, controlPath));
    const modulePaths: string[] = [];
    for (const [i, modem] of bank.modems.entries()) {
      const path = join(dir, `modem${i}`);
      attachments.push(await PtyAttachment.attach(host, modem, path));
      modulePaths.push(path);
    }
    return { bank, controlPath, modulePaths, dir, close };
  } catch (err) {
    await close();
    throw err;
  }
}
