/**
 * What the daemon runs for Onlinesim: the sales core (src/sales/core.ts) over a ledger,
 * with the Onlinesim v1 adapter (v1-market.ts) on top, behind the method names the
 * partner endpoint, the admin API, the SMS flow and the status page have always called.
 *
 * Who holds a SIM is the core's ledger's answer, whatever the marketplace: the v2 list
 * asks `isHeld`, and hears `reservation-opened` / `reservation-closed` from `core`
 * (daemon/outbound.ts), so a number sold on v1 (or any other marketplace sharing the
 * core) leaves the v2 list without the daemon matching request names.
 */
import type { EngineConfig } from "./engine-config.js";
import type { Logger } from "../../log/logger.js";
import { SalesCore, type RouteOutcome } from "../../sales/core.js";
import type { PortInput } from "../../sales/inventory.js";
import type { SalesLedger } from "../../sales/ledger.js";
import type { MarketRules } from "../../sales/policy.js";
import type { Reservation } from "../../sales/types.js";
import { engineStats, type EngineStats } from "./engine-stats.js";
import { OnlinesimV1, onlinesimRules, type FinishRequest, type FinishResponse, type GetNumberRequest, type GetNumberResponse, type GetServicesResponse, type OperatorCloseResult } from "./v1-market.js";

/** An activation is a reservation held by a buyer: `market` is the marketplace, `id` the activation id it quotes back. */
export type ActivationRecord = Reservation;

export interface SmsToRoute {
  smsId: number;
  portId: string;
  iccid: string | null;
  /** The receiving port's number (E.164, "+" optional), for a SIM replaced under the same number. */
  number: string | null;
  receivedAt: number;
}

export interface OnlinesimEngineOptions {
  ledger: SalesLedger;
  config: Readonly<EngineConfig>;
  /** Onlinesim's share of the idle SIMs and the headroom after it (default 1 and 0). */
  market?: { share?: number; headroom?: number };
  /** The other marketplaces sharing this inventory (their adapters use `core`). */
  otherMarkets?: readonly MarketRules[];
  logger?: Logger;
  clock?: () => number;
}

export class OnlinesimEngine {
  readonly core: SalesCore;
  readonly onlinesim: OnlinesimV1;

  private constructor(core: SalesCore, onlinesim: OnlinesimV1) {
    this.core = core;
    this.onlinesim = onlinesim;
  }

  /** Load the ledger (open reservations, burns, last uses) and start. */
  static async open(opts: OnlinesimEngineOptions): Promise<OnlinesimEngine> {
    const logger = opts.logger ? { logger: opts.logger } : {};
    const core = await SalesCore.open({
      ledger: opts.ledger,
      markets: [onlinesimRules(opts.config, opts.market ?? {}), ...(opts.otherMarkets ?? [])],
      reserveModules: opts.config.reserveModules,
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...logger,
    });
    return new OnlinesimEngine(core, new OnlinesimV1({ core, config: opts.config, ...logger }));
  }

  updatePorts(ports: readonly PortInput[]): void {
    this.core.updatePorts(ports);
  }

  getServices(): GetServicesResponse {
    return this.onlinesim.getServices();
  }

  orderNumber(req: GetNumberRequest): Promise<GetNumberResponse> {
    return this.onlinesim.orderNumber(req);
  }

  getNumber(req: GetNumberRequest): Promise<GetNumberResponse> {
    return this.onlinesim.orderNumber(req);
  }

  finishActivation(req: FinishRequest): Promise<FinishResponse> {
    return this.onlinesim.finishActivation(req);
  }

  closeByOperator(id: number, status: number): Promise<OperatorCloseResult> {
    return this.onlinesim.closeByOperator(id, status);
  }

  withdrawUndelivered(activationId: number, reason: string): Promise<void> {
    return this.onlinesim.withdrawUndelivered(activationId, reason);
  }

  sweep(now?: number): Promise<Reservation[]> {
    return this.core.sweep(now);
  }

  sweepEveryMs(): number {
    return this.core.sweepEveryMs();
  }

  staleActivations(now?: number): Reservation[] {
    return this.core.staleReservations(now);
  }

  /** An SMS the store holds goes to whoever holds its SIM, on any marketplace. */
  routeSms(sms: SmsToRoute): Promise<RouteOutcome> {
    return this.core.routeSms({ smsId: sms.smsId, portId: sms.portId, iccid: sms.iccid, number: sms.number, at: sms.receivedAt });
  }

  /** Whether this number (E.164, "+" optional) is held by any buyer now: the ledger's one-SIM-one-buyer answer. */
  isHeld(number: string): boolean {
    return this.core.isHeld(number);
  }

  openActivationFor(number: string): ActivationRecord | undefined {
    return this.core.holderOf(number);
  }

  openActivations(): ActivationRecord[] {
    return this.core.openReservations();
  }

  stats(): EngineStats {
    return engineStats(this.core, this.onlinesim);
  }
}
