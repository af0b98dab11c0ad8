/**
 * What can be sold right now, in neutral terms: the SIM table built from a port-map
 * snapshot, grouped by home network, and the counts each marketplace may see, computed in
 * memory (no I/O on the request path: GET_SERVICES-style polls answer in well under a
 * millisecond at 2,048 SIMs × 50 services).
 *
 * Rules:
 *  1. Only SIMs usable at the same time: a present port whose SIM is `ready`, with a
 *     number, an ICCID and a home network. One port holds one SIM, so the counts can never
 *     exceed the live modules (a SIM bank with 512 cards behind 64 modules shows 64). Two
 *     ports reporting the same number or ICCID count once.
 *  2. A SIM in an open reservation, or proposed to an order in flight, is offered to nobody.
 *  3. A (number, service) pair burned for a marketplace (sold anywhere, or excluded there)
 *     is not counted for that marketplace's service.
 *  4. `reserveModules` idle SIMs (the most recently used) are held back from everyone.
 *  5. Each marketplace's share and headroom (policy.ts) then scale its own counts.
 */
import { regionsForMcc } from "../../drivers/generic/mcc-mnc.js";
import type { Logger } from "../log/logger.js";
import type { Holdings } from "./holdings.js";
import type { MarketId, ServiceId } from "./types.js";

/** The fields of a PortView (src/modem/port-map.ts) the core reads; a PortView fits. */
export interface PortInput {
  readonly id: string;
  readonly state: string;
  readonly present: boolean;
  readonly iccid: string | null;
  /** E.164 with "+". */
  readonly number: string | null;
  /** The SIM's home network. */
  readonly mcc: string | null;
  readonly mnc: string | null;
}

export interface SimEntry {
  /** E.164 digits, no "+". */
  number: string;
  iccid: string;
  portId: string;
  mcc: string;
  mnc: string;
  /** MCC+MNC. */
  network: string;
  /** ISO 3166-1 alpha-2 of the home network's country, upper case; null for an MCC we do not know. */
  country: string | null;
}

/** One network's counts for one marketplace, in the order of the services asked for. */
export interface NetworkOffer {
  network: string;
  mcc: string;
  mnc: string;
  country: string | null;
  counts: number[];
}

export class Inventory {
  /** number → SIM, ready, in a present module. */
  readonly sims = new Map<string, SimEntry>();
  /** network → its SIMs. */
  readonly byNetwork = new Map<string, SimEntry[]>();
  /**
   * Each home network's SIMs in least-recently-used order: (last used, number) ascending,
   * never used first. A pick scans from the front and stops at the first fit; an order for
   * several networks (or any) merges their fronts; the reserve is taken from the backs.
   * There is no list of every SIM: keeping one in order cost a shift of up to every SIM per
   * order in a burst, and nothing needs it that the per-network lists cannot answer.
   */
  #lruByNetwork = new Map<string, SimEntry[]>();
  readonly #warnedDuplicate = new Set<string>();
  #heldVersion = -1;
  #heldPortsVersion = -1;
  #held = new Set<string>();
  /** Bumped on every rebuild: adapters cache what they derive from the network list. */
  portsVersion = 0;

  constructor(
    private readonly reserveModules: number,
    private readonly log: Logger,
  ) {}

