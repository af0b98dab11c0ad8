/**
 * The real sales core (src/sales/core.ts) over its in-memory ledger, fed a port map of
 * ready SIMs, for testing marketplace adapters without the daemon. `sales` is what the
 * adapter is given: the core itself, with every reserve and withdraw call recorded (and
 * an optional delay before a reserve, a slow caller).
 */
import type { HeldSms, MarketSales, ReserveRequest } from "../../src/markets/market-port.js";
import { SalesCore } from "../../src/sales/core.js";
import type { PortInput } from "../../src/sales/inventory.js";
import { MemoryLedger } from "../../src/sales/memory-ledger.js";
import type { MarketRules } from "../../src/sales/policy.js";

export interface TestSim {
  /** E.164 digits without "+". */
  number: string;
  /** MCC+MNC of its home network: the core derives the country from it. */
  network: string;
}

/** The core as the adapter sees it, recording what it was asked. */
export class RecordingSales implements MarketSales {
  readonly reserveRequests: Array<ReserveRequest & { receivedAt: number }> = [];
  readonly withdrawals: Array<{ market: string; reservationId: number; reason: string }> = [];
  /** Each reserve waits this long before it reaches the core. */
  reserveDelayMs = 0;

  constructor(readonly core: SalesCore) {}

  rules(market: string) {
    return this.core.rules(market);
  }

  offers(market: string, services?: readonly string[]) {
    return this.core.offers(market, services);
  }

  async reserve(req: ReserveRequest) {
    this.reserveRequests.push({ ...req, receivedAt: Date.now() });
    if (this.reserveDelayMs > 0) await new Promise((r) => setTimeout(r, this.reserveDelayMs));
    return this.core.reserve(req);
  }

  close(req: Parameters<SalesCore["close"]>[0]) {
    return this.core.close(req);
  }

  withdraw(market: string, reservationId: number, reason: string) {
    this.withdrawals.push({ market, reservationId, reason });
    return this.core.withdraw(market, reservationId, reason);
  }
}

export interface MemoryCore {
  core: SalesCore;
  ledger: MemoryLedger;
  sales: RecordingSales;
  /** Take a SIM out of its module (false) or put it back (true). */
  setPresent(number: string, present: boolean): void;
  /** What was earned on `market`, per currency, as the ledger books it. */
  earned(market: string): Promise<Record<string, number>>;
  /** Replays the core's events: a number in two open reservations at once is a violation. */
  ledgerViolations(): string[];
  /** An SMS stored for this SIM: routed by the core to whoever holds it, or undefined (not routed). */
  smsArrived(number: string, sender: string, text: string): Promise<HeldSms | undefined>;
}

const iccidOf = (number: string) => `8970${number.padStart(15, "0")}`;

export async function memoryCore(o: { sims: readonly TestSim[]; markets: readonly MarketRules[]; ledger?: MemoryLedger }): Promise<MemoryCore> {
  const ledger = o.ledger ?? new MemoryLedger();
  const core = await SalesCore.open({ ledger, markets: o.markets });
  const present = new Set(o.sims.map((s) => s.number));
  const feed = () => {
    const ports: PortInput[] = o.sims.map((s, i) => ({
      id: `p${i}`,
      state: "ready",
      present: present.has(s.number),
      iccid: iccidOf(s.number),
      number: `+${s.number}`,
      mcc: s.network.slice(0, 3),
      mnc: s.network.slice(3),
    }));
    core.updatePorts(ports);
  };
  feed();
  const open = new Map<string, number>();
  const violations: string[] = [];
  core.on("reservation-opened", (r) => {
    const holder = open.get(r.number);
    if (holder !== undefined) violations.push(`${r.number} reserved by #${r.id} while held by #${holder}`);
    open.set(r.number, r.id);
  });
  core.on("reservation-closed", (r) => {
    if (open.get(r.number) === r.id) open.delete(r.number);
  });
  let nextSmsId = 1;
  return {
    core,
    ledger,
    sales: new RecordingSales(core),
    setPresent(number, on) {
      if (on) present.add(number);
      else present.delete(number);
      feed();
    },
    async earned(market) {
      const out: Record<string, number> = {};
      for (const row of await ledger.earnings(0)) {
        if (row.market === market) out[row.currency] = Math.round(((out[row.currency] ?? 0) + row.amount) * 10_000) / 10_000;
      }
      return out;
    },
    ledgerViolations: () => [...violations],
    async smsArrived(number, sender, text) {
      const smsId = nextSmsId++;
      const routed = await core.routeSms({ smsId, iccid: iccidOf(number), number, at: Date.now(), portId: "p" });
      if (routed.kind !== "queued" && routed.kind !== "duplicate") return undefined;
      const r = routed.reservation;
      return { market: r.market, reservationId: r.id, smsId, number: r.number, sender, text };
    },
  };
}
