/**
 * Remembers which ICCIDs each number was seen under, so a number that turns up under a
 * second ICCID is flagged (docs/sim-banks.md#what-goes-wrong).
 */
export class NumberWitness {
  readonly #iccidsByNumber = new Map<string, Set<string>>();

  /** Record `number` under `iccid`; returns the other ICCIDs seen with that number. */
  see(number: string, iccid: string): string[] {
    const key = number.replace(/^\+/, "");
    let iccids = this.#iccidsByNumber.get(key);
    if (!iccids) {
      iccids = new Set();
      this.#iccidsByNumber.set(key, iccids);
    }
    iccids.add(iccid);
    return [...iccids].filter((i) => i !== iccid).sort();
  }
}
