/**
 * What can be sold right now: the SIM table built from a port-map snapshot, and the
 * GET_SERVICES counts computed from it in memory (Q6, Q29: no I/O on the request path).
 *
 * Rules (docs/protocols/onlinesim-v1.md#get_services [C]):
 *  1. Report simultaneously usable numbers only. A port is a module; only a present port
 *     whose SIM is `ready` can receive now. One port holds one SIM, so counting ready SIMs
 *     per port caps the count at the module count by construction (a SIM bank with 512
 *     cards behind 64 modules shows 64 SIMs in the snapshot). Two ports reporting the same
 *     number or ICCID count once.
 *  2. `any` = the sum over operators, per service.
 *  3. A number sold for a service (status 3) is not counted for it again; status 1 and the
 *     cancel limit exclude it the same way (Q17).
 * Plus: a number in an open activation is not idle; `reserveModules` idle SIMs (the most
 * recently used) are held back.
 */
import type { Logger } from "../log/logger.js";
import type { Catalog } from "../markets/onlinesim/catalog.js";
import type { EngineState } from "./state.js";

/** The fields of a PortView (src/modem/port-map.ts) the engine reads; a PortView fits. */
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
  country: string;
  operator: string;
}

export type OperatorCounts = Record<string, Record<string, number>>;

export interface CountryCounts {
  country: string;
  /** `any` first, then each operator, each with every configured service. */
  operatorMap: OperatorCounts;
}

