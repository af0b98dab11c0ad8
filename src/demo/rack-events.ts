/**
 * What happens at the demo rack over time, done through the daemon's admin API like a
 * person (or a flaky USB hub) would: one module hangs and later comes back, one is
 * unplugged and plugged in again. Repeats every cycle so a long demo keeps showing it.
 */
import { DEMO_SLOTS } from "../sim/scenarios.js";

export interface RackEvent {
  atMs: number;
  slot: number;
  op: "hang" | "recover" | "unplug" | "replug";
  say: string;
}

export const RACK_CYCLE_MS = 120_000;

export const RACK_EVENTS: readonly RackEvent[] = [
  { atMs: 20_000, slot: DEMO_SLOTS.hangs, op: "hang", say: "modem9 stops answering (firmware hang)" },
  { atMs: 28_000, slot: DEMO_SLOTS.unplugged, op: "unplug", say: "modem11 unplugged from the hub" },
  { atMs: 40_000, slot: DEMO_SLOTS.unplugged, op: "replug", say: "modem11 plugged back in" },
  { atMs: 45_000, slot: DEMO_SLOTS.hangs, op: "recover", say: "modem9 answers again (power-cycled)" },
];

export class RackEventPlayer {
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(
    private readonly adminUrl: string,
    private readonly adminToken: string,
    private readonly modems: number,
    private readonly say: (line: string) => void,
  ) {}

  start(): void {
    this.#cycle(0);
  }

  #cycle(offset: number): void {
    for (const e of RACK_EVENTS) {
      if (e.slot >= this.modems) continue;
      this.#after(offset + e.atMs, () => void this.#fire(e));
    }
    this.#after(offset + RACK_CYCLE_MS, () => this.#cycle(0));
  }

  #after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#stopped) fn();
    }, ms);
    this.#timers.add(t);
  }

  async #fire(e: RackEvent): Promise<void> {
    try {
      const res = await fetch(`${this.adminUrl}/api/simulator/ports/modem${e.slot}/${e.op}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${this.adminToken}` }, body: "{}", signal: AbortSignal.timeout(5_000) });
      this.say(res.ok ? `rack: ${e.say}` : `rack: ${e.op} modem${e.slot} refused (HTTP ${res.status})`);
    } catch (err) {
      this.say(`rack: ${e.op} modem${e.slot} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
