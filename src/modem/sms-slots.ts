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
  /**
   * The SMS the holder took is known: it had an indication, or an earlier holder saw it and
   * left it in the slot. Only an unknown SMS a sweep finds is news of a lost indication.
   */
  known: boolean;
  /** An indication for this slot came in while it was held. */
  indicatedAgain: boolean;
  /** The holder left the SMS it read in the slot: the slot cannot hold a new one. */
  kept: boolean;
  /** The holder saw the slot empty: its SMS deleted, or none there. */
  emptied: boolean;
}

const fresh = (known: boolean): Claim => ({ known, indicatedAgain: false, kept: false, emptied: false });

export class SlotClaims {
  readonly #held = new Map<string, Claim>();
  /**
   * Indicated slots no read has started for. Only a lost indication stays here until a
   * sweep lists the slot: the sweep then reports it, because it means a bug.
   */
  readonly #unread = new Set<string>();
  /**
   * Slots let go with their SMS still there (read or hand-off failed, kept): a sweep that
   * finds it again finds an SMS already known, whether or not it ever had an indication
   * (the first sweep's finds had none), so that is no news of a lost indication.
   */
  readonly #leftStored = new Set<string>();

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
    this.#held.set(key, fresh(true));
    this.#unread.delete(key);
    this.#leftStored.delete(key);
    return true;
  }

  /**
   * Take a slot a sweep listed. `missedIndication`: the slot was indicated and no read of
   * it ever started, i.e. the indication was lost.
   */
  claimForSweep(key: string): { claimed: boolean; missedIndication: boolean } {
    if (this.#held.has(key)) return { claimed: false, missedIndication: false };
    const missedIndication = this.#unread.delete(key);
    const seenBefore = this.#leftStored.delete(key);
    this.#held.set(key, fresh(missedIndication || seenBefore));
    return { claimed: true, missedIndication };
  }

  /**
   * The SMS the holder took is new and never had an indication: not when it was stored, not
   * while it was held (a `+CMTI` can come right behind the listing that found it). Ask
   * before release. A sweep that finds such an SMS has found a module that stopped indicating.
   */
  unindicated(key: string): boolean {
    const held = this.#held.get(key);
    return held !== undefined && !held.known && !held.indicatedAgain;
  }

  /** The holder saw the slot empty (it deleted the SMS, or there was none). */
  emptied(key: string): void {
    const held = this.#held.get(key);
    if (held) held.emptied = true;
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
      // Read again: whatever is in the slot now came with that indication.
      Object.assign(held, fresh(true));
      return true;
    }
    if (!held.emptied) this.#leftStored.add(key);
    this.#held.delete(key);
    return false;
  }

  has(key: string): boolean {
    return this.#held.has(key);
  }
}
