/**
 * A SIM-bank board with a control serial port (docs/sim-banks.md#sim-bank-boards):
 * `AT+SWIT<port>-<slot>` on the control port, wait for the relay, reset the module,
 * wait for SIM and network, read back, judge.
 */
import type { AtChannel } from "../at/index.js";
import { boardSwitchCommand, classifyBoardAnswer } from "../../drivers/bank/index.js";
import { isModemGone, isSimgateError, ErrorCode } from "../errors.js";
import { radioOff, readIccid, waitAnswering, waitSimAndNetwork, type ModuleLine } from "./module-reader.js";
import { NumberWitness } from "./number-witness.js";
import { readSeatedFlagged } from "./seated-reader.js";
import type { ParkOutcome, SeatedSim, SlotAddress, SlotDirectory, SlotSwitch, SwitchOutcome } from "./slot-switch.js";
import { DEFAULT_SWITCH_TIMING, type SwitchTiming } from "./switch-timing.js";
import { judgeSwitch } from "./verdict.js";

export interface BoardSlotSwitchOptions {
  /** The board's control port. */
  control: Pick<AtChannel, "run">;
  /** Module n's AT line (index n-1 = logical port n on the board). */
  modules: readonly ModuleLine[];
  /** Slots per module port on the board. */
  slotsPerModule: number;
  directory: SlotDirectory;
  timing?: Partial<SwitchTiming>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class BoardSlotSwitch implements SlotSwitch {
  readonly #o: BoardSlotSwitchOptions;
  readonly #t: SwitchTiming;
  readonly #witness = new NumberWitness();
  readonly #requested = new Map<number, number>();
  /** Switch commands go out one at a time with a gap: the board's bus is shared. */
  #controlChain: Promise<unknown> = Promise.resolve();

  constructor(options: BoardSlotSwitchOptions) {
    this.#o = options;
    this.#t = { ...DEFAULT_SWITCH_TIMING, ...options.timing };
  }

  async select(module: number, slot: number): Promise<SwitchOutcome> {
    const started = Date.now();
    const address: SlotAddress = { module, slot };
    const line = this.#o.modules[module - 1];
    if (!line || !Number.isInteger(slot) || slot < 1 || slot > this.#o.slotsPerModule) {
      return { status: "failed", reason: "bad-address", address, detail: `no module ${module} slot ${slot} in a ${this.#o.modules.length}x${this.#o.slotsPerModule} bank`, seated: null, durationMs: 0 };
    }
    const t = this.#t;
    const before = await readIccid(line, t.commandTimeoutMs);
    let answer;
    try {
      answer = await this.#sendSwitch(module, slot);
    } catch (err) {
      if (!isModemGone(err)) throw err;
      return { status: "failed", reason: "switch-gone", address, detail: `the bank's control port is gone: ${err instanceof Error ? err.message : String(err)}`, seated: null, durationMs: Date.now() - started };
    }
    if (answer === "refused") {
      return { status: "failed", reason: "refused", address, detail: `the board refused ${boardSwitchCommand(module, slot)}`, seated: null, durationMs: Date.now() - started };
    }
    this.#requested.set(module, slot);
    await pause(t.applyMs);
    // The module keeps the old SIM's state until it restarts (docs/sim-banks.md#after-a-switch).
    await line.run({ text: "AT+CFUN=1,1", timeoutMs: t.commandTimeoutMs }).catch(() => undefined);
    if (!(await waitAnswering(line, { timeoutMs: t.resetTimeoutMs, pollMs: t.pollMs }, t.commandTimeoutMs))) {
      return { status: "failed", reason: "module-silent", address, detail: `module ${module} did not answer within ${t.resetTimeoutMs} ms of its reset`, seated: null, durationMs: Date.now() - started };
    }
    await waitSimAndNetwork(line, { timeoutMs: t.registerTimeoutMs, pollMs: t.pollMs }, t.commandTimeoutMs);
    const after = await readSeatedFlagged(line, module, slot, t.commandTimeoutMs, this.#witness);
    return judgeSwitch({ address, before, after, directory: this.#o.directory, durationMs: Date.now() - started });
  }

  async seated(module: number): Promise<SeatedSim> {
    const line = this.#o.modules[module - 1];
    if (!line) throw new RangeError(`no module ${module} in a bank of ${this.#o.modules.length}`);
    return readSeatedFlagged(line, module, this.#requested.get(module) ?? null, this.#t.commandTimeoutMs, this.#witness);
  }

  async park(module: number): Promise<ParkOutcome> {
    const line = this.#o.modules[module - 1];
    if (!line) throw new RangeError(`no module ${module} in a bank of ${this.#o.modules.length}`);
    this.#requested.delete(module);
    return radioOff(line, module, this.#t.commandTimeoutMs);
  }

  /** One AT+SWIT on the control port, after the previous one and its gap. */
  #sendSwitch(module: number, slot: number) {
    const send = async () => {
      let final: string | null;
      try {
        final = (await this.#o.control.run({ text: boardSwitchCommand(module, slot), timeoutMs: this.#t.boardAnswerMs, expectPrefix: "" })).final;
      } catch (err) {
        if (isSimgateError(err, ErrorCode.AtTimeout)) final = null;
        else if (isSimgateError(err, ErrorCode.AtError) || isSimgateError(err, ErrorCode.AtCmeError)) final = "ERROR";
        else throw err;
      }
      await pause(this.#t.gapBetweenSwitchesMs);
      return classifyBoardAnswer(final);
    };
    const result = this.#controlChain.then(send, send);
    this.#controlChain = result.catch(() => undefined);
    return result;
  }
}
