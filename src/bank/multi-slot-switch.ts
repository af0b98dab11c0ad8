/**
 * A module with two SIM slots switched by AT (docs/sim-banks.md#multi-slot-modules):
 * `AT+CSUS`, `AT+QUIMSLOT` or `AT+SMSIMCFG`, then the module re-reads the SIM by itself
 * (+CPIN NOT READY → READY, +QUSIM on Quectel) and registers again.
 */
import { selectSlotCommand, type MultiSlotFamily } from "../../drivers/bank/index.js";
import { radioOff, readIccid, waitSimAndNetwork, type ModuleLine } from "./module-reader.js";
import { NumberWitness } from "./number-witness.js";
import { readSeatedFlagged } from "./seated-reader.js";
import type { ParkOutcome, SeatedSim, SlotAddress, SlotDirectory, SlotSwitch, SwitchOutcome } from "./slot-switch.js";
import { DEFAULT_SWITCH_TIMING, type SwitchTiming } from "./switch-timing.js";
import { judgeSwitch } from "./verdict.js";

export interface MultiSlotModule {
  line: ModuleLine;
  family: MultiSlotFamily;
  slots: number;
}

export interface MultiSlotSwitchOptions {
  modules: readonly MultiSlotModule[];
  directory: SlotDirectory;
  timing?: Partial<SwitchTiming>;
}

export class MultiSlotSwitch implements SlotSwitch {
  readonly #o: MultiSlotSwitchOptions;
  readonly #t: SwitchTiming;
  readonly #witness = new NumberWitness();
  readonly #requested = new Map<number, number>();

  constructor(options: MultiSlotSwitchOptions) {
    this.#o = options;
    this.#t = { ...DEFAULT_SWITCH_TIMING, ...options.timing };
  }

  async select(module: number, slot: number): Promise<SwitchOutcome> {
    const started = Date.now();
    const address: SlotAddress = { module, slot };
    const m = this.#o.modules[module - 1];
    if (!m || !Number.isInteger(slot) || slot < 1 || slot > m.slots) {
      return { status: "failed", reason: "bad-address", address, detail: `no module ${module} slot ${slot}`, seated: null, durationMs: 0 };
    }
    const t = this.#t;
    const before = await readIccid(m.line, t.commandTimeoutMs);
    try {
      await m.line.run({ text: selectSlotCommand(m.family, slot), timeoutMs: t.commandTimeoutMs });
    } catch (err) {
      return { status: "failed", reason: "refused", address, detail: `${selectSlotCommand(m.family, slot)}: ${err instanceof Error ? err.message : String(err)}`, seated: null, durationMs: Date.now() - started };
    }
    this.#requested.set(module, slot);
    await waitSimAndNetwork(m.line, { timeoutMs: t.registerTimeoutMs, pollMs: t.pollMs }, t.commandTimeoutMs);
    const after = await readSeatedFlagged(m.line, module, slot, t.commandTimeoutMs, this.#witness);
    return judgeSwitch({ address, before, after, directory: this.#o.directory, durationMs: Date.now() - started });
  }

  async seated(module: number): Promise<SeatedSim> {
    const m = this.#o.modules[module - 1];
    if (!m) throw new RangeError(`no module ${module}`);
    return readSeatedFlagged(m.line, module, this.#requested.get(module) ?? null, this.#t.commandTimeoutMs, this.#witness);
  }

  async park(module: number): Promise<ParkOutcome> {
    const m = this.#o.modules[module - 1];
    if (!m) throw new RangeError(`no module ${module}`);
    this.#requested.delete(module);
    return radioOff(m.line, module, this.#t.commandTimeoutMs);
  }
}
