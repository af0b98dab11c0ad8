/**
 * AT health per port for /metrics: commands, timeouts and resyncs of the port's channels,
 * and the recovery steps its session took.
 *
 * A session opens a new AtChannel on every (re)open, and each channel counts from zero,
 * so the totals here add up the channels a port has had: when the session's channel is
 * no longer the one seen last, the old one's final stats are folded into the port's base.
 * The map announces every bring-up step and every failure (`changed`, emitted while the
 * failing channel is still the session's), so a channel is seen before it is replaced.
 * Recovery steps exist only as the session's `recovery` events; they are counted here.
 */
import type { AtChannel } from "../../at/index.js";
import type { PortSession } from "../../modem/session.js";
import type { PortMap, PortView } from "../../modem/port-map.js";
import type { ModemPool } from "../../pool/pool.js";

export interface PortAtCounters {
  commands: number;
  timeouts: number;
  resyncs: number;
  softResets: number;
  reopens: number;
}

const zero = (): PortAtCounters => ({ commands: 0, timeouts: 0, resyncs: 0, softResets: 0, reopens: 0 });

export class AtCounters {
  /** Port id → totals of channels already replaced, plus recovery steps. */
  readonly #base = new Map<string, PortAtCounters>();
  /** Port id → the channel seen last (its stats are live, not yet in the base). */
  readonly #current = new Map<string, AtChannel>();
  readonly #sessions = new WeakSet<PortSession>();
  readonly #onChange = (p: PortView): void => this.observe(p.id);

  constructor(
    private readonly pool: ModemPool,
    private readonly map: PortMap,
  ) {
    map.on("changed", this.#onChange);
    for (const p of map.snapshot()) this.observe(p.id);
  }

  /** Look at the port's session and channel now (called on every map change and on read). */
  observe(id: string): void {
    const session = this.pool.session(id);
    if (!session) return;
    const base = this.#baseOf(id);
    if (!this.#sessions.has(session)) {
      this.#sessions.add(session);
      session.on("recovery", (step) => (step === "soft-reset" ? base.softResets++ : base.reopens++));
    }
    const channel = session.channel;
    const seen = this.#current.get(id);
    if (channel === seen) return;
    if (seen) {
      const s = seen.stats;
      base.commands += s.commands;
      base.timeouts += s.timeouts;
      base.resyncs += s.resyncs;
    }
    if (channel) this.#current.set(id, channel);
    else this.#current.delete(id);
  }

  read(id: string): PortAtCounters {
    this.observe(id);
    const out = { ...this.#baseOf(id) };
    const live = this.#current.get(id)?.stats;
    if (live) {
      out.commands += live.commands;
      out.timeouts += live.timeouts;
      out.resyncs += live.resyncs;
    }
    return out;
  }

  /** Every port ever seen (a port that left keeps its totals: counters never go back). */
  ports(): string[] {
    return [...new Set([...this.map.snapshot().map((p) => p.id), ...this.#base.keys()])];
  }

  close(): void {
    this.map.off("changed", this.#onChange);
  }

  #baseOf(id: string): PortAtCounters {
    let b = this.#base.get(id);
    if (!b) this.#base.set(id, (b = zero()));
    return b;
  }
}
