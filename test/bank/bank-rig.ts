/** A simulated bank on real pseudo-terminals with a BoardSlotSwitch talking to it through AtChannels. */
import { AtChannel } from "../../src/at/index.js";
import { BoardSlotSwitch, type SlotAddress, type SlotDirectory, type SwitchTiming } from "../../src/bank/index.js";
import type { SimulatedBank } from "../../src/sim/bank/simulated-bank.js";
import { startSimulatedBank, type SimulatedBankOnPtys } from "../../src/sim/bank/start-bank.js";
import { openBytePort } from "../../src/transport/serial-port.js";

/** Fast timings for tests: the simulator's delays are milliseconds, so are the driver's waits. */
export const FAST_TIMING: Partial<SwitchTiming> = {
  applyMs: 60,
  boardAnswerMs: 1_000,
  gapBetweenSwitchesMs: 0,
  resetTimeoutMs: 5_000,
  registerTimeoutMs: 3_000,
  pollMs: 100,
  commandTimeoutMs: 1_000,
};

/** The directory an inventory would give: the ICCID each slot was loaded with. */
export function directoryOf(bank: SimulatedBank): SlotDirectory {
  const byIccid = new Map<string, SlotAddress>();
  for (let module = 1; module <= bank.moduleCount; module++) {
    for (let slot = 1; slot <= bank.slotCount; slot++) byIccid.set(bank.card(module, slot).profile.iccid, { module, slot });
  }
  return {
    expectedIccid: ({ module, slot }) => (module <= bank.moduleCount && slot <= bank.slotCount ? bank.card(module, slot).profile.iccid : undefined),
    slotOf: (iccid) => byIccid.get(iccid),
  };
}

export interface BankRig {
  sim: SimulatedBankOnPtys;
  bank: SimulatedBank;
  board: BoardSlotSwitch;
  /** The driver's side of the control port. */
  control: AtChannel;
  close(): Promise<void>;
}

export async function startBankRig(modules: number, slots: number, seed: number, timing: Partial<SwitchTiming> = {}): Promise<BankRig> {
  const sim = await startSimulatedBank({ modules, slots, seed, switchDelayMs: 30, registerDelayMs: 40, modem: { resetMs: 40 } });
  const channels: AtChannel[] = [];
  try {
    const control = new AtChannel(await openBytePort({ path: sim.controlPath }), { resyncAtOpen: false });
    channels.push(control);
    for (const path of sim.modulePaths) channels.push(new AtChannel(await openBytePort({ path })));
  } catch (err) {
    await Promise.all(channels.map((c) => c.close()));
    await sim.close();
    throw err;
  }
  const [control, ...moduleLines] = channels;
  const board = new BoardSlotSwitch({
    control: control!,
    modules: moduleLines,
    slotsPerModule: slots,
    directory: directoryOf(sim.bank),
    timing: { ...FAST_TIMING, ...timing },
  });
  return {
    sim,
    bank: sim.bank,
    board,
    control: control!,
    close: async () => {
      await Promise.all(channels.map((c) => c.close()));
      await sim.close();
    },
  };
}