  update(ports: readonly PortInput[], holdings: Holdings): void {
    this.sims.clear();
    this.byNetwork.clear();
    const iccids = new Set<string>();
    for (const p of ports) {
      if (!p.present || p.state !== "ready" || !p.iccid || !p.number || !p.mcc || !p.mnc) continue;
      const number = p.number.replace(/^\+/, "");
      if (this.sims.has(number) || iccids.has(p.iccid)) {
        if (this.#warnedDuplicate.has(number)) continue;
        this.#warnedDuplicate.add(number);
        this.log.warn({ event: "duplicate-sim", portId: p.id, number, iccid: p.iccid }, "two ports report the same SIM or number; counted once");
        continue;
      }
      iccids.add(p.iccid);
      const network = p.mcc + p.mnc;
      const sim: SimEntry = { number, iccid: p.iccid, portId: p.id, mcc: p.mcc, mnc: p.mnc, network, country: regionsForMcc(p.mcc, p.mnc)[0] ?? null };
      this.sims.set(number, sim);
      let list = this.byNetwork.get(network);
      if (!list) this.byNetwork.set(network, (list = []));
      list.push(sim);
    }
    this.#lruByNetwork = new Map();
    for (const [network, sims] of this.byNetwork) this.#lruByNetwork.set(network, [...sims].sort((a, b) => compareLru(a, b, holdings)));
    this.portsVersion++;
  }

  /** Ready modules: present ports with a ready, identified SIM. */
  get modules(): number {
    return this.sims.size;
  }

  /** The home networks with live SIMs. */
  networks(): IterableIterator<string> {
    return this.#lruByNetwork.keys();
  }

  /** One network's SIMs, least recently used first. */
  lruOf(network: string): readonly SimEntry[] {
    return this.#lruByNetwork.get(network) ?? [];
  }

  /** Least-recently-used order: negative when `a` should be chosen before `b`. */
  compare(a: SimEntry, b: SimEntry, holdings: Holdings): number {
    return compareLru(a, b, holdings);
  }

  /** The SIM was just reserved: move it to its place, at or near the back of its network's order. */
  touch(number: string, holdings: Holdings): void {
    const sim = this.sims.get(number);
    if (!sim) return;
    const own = this.#lruByNetwork.get(sim.network);
    if (own) reposition(own, sim, holdings);
  }

  /** The idle SIMs held back by `reserveModules`: the most recently used ones rest. Cached until ports or holdings change. */
  heldBack(holdings: Holdings): ReadonlySet<string> {
    if (this.reserveModules === 0) return this.#held;
    if (this.#heldVersion === holdings.version && this.#heldPortsVersion === this.portsVersion) return this.#held;
    const held = new Set<string>();
    // The most recently used idle SIMs of all networks: merge the lists' backs, newest first.
    const lists = [...this.#lruByNetwork.values()].filter((l) => l.length > 0);
    const at = lists.map((l) => l.length - 1);
    while (held.size < this.reserveModules && lists.length > 0) {
      let newest = 0;
      for (let k = 1; k < lists.length; k++) if (compareLru(lists[k]![at[k]!]!, lists[newest]![at[newest]!]!, holdings) > 0) newest = k;
      const sim = lists[newest]![at[newest]!]!;
      if (!holdings.isHeld(sim.number, sim.iccid)) held.add(sim.number);
      if (--at[newest]! < 0) {
        lists.splice(newest, 1);
        at.splice(newest, 1);
      }
    }
    this.#held = held;
    this.#heldVersion = holdings.version;
    this.#heldPortsVersion = this.portsVersion;
    return this.#held;
  }

  /** Free for anyone now: present, ready, in no reservation, not proposed, not held back. */
  isIdle(sim: SimEntry, holdings: Holdings, heldBack: ReadonlySet<string>): boolean {
    return !holdings.isHeld(sim.number, sim.iccid) && !heldBack.has(sim.number);
  }

  /**
   * Per network, how many idle SIMs each of `services` could be sold for on `market`.
   * O(SIMs + burn rows of idle SIMs + networks × services): a SIM adds one to its network's
   * idle count, and only its burns subtract, so 50 services cost 50 additions per
   * network, not per SIM.
   */
  counts(market: MarketId, services: readonly ServiceId[], holdings: Holdings): NetworkOffer[] {
    const heldBack = this.heldBack(holdings);
    const serviceIndex = new Map<ServiceId, number>();
    services.forEach((s, i) => serviceIndex.set(s, i));
    // stamp[i] = the SIM that last subtracted service i, so a pair both sold and excluded subtracts once.
    const stamp = new Int32Array(services.length).fill(-1);
    // Only excluded pairs subtract: their own index, not every cancel-count row.
    const excludedHere = holdings.excludedOn(market);
    const out: NetworkOffer[] = [];
    let simNo = 0;
    for (const [network, sims] of this.byNetwork) {
      let idle = 0;
      const blocked = new Array<number>(services.length).fill(0);
      for (const sim of sims) {
        if (holdings.isHeld(sim.number, sim.iccid) || heldBack.has(sim.number)) continue;
        idle++;
        simNo++;
        const sold = holdings.sold.get(sim.number);
        if (sold) {
          for (const service of sold) {
            const i = serviceIndex.get(service);
            if (i === undefined || stamp[i] === simNo) continue;
            stamp[i] = simNo;
            blocked[i]!++;
          }
        }
        const excluded = excludedHere?.get(sim.number);
        if (excluded) {
          for (const service of excluded) {
            const i = serviceIndex.get(service);
            if (i === undefined || stamp[i] === simNo) continue;
            stamp[i] = simNo;
            blocked[i]!++;
          }
        }
      }
      const first = sims[0]!;
      out.push({ network, mcc: first.mcc, mnc: first.mnc, country: first.country, counts: blocked.map((b) => idle - b) });
    }
    return out;
  }
}

/**
 * Move `sim` to its place after its last use changed. A SIM just used sorts at or near the
 * back, so its new place is found from the back, and the SIMs between are shifted by one
 * in place (no splice: two splices per order copied and reallocated the list in a burst).
 */
function reposition(lru: SimEntry[], sim: SimEntry, holdings: Holdings): void {
  const at = lru.indexOf(sim);
  if (at < 0) return;
  // The last index whose SIM sorts before `sim` (skipping `sim` itself): `sim` goes just after it.
  let to = lru.length - 1;
  while (to > at && compareLru(lru[to]!, sim, holdings) > 0) to--;
  if (to > at) {
    for (let i = at; i < to; i++) lru[i] = lru[i + 1]!;
    lru[to] = sim;
    return;
  }
  // Used earlier than before (a clock step back): look towards the front instead.
  let from = at;
  while (from > 0 && compareLru(lru[from - 1]!, sim, holdings) > 0) from--;
  if (from < at) {
    for (let i = at; i > from; i--) lru[i] = lru[i - 1]!;
    lru[from] = sim;
  }
}

function compareLru(a: SimEntry, b: SimEntry, holdings: Holdings): number {
  // Never used sorts before everything (-1 < any epoch time).
  return (holdings.lastUsed.get(a.number) ?? -1) - (holdings.lastUsed.get(b.number) ?? -1) || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
}
