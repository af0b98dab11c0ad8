/**
 * Does the module answer? A command still without its final result `thresholdMs` after
 * it was written means "no": the owner hears `answering(false)` at that moment, long
 * before the command's own timeout (seconds earlier), so the port can leave the offers
 * at once. Only a PROMPT answer (a final result within the threshold) means "yes" again:
 * a module that answers every command too slowly stays "not answering" instead of
 * flapping in and out of sale with each late reply.
 *
 * Commands that asked for more time than the channel's default (USSD, PIN entry, a full
 * `+CMGL` list) are slow by design: they are not held to the threshold, only to their own
 * timeout, but a quick answer to one still counts as an answer.
 */

export class AnswerWatch {
  readonly #thresholdMs: number;
  readonly #onChange: (answering: boolean) => void;
  #answering = true;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(thresholdMs: number, onChange: (answering: boolean) => void) {
    this.#thresholdMs = thresholdMs;
    this.#onChange = onChange;
  }

  get answering(): boolean {
    return this.#answering;
  }

  get thresholdMs(): number {
    return this.#thresholdMs;
  }

  /** A command went on the wire. `slowByDesign`: held to its own timeout only. */
  written(slowByDesign: boolean): void {
    this.#disarm();
    if (slowByDesign || !this.#answering) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#set(false);
    }, this.#thresholdMs);
    this.#timer.unref?.();
  }

  /** The command got a final result (OK or an error: both are answers) after `durationMs`. */
  answered(durationMs: number): void {
    this.#disarm();
    if (durationMs <= this.#thresholdMs) this.#set(true);
  }

  /** The command timed out: no answer at all (also when its timeout is shorter than the threshold). */
  timedOut(): void {
    this.#disarm();
    this.#set(false);
  }

  /** The command ended without telling us anything about the module (port closed). */
  abandoned(): void {
    this.#disarm();
  }

  dispose(): void {
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #set(answering: boolean): void {
    if (answering === this.#answering) return;
    this.#answering = answering;
    this.#onChange(answering);
  }
}
