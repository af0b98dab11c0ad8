/**
 * What goes wrong in a SIM bank, as switches a test flips (docs/sim-banks.md#what-goes-wrong):
 * a switch that silently does not happen, one that seats the wrong SIM, a dead slot, a
 * module that shows the new SIM only after a reset, a board that never answers.
 * Duplicate numbers are a property of the SIMs: see `SimulatedBank.giveSameNumber`.
 */
const key = (module: number, slot: number) => `${module}:${slot}`;

export class BankFaults {
  /** The board takes AT+SWIT and says nothing (some boards never answer OK). */
  boardSilent = false;
  readonly #skips = new Map<number, number>();
  readonly #wrong = new Map<number, number>();
  readonly #dead = new Set<string>();
  readonly #needsReset = new Set<number>();

  /** The next `count` switches of `module` answer OK and change nothing. */
  skipNextSwitch(module: number, count = 1): void {
    this.#skips.set(module, (this.#skips.get(module) ?? 0) + count);
  }

  /** The next switch of `module` seats `slot` instead of the one asked for. */
  seatWrongOnNextSwitch(module: number, slot: number): void {
    this.#wrong.set(module, slot);
  }

  /** The slot's contacts are dead: switching to it leaves the module with no SIM. */
  killSlot(module: number, slot: number): void {
    this.#dead.add(key(module, slot));
  }

  /** After a switch, `module` keeps reporting no SIM until it is reset (AT+CFUN=1,1). */
  requireResetAfterSwitch(module: number, on = true): void {
    if (on) this.#needsReset.add(module);
    else this.#needsReset.delete(module);
  }

  clear(): void {
    this.boardSilent = false;
    this.#skips.clear();
    this.#wrong.clear();
    this.#dead.clear();
    this.#needsReset.clear();
  }

  /** @internal Consumes one skip. */
  takeSkip(module: number): boolean {
    const n = this.#skips.get(module) ?? 0;
    if (n <= 0) return false;
    if (n === 1) this.#skips.delete(module);
    else this.#skips.set(module, n - 1);
    return true;
  }

  /** @internal Consumes the wrong-slot fault. */
  takeWrongSlot(module: number): number | undefined {
    const slot = this.#wrong.get(module);
    this.#wrong.delete(module);
    return slot;
  }

  isDead(module: number, slot: number): boolean {
    return this.#dead.has(key(module, slot));
  }

  needsReset(module: number): boolean {
    return this.#needsReset.has(module);
  }
}
