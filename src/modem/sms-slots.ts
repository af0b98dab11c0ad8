/**
 * Which storage slots the SMS receiver is working on (read → hand-off → delete), and what
 * the modem said about them meanwhile.
 *
 * Why an indication for a held slot is queued and not dropped: a module stores a new SMS
 * in the lowest free slot, which is often the one we are deleting, and writes its
 * `+CMTI` right behind the OK of that `AT+CMGD`, in the same read. The URC is handled
 * while the delete still holds the slot; dropping it left the new SMS for the periodic
 * sweep, up to a minute later (issue 14: 13 of 150 SMS waited up to 55 s). So the
 * indication is remembered on the claim, and the holder reads the slot again as soon as
 * it has released it — after its delete, when the slot may hold the new message. The
 * only exception is a holder that knows the slot still holds the SMS it read (its
 * hand-off failed): then the indication is about that SMS, and the retry sweep takes it.
 *
 * Slots are keyed "<memory>:<index>": the same index in SM and ME are different SMS.
 */

export const slotKey = (memory: string, index: number): string => `${memory}:${index}`;

interface Claim {
  /** An indication for this slot came in while it was held. */
  indicatedAgain: boolean;
  /** The holder left the SMS it read in the slot: the slot cannot hold a new one. */
  kept: boolean;
}

export class SlotClaims {
  readonly #held = new Map<string, Claim>();
  /**
   * Indicated slots no read has started for. Only a lost indication stays here until a
   * sweep lists the slot: the sweep then reports it, because it means a bug.
   */
  readonly #unread = new Set<string>();

  /** The modem indicated this slot (`+CMTI`/`+CDSI`). Call before claiming it. */
  indicated(key: string): void {
    this.#unread.add(key);
  }

  /**
   * Take an indicated slot to read it. False when it is held: the indication is queued on
   * the claim and `release` says to read the slot again.
   */
  claimForIndication(key: string): boolean {
    const held = this.#held.get(key);
    if (held) {
      held.indicatedAgain = true;
      return false;
    }
    this.#held.set(key, { indicatedAgain: false, kept: false });
    this.#unread.delete(key);
    return true;
  }

  /**
   * Take a slot a sweep listed. `missedIndication`: the slot was indicated and no read of
   * it ever started, i.e. the indication was lost.
   */
  claimForSweep(key: string): { claimed: boolean; missedIndication: boolean } {
    if (this.#held.has(key)) return { claimed: false, missedIndication: false };
    const missedIndication = this.#unread.delete(key);
    this.#held.set(key, { indicatedAgain: false, kept: false });
    return { claimed: true, missedIndication };
  }

  /**
   * The holder leaves the SMS it read where it is (hand-off failed, or not a received
   * message): the slot cannot take a new one, so an indication for it meanwhile is about
   * that SMS. Anything else (deleted, found empty, unreadable) may leave room for a new one.
   */
  kept(key: string): void {
    const held = this.#held.get(key);
    if (held) held.kept = true;
  }

  /**
   * The holder is done. True: an indication came in meanwhile and the slot may hold a new
   * SMS, so the caller keeps the claim and reads the slot again now. When the holder kept
   * the SMS in the slot, the indication was about it: the retry sweep the failure
   * scheduled takes it.
   */
  release(key: string): boolean {
    const held = this.#held.get(key);
    if (!held) return false;
    if (held.indicatedAgain) this.#unread.delete(key);
    if (held.indicatedAgain && !held.kept) {
      held.indicatedAgain = false;
      return true;
    }
    this.#held.delete(key);
    return false;
  }

  has(key: string): boolean {
    return this.#held.has(key);
  }
}