export class Inventory {
  /** number → SIM, ready and named, in a present module. */
  readonly sims = new Map<string, SimEntry>();
  /** country → operator → SIMs. */
  readonly groups = new Map<string, Map<string, SimEntry[]>>();
  /**
   * Every SIM in least-recently-used order: (last used, number) ascending, never used
   * first. Assignment scans from the front and stops at the first fit, so a pick costs a
   * few steps instead of a pass over the pool; the reserve is taken from the back.
   */
  #lru: SimEntry[] = [];
  readonly #warnedUnnamed = new Set<string>();
  /** Log each anomaly once, not on every port change. */
  readonly #warnedDuplicate = new Set<string>();
  #heldVersion = -1;
  #heldPortsVersion = -1;
  #portsVersion = 0;
  #held = new Set<string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly reserveModules: number,
    private readonly log: Logger,
  ) {}

  /** Ready modules: present ports with a ready, identified SIM (named or not). */
  modules = 0;

  update(ports: readonly PortInput[], state: EngineState): void {
    this.sims.clear();
    this.groups.clear();
    const iccids = new Set<string>();
    const numbers = new Set<string>();
    let modules = 0;
    for (const p of ports) {
      if (!p.present || p.state !== "ready" || !p.iccid || !p.number || !p.mcc || !p.mnc) continue;
      const number = p.number.replace(/^\+/, "");
      if (numbers.has(number) || iccids.has(p.iccid)) {
        if (this.#warnedDuplicate.has(number)) continue;
        this.#warnedDuplicate.add(number);
        this.log.warn({ event: "duplicate-sim", portId: p.id, number, iccid: p.iccid }, "two ports report the same SIM or number; counted once");
        continue;
      }
      numbers.add(number);
      iccids.add(p.iccid);
      modules++;
      const names = this.catalog.resolve(p.mcc, p.mnc);
      if (!names) {
        const key = `${p.mcc}/${p.mnc}`;
        if (!this.#warnedUnnamed.has(key)) {
          this.#warnedUnnamed.add(key);
          this.log.warn({ event: "unnamed-network", mcc: p.mcc, mnc: p.mnc, portId: p.id }, "no Onlinesim country/operator name for this network; its SIMs are not offered (add names.countries / names.operators)");
        }
        continue;
      }
      const sim: SimEntry = { number, iccid: p.iccid, portId: p.id, country: names.country, operator: names.operator };
      this.sims.set(number, sim);
      let ops = this.groups.get(sim.country);
      if (!ops) this.groups.set(sim.country, (ops = new Map()));
      let list = ops.get(sim.operator);
      if (!list) ops.set(sim.operator, (list = []));
      list.push(sim);
    }
    this.modules = modules;
    this.#lru = [...this.sims.values()].sort((a, b) => compareLru(a, b, state));
    this.#portsVersion++;
  }

  /** Least recently used first. */
  get lru(): readonly SimEntry[] {
    return this.#lru;
  }

  /**
   * The SIM's last-used time changed (it was just assigned): move it to its place, which
   * is at or near the back, so the search from the back is short.
   */
  touch(number: string, state: EngineState): void {
    const sim = this.sims.get(number);
    if (!sim) return;
    const lru = this.#lru;
    const at = lru.indexOf(sim);
    if (at < 0) return;
    lru.splice(at, 1);
    let i = lru.length;
    while (i > 0 && compareLru(lru[i - 1]!, sim, state) > 0) i--;
    lru.splice(i, 0, sim);
  }

  /**
   * The idle SIMs held back by `reserveModules`: the most recently used ones rest.
   * Cached until the ports or the engine state change.
   */
  held(state: EngineState): ReadonlySet<string> {
    if (this.reserveModules === 0) return this.#held;
    if (this.#heldVersion === state.version && this.#heldPortsVersion === this.#portsVersion) return this.#held;
    const held = new Set<string>();
    for (let i = this.#lru.length - 1; i >= 0 && held.size < this.reserveModules; i--) {
      const sim = this.#lru[i]!;
      if (!state.isBusy(sim.number, sim.iccid)) held.add(sim.number);
    }
    this.#held = held;
    this.#heldVersion = state.version;
    this.#heldPortsVersion = this.#portsVersion;
    return this.#held;
  }

  /** Sellable for this service right now (before prefix exclusion). */
  isOffered(sim: SimEntry, service: string, state: EngineState, held: ReadonlySet<string>): boolean {
    return !state.isBusy(sim.number, sim.iccid) && !held.has(sim.number) && !state.isBlocked(sim.number, service);
  }

  /**
   * GET_SERVICES counts. O(SIMs + usage rows of idle SIMs + countries × operators × services):
   * a SIM contributes to its group's idle count once, and only its blocking usage rows
   * subtract, so 50 services cost 50 additions per operator, not per SIM.
   */
  counts(services: readonly string[], state: EngineState): CountryCounts[] {
    const held = this.held(state);
    const serviceIndex = new Map<string, number>();
    services.forEach((s, i) => serviceIndex.set(s, i));
    const out: CountryCounts[] = [];
    for (const [country, ops] of this.groups) {
      const any = new Array<number>(services.length).fill(0);
      const perOperator: [string, number[]][] = [];
      for (const [operator, sims] of ops) {
        let idle = 0;
        const blocked = new Array<number>(services.length).fill(0);
        for (const sim of sims) {
          if (state.isBusy(sim.number, sim.iccid) || held.has(sim.number)) continue;
          idle++;
          const rows = state.usage.get(sim.number);
          if (!rows) continue;
          for (const u of rows.values()) {
            if (!(u.sold || u.excluded)) continue;
            const i = serviceIndex.get(u.service);
            if (i !== undefined) blocked[i]!++;
          }
        }
        const counts = blocked.map((b) => idle - b);
        counts.forEach((c, i) => (any[i]! += c));
        perOperator.push([operator, counts]);
      }
      const operatorMap: OperatorCounts = { any: toRecord(services, any) };
      for (const [operator, counts] of perOperator) operatorMap[operator] = toRecord(services, counts);
      out.push({ country, operatorMap });
    }
    return out;
  }
}

function compareLru(a: SimEntry, b: SimEntry, state: EngineState): number {
  // Never used sorts before everything (-1 < any epoch time).
  return (state.lastUsed.get(a.number) ?? -1) - (state.lastUsed.get(b.number) ?? -1) || (a.number < b.number ? -1 : a.number > b.number ? 1 : 0);
}

function toRecord(services: readonly string[], counts: readonly number[]): Record<string, number> {
  const r: Record<string, number> = {};
  services.forEach((s, i) => (r[s] = counts[i]!));
  return r;
}
