/**
 * A SIM bank: M modules, S slots per module, each slot its own SIM card, and a board
 * that moves a slot in front of a module when its control port says so
 * (docs/sim-banks.md#sim-bank-boards). The switch takes `switchDelayMs` (about 10 s on
 * real relays); then the module loses its SIM (+CPIN URCs, registration lost), gets the
 * new card, and registers again after `registerDelayMs`.
 */
import { BankFaults } from "./bank-faults.js";
import { BankControlPort, type SwitchRequestSink } from "./control-port.js";
import { generateProfile, type SimDialect } from "../profile.js";
import { createRng, seedFrom } from "../rng.js";
import { SimCard } from "../sim-card.js";
import { SimulatedModem, type SimulatedModemOptions } from "../simulated-modem.js";
import { SimgateError, ErrorCode } from "../../errors.js";

export interface SimulatedBankOptions {
  modules: number;
  slots: number;
  seed: string | number;
  /** Relay time from AT+SWIT to the new SIM at the module. Default 10 000 ms. */
  switchDelayMs?: number;
  /** From the new SIM to registration. Default 1 500 ms. */
  registerDelayMs?: number;
  /** The modules' family; default simcom (SIM800-class UART modules, as in the common boards). */
  dialect?: SimDialect;
  modem?: SimulatedModemOptions;
}

/** What is really in front of a module, for tests to compare with what a driver reports. */
export interface BankTruth {
  /** The slot the board last moved there (slot 1 at power-on). */
  slot: number;
  /** The ICCID the module can read right now; null with no SIM (dead slot, or waiting for a reset). */
  iccid: string | null;
}

export const MAX_BANK_MODULES = 99;
export const MAX_BANK_SLOTS = 9999;

export class SimulatedBank implements SwitchRequestSink {
  readonly modems: SimulatedModem[];
  readonly control: BankControlPort;
  readonly faults = new BankFaults();
  readonly moduleCount: number;
  readonly slotCount: number;
  /** Switches the board carried out (module, asked slot, seated slot, when), oldest first. */
  readonly switches: { module: number; asked: number; seated: number | null; atMs: number }[] = [];
  readonly #cards: SimCard[][];
  readonly #seatedSlot: number[];
  readonly #pendingAfterReset = new Map<number, SimCard>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #switchDelayMs: number;
  readonly #registerDelayMs: number;

  constructor(options: SimulatedBankOptions) {
    const { modules, slots } = options;
    if (!Number.isInteger(modules) || modules < 1 || modules > MAX_BANK_MODULES) {
      throw new SimgateError(`bank modules must be an integer 1..${MAX_BANK_MODULES}, got ${modules}`, ErrorCode.SimulatorBadOption);
    }
    if (!Number.isInteger(slots) || slots < 1 || slots > MAX_BANK_SLOTS) {
      throw new SimgateError(`bank slots must be an integer 1..${MAX_BANK_SLOTS}, got ${slots}`, ErrorCode.SimulatorBadOption);
    }
    this.moduleCount = modules;
    this.slotCount = slots;
    this.#switchDelayMs = options.switchDelayMs ?? 10_000;
    this.#registerDelayMs = options.registerDelayMs ?? 1_500;
    const dialect = options.dialect ?? "simcom";
    const base = seedFrom(options.seed);
    this.#cards = [];
    this.modems = [];
    for (let m = 0; m < modules; m++) {
      const rng = createRng((base ^ Math.imul(m + 1, 0x9e3779b1)) >>> 0);
      const profile = generateProfile(dialect, rng, { noNumberRatio: 0 });
      // Every SIM of a bank knows its number here: banks are loaded with numbers the owner sells.
      const cards = Array.from({ length: slots }, () => new SimCard(generateProfile(dialect, rng, { noNumberRatio: 0 }).sim));
      const modem = new SimulatedModem(profile, options.modem);
      modem.insertSim(cards[0]);
      this.#cards.push(cards);
      this.modems.push(modem);
    }
    this.#seatedSlot = Array.from({ length: modules }, () => 1);
    this.control = new BankControlPort(this);
    this.modems.forEach((modem, i) => modem.activity.on("executed", (line) => this.#onModuleCommand(i + 1, line)));
  }

  get answersSwitch(): boolean {
    return !this.faults.boardSilent;
  }

  /** The card in a slot (1-based module and slot). */
  card(module: number, slot: number): SimCard {
    const card = this.#cards[module - 1]?.[slot - 1];
    if (!card) throw new RangeError(`no slot ${module}/${slot} in a ${this.moduleCount}x${this.slotCount} bank`);
    return card;
  }

  truth(module: number): BankTruth {
    const modem = this.modems[module - 1];
    if (!modem) throw new RangeError(`no module ${module}`);
    return { slot: this.#seatedSlot[module - 1] ?? 1, iccid: modem.sim?.profile.iccid ?? null };
  }

  /** Give the SIM in one slot the number of another slot's SIM (a re-issued or cloned card). */
  giveSameNumber(module: number, slot: number, as: { module: number; slot: number }): void {
    const target = this.card(module, slot).profile;
    const source = this.card(as.module, as.slot).profile;
    target.msisdn = source.msisdn;
    target.subscriberNumber = source.subscriberNumber;
  }

  /** The control port asked for a switch: it happens after the relay time. */
  requestSwitch(module: number, slot: number): void {
    this.#schedule(this.#switchDelayMs, () => this.#apply(module, slot));
  }

  close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.control.close();
    for (const m of this.modems) m.close();
  }

  #apply(module: number, asked: number): void {
    const atMs = Date.now();
    if (this.faults.takeSkip(module)) {
      this.switches.push({ module, asked, seated: null, atMs });
      return;
    }
    const slot = this.faults.takeWrongSlot(module) ?? asked;
    const modem = this.modems[module - 1];
    if (!modem) return;
    this.switches.push({ module, asked, seated: slot, atMs });
    this.#seatedSlot[module - 1] = slot;
    this.#pendingAfterReset.delete(module);
    modem.pullSim();
    modem.setRegistration(2);
    if (this.faults.isDead(module, slot)) return;
    const card = this.card(module, slot);
    if (this.faults.needsReset(module)) {
      this.#pendingAfterReset.set(module, card);
      return;
    }
    this.#seat(modem, card);
  }

  #seat(modem: SimulatedModem, card: SimCard): void {
    modem.insertSim(card);
    this.#schedule(this.#registerDelayMs, () => {
      if (modem.sim === card) modem.setRegistration(1);
    });
  }

  /** A module that needed a reset gets its SIM when the host resets it. */
  #onModuleCommand(module: number, line: string): void {
    if (!/^AT\+CFUN=1,1$/i.test(line.trim())) return;
    const card = this.#pendingAfterReset.get(module);
    const modem = this.modems[module - 1];
    if (!card || !modem) return;
    this.#pendingAfterReset.delete(module);
    this.#seat(modem, card);
  }

  #schedule(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }
}
