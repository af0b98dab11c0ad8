/**
 * `simgate simulate --bank MxS`: a simulated SIM bank on pseudo-terminals, a control port
 * that answers AT+SWIT and M module ports (docs/sim-banks.md#the-simulated-bank).
 */
import { startSimulatedBank } from "../../sim/bank/start-bank.js";
import { MAX_BANK_MODULES, MAX_BANK_SLOTS } from "../../sim/bank/simulated-bank.js";
import { EXIT_FAILURE, type CliCommand } from "../io.js";
import { oneLineError, table } from "../format.js";

export interface BankLayout {
  modules: number;
  slots: number;
}

/** "8x4" → 8 modules × 4 slots; a message for anything else. */
export function parseBankLayout(raw: string): BankLayout | string {
  const m = /^(\d+)x(\d+)$/i.exec(raw.trim());
  const modules = Number(m?.[1]);
  const slots = Number(m?.[2]);
  if (!m || modules < 1 || modules > MAX_BANK_MODULES || slots < 1 || slots > MAX_BANK_SLOTS) {
    return `--bank must be MxS with 1..${MAX_BANK_MODULES} modules and 1..${MAX_BANK_SLOTS} slots, got '${raw}'`;
  }
  return { modules, slots };
}

export interface SimulateBankOptions extends BankLayout {
  seed: string;
  switchMs: number;
  json: boolean;
  dir: string | undefined;
}

export interface BankPortLine {
  role: "control" | "module";
  path: string;
  module: number | null;
  slot: number | null;
  iccid: string | null;
  msisdn: string | null;
}

export async function simulateBank(options: SimulateBankOptions, io: Parameters<CliCommand>[1]): Promise<number> {
  let sim;
  try {
    sim = await startSimulatedBank({
      modules: options.modules,
      slots: options.slots,
      seed: options.seed,
      switchDelayMs: options.switchMs,
      ...(options.dir === undefined ? {} : { dir: options.dir }),
    });
  } catch (err) {
    io.stderr.write(`simgate simulate: ${oneLineError(err)}\n`);
    return EXIT_FAILURE;
  }
  const stopped = io.untilStopped();
  try {
    const lines: BankPortLine[] = [
      { role: "control", path: sim.controlPath, module: null, slot: null, iccid: null, msisdn: null },
      ...sim.modulePaths.map((path, i) => {
        const truth = sim.bank.truth(i + 1);
        return { role: "module" as const, path, module: i + 1, slot: truth.slot, iccid: truth.iccid, msisdn: sim.bank.card(i + 1, truth.slot).profile.msisdn };
      }),
    ];
    if (options.json) io.stdout.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    else {
      io.stdout.write(table(["role", "path", "module", "slot", "iccid", "msisdn"], lines.map((l) => [l.role, l.path, l.module, l.slot, l.iccid, l.msisdn])));
      io.stderr.write(
        `simulated bank: ${options.modules} module(s) x ${options.slots} slot(s); switch with AT+SWIT<pp>-<ssss> on the control port (${options.switchMs} ms); Ctrl-C to stop.\n`,
      );
    }
    await stopped;
    return 0;
  } finally {
    await sim.close();
  }
}
