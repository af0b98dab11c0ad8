/**
 * Onlinesim's v1 partner protocol as an adapter over the sales core
 * (docs/protocols/onlinesim-v1.md): the answers of GET_SERVICES, GET_NUMBER and
 * FINISH_ACTIVATION, in Onlinesim's names, statuses and money, computed by the core. The
 * HTTP endpoint (src/http/partner/) calls this through its `PartnerEngine` interface.
 *
 * What is Onlinesim's here and nowhere else:
 *  - country and operator names from the SIM's home network (catalog.ts), the `any`
 *    operator as the sum over operators (GET_SERVICES rule 2), a SIM with no name not
 *    offered at all;
 *  - service names (service-codes.ts) and `exceptionPhoneSet` as integers or strings (prefixes.ts);
 *  - the FINISH statuses 1/3/4/5 (statuses.ts) and the cancel limit;
 *  - money: `sum` is always RUB;
 *  - an id Onlinesim never got: SUCCESS or ERROR, as configured.
 * Everything else (who holds which SIM, burns, group commit, releases) is the core's.
 */
import { isSimgateError } from "../../errors.js";
import { silentLogger, type Logger } from "../../log/logger.js";
import type { SalesCore } from "../../sales/core.js";
import type { MarketRules } from "../../sales/policy.js";
import type { ClosedReservation, MarketId, ServiceId } from "../../sales/types.js";
import type { EngineConfig } from "./engine-config.js";
import { Catalog } from "./catalog.js";
import { parseExceptionPhoneSet } from "./prefixes.js";
import { ONLINESIM_MARKET } from "../../onlinesim/market-id.js";
import { ServiceCodes } from "./service-codes.js";
import { FINISH_STATUSES, isKnownStatus, outcomeOf, STATUS_WORDS } from "./statuses.js";

export const ONLINESIM: MarketId = ONLINESIM_MARKET;

/** The service name of rent operations: only Onlinesim's FINISH ends one (a rent may last months). */
export const RENT_SERVICE = "rent";

export type OperatorCounts = Record<string, Record<string, number>>;

export interface CountryCounts {
  /** Entry key `country`: the page's `#countryname#` is a placeholder; SMSHUB uses `country`. */
  country: string;
  /** `any` first, then each operator, each with every configured service. */
  operatorMap: OperatorCounts;
}

export interface GetServicesResponse {
  countryList: CountryCounts[];
  status: "SUCCESS";
}

export interface GetNumberRequest {
  country: unknown;
  operator: unknown;
  service: unknown;
  /** RUB credited on success. */
  sum?: unknown;
  /** Integers or digit strings. */
  exceptionPhoneSet?: unknown;
}

/** number = digits with the country code as a JSON number (SMSHUB insists on one). */
export type GetNumberResponse = { status: "SUCCESS"; number: number; activationId: number } | { status: "NO_NUMBERS" } | { status: "ERROR"; error: string };

export interface FinishRequest {
  activationId: unknown;
  status: unknown;
  sum?: unknown;
}

export type FinishResponse = { status: "SUCCESS" } | { status: "ERROR"; error: string };

/** `simgate activations close ID --status N`. */
export type OperatorCloseResult =
  | { ok: true; outcome: "closed" | "finished-after-release" | "already-closed"; activation: ClosedReservation }
  | { ok: false; error: "UNKNOWN_ACTIVATION" | "BAD_STATUS" | "STORE_FAILED"; detail: string };

/** Onlinesim's rules for the core, from the engine config. */
export function onlinesimRules(config: Readonly<EngineConfig>, market: { share?: number; headroom?: number } = {}): MarketRules {
  return {
    id: ONLINESIM,
    services: [...config.services],
    share: market.share ?? 1,
    headroom: market.headroom ?? 0,
    lifeMs: config.activationLifeMs,
    staleFactor: config.staleFactor,
    releaseFactor: config.releaseFactor,
    releaseWithSmsFactor: config.releaseWithSmsFactor,
    neverRelease: [RENT_SERVICE],
    closeName: "FINISH_ACTIVATION",
  };
}

/** The live SIMs' networks under Onlinesim's names, rebuilt when the SIM table changes. */
interface NamedNetworks {
  portsVersion: number;
  /** country → operator → networks (MCC+MNC). */
  byName: Map<string, Map<string, Set<string>>>;
  /** country → every network of it (the `any` operator). */
  anyOperator: Map<string, Set<string>>;
  /** network → names. */
  names: Map<string, { country: string; operator: string }>;
  /** Live SIMs with both names (offerable on Onlinesim). */
  namedSims: number;
}

export interface OnlinesimV1Options {
  core: SalesCore;
  config: Readonly<EngineConfig>;
  /** Canonical service id → Onlinesim name where they differ (default: the same word). */
  serviceNames?: Readonly<Record<ServiceId, string>>;
  logger?: Logger;
}

export class OnlinesimV1 {
  readonly #core: SalesCore;
  readonly #config: Readonly<EngineConfig>;
  readonly #catalog: Catalog;
  readonly #codes: ServiceCodes;
  readonly #log: Logger;
  readonly #warnedUnnamed = new Set<string>();
  #named: NamedNetworks | undefined;
  #unknownFinish = 0;

  constructor(opts: OnlinesimV1Options) {
    this.#core = opts.core;
    this.#config = opts.config;
    this.#catalog = new Catalog(opts.config.names);
    this.#codes = new ServiceCodes(opts.config.services, opts.serviceNames);
    this.#log = (opts.logger ?? silentLogger()).child({ component: "onlinesim-v1" });
    const { releaseFactor, releaseWithSmsFactor } = this.#config;
    if ((releaseFactor ?? 1) < 1 || (releaseWithSmsFactor ?? 1) < 1) {
      this.#log.warn({ event: "release-factor-below-one", releaseFactor, releaseWithSmsFactor }, "engine.releaseFactor/releaseWithSmsFactor below 1 release activations before Onlinesim's operation ends: for tests only");
    }
  }

  /** GET_SERVICES: counts for every configured service, per country × operator, plus `any` = the sum over operators. */
  getServices(): GetServicesResponse {
    const services = this.#config.services;
    const named = this.#namedNetworks();
    const countries = new Map<string, Map<string, number[]>>();
    for (const offer of this.#core.offers(ONLINESIM, services)) {
      const names = named.names.get(offer.network);
      if (!names) continue;
      let operators = countries.get(names.country);
      if (!operators) countries.set(names.country, (operators = new Map()));
      const sum = operators.get(names.operator);
      if (sum) offer.counts.forEach((c, i) => (sum[i]! += c));
      else operators.set(names.operator, [...offer.counts]);
    }
    const codes = services.map((s) => this.#codes.code(s));
    const record = (counts: readonly number[]): Record<string, number> => {
      const r: Record<string, number> = {};
      codes.forEach((code, i) => (r[code] = counts[i]!));
      return r;
    };
    const countryList: CountryCounts[] = [];
    for (const [country, operators] of countries) {
      const any = new Array<number>(services.length).fill(0);
      for (const counts of operators.values()) counts.forEach((c, i) => (any[i]! += c));
      const operatorMap: OperatorCounts = { any: record(any) };
      for (const [operator, counts] of operators) operatorMap[operator] = record(counts);
      countryList.push({ country, operatorMap });
    }
    return { countryList, status: "SUCCESS" };
  }

  /**
   * GET_NUMBER: validation and names here, the choice and the claim in the core (one
   * group commit per event-loop turn). An unknown service, country or operator is
   * "nothing to sell", not an error.
   */
  async orderNumber(req: GetNumberRequest): Promise<GetNumberResponse> {
    if (typeof req.country !== "string" || typeof req.operator !== "string" || typeof req.service !== "string") {
      return { status: "ERROR", error: "country, operator and service must be strings" };
    }
    let exceptions: string[];
    try {
      exceptions = parseExceptionPhoneSet(req.exceptionPhoneSet);
    } catch (err) {
      if (isSimgateError(err)) return { status: "ERROR", error: err.plainMessage };
      throw err;
    }
    const country = req.country.trim().toLowerCase();
    const operator = req.operator.trim().toLowerCase();
    const code = req.service.trim().toLowerCase();
    const sum = typeof req.sum === "number" && Number.isFinite(req.sum) ? req.sum : 0;
    const named = this.#namedNetworks();
    const operators = named.byName.get(country);
    const networks = (operator === "any" ? named.anyOperator.get(country) : operators?.get(operator)) ?? new Set<string>();
    const result = await this.#core.reserve({
      market: ONLINESIM,
      // An unknown name reaches the core as itself: it sells no such service and counts the "none".
      service: this.#codes.service(code) ?? code,
      networks,
      excludePrefixes: exceptions,
      price: { amount: sum, currency: "RUB" },
      describe: (sim) => named.names.get(sim.network) ?? { country, operator: sim.network },
    });
    switch (result.status) {
      case "reserved":
        return { status: "SUCCESS", number: Number(result.reservation.number), activationId: result.reservation.id };
      case "none":
        return { status: "NO_NUMBERS" };
      case "failed":
        return { status: "ERROR", error: result.error };
    }
  }

  /** The same order (kept for callers that name it after the action). */
  getNumber(req: GetNumberRequest): Promise<GetNumberResponse> {
    return this.orderNumber(req);
  }

  /** FINISH_ACTIVATION: idempotent by id; always frees the number. */
  async finishActivation(req: FinishRequest): Promise<FinishResponse> {
    const id = req.activationId;
    const status = req.status;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) return { status: "ERROR", error: "activationId must be an integer ≥ 1" };
    if (typeof status !== "number" || !Number.isSafeInteger(status)) return { status: "ERROR", error: "status must be an integer" };
    const finishSum = typeof req.sum === "number" && Number.isFinite(req.sum) ? req.sum : null;
    if (!isKnownStatus(status)) this.#log.warn({ event: "finish-unknown-status", activationId: id, status }, "FINISH_ACTIVATION with an undocumented status: released, usage unchanged");
    const result = await this.#core.close({ market: ONLINESIM, id, outcome: outcomeOf(status, this.#config.cancelLimit), status, finishSum, by: "finish" });
    switch (result.kind) {
      case "failed":
        // Onlinesim re-sends FINISH after a failed answer, so ERROR is safe here.
        return { status: "ERROR", error: "close could not be stored" };
      case "unknown":
        this.#unknownFinish++;
        this.#log.warn({ event: "finish-unknown-id", activationId: id, status, policy: this.#config.unknownActivation }, "FINISH_ACTIVATION for an id we never issued");
        return this.#config.unknownActivation === "success" ? { status: "SUCCESS" } : { status: "ERROR", error: "unknown activationId" };
      default:
        // Closed now, closed before, or released before: an id we issued, so the idempotent
        // SUCCESS Onlinesim expects for a re-sent FINISH, whatever the policy for ids we never issued.
        return { status: "SUCCESS" };
    }
  }

  /**
   * `simgate activations close ID --status N`: exactly what FINISH_ACTIVATION with that
   * status does, for an activation Onlinesim will not close. Only the documented statuses;
   * an id we never issued is refused rather than answered SUCCESS, because a person is asking.
   */
  async closeByOperator(id: number, status: number): Promise<OperatorCloseResult> {
    if (!Number.isSafeInteger(id) || id < 1) return { ok: false, error: "UNKNOWN_ACTIVATION", detail: `no activation #${id}: ids are whole numbers from 1` };
    if (!isKnownStatus(status)) {
      const allowed = FINISH_STATUSES.map((s) => `${s} (${STATUS_WORDS[s]})`).join(", ");
      return { ok: false, error: "BAD_STATUS", detail: `status ${status} is not a FINISH_ACTIVATION status: use ${allowed}` };
    }
    const result = await this.#core.close({ market: ONLINESIM, id, outcome: outcomeOf(status, this.#config.cancelLimit), status, finishSum: null, by: "operator" });
    switch (result.kind) {
      case "failed":
        return { ok: false, error: "STORE_FAILED", detail: "the close could not be stored (see the daemon's log); nothing changed" };
      case "unknown":
        return { ok: false, error: "UNKNOWN_ACTIVATION", detail: `no activation #${id} was ever issued` };
      default:
        return { ok: true, outcome: result.kind, activation: result.reservation };
    }
  }

  /** The SUCCESS answer for this activation never reached Onlinesim: free its number now (http/partner/delivery.ts). */
  withdrawUndelivered(activationId: number, reason: string): Promise<void> {
    return this.#core.withdraw(ONLINESIM, activationId, reason);
  }

  /** Live SIMs that have an Onlinesim country and operator name (offerable here). */
  get namedSims(): number {
    return this.#namedNetworks().namedSims;
  }

  /** FINISH_ACTIVATIONs for ids never issued. */
  get unknownFinishes(): number {
    return this.#unknownFinish;
  }

  #namedNetworks(): NamedNetworks {
    const version = this.#core.portsVersion;
    if (this.#named?.portsVersion === version) return this.#named;
    const byName = new Map<string, Map<string, Set<string>>>();
    const anyOperator = new Map<string, Set<string>>();
    const names = new Map<string, { country: string; operator: string }>();
    let namedSims = 0;
    for (const sim of this.#core.sims()) {
      const resolved = this.#catalog.resolve(sim.mcc, sim.mnc);
      if (!resolved) {
        const key = `${sim.mcc}/${sim.mnc}`;
        if (!this.#warnedUnnamed.has(key)) {
          this.#warnedUnnamed.add(key);
          this.#log.warn({ event: "unnamed-network", mcc: sim.mcc, mnc: sim.mnc, portId: sim.portId }, "no Onlinesim country/operator name for this network; its SIMs are not offered (add names.countries / names.operators)");
        }
        continue;
      }
      namedSims++;
      names.set(sim.network, resolved);
      let operators = byName.get(resolved.country);
      if (!operators) byName.set(resolved.country, (operators = new Map()));
      let networks = operators.get(resolved.operator);
      if (!networks) operators.set(resolved.operator, (networks = new Set()));
      networks.add(sim.network);
      let all = anyOperator.get(resolved.country);
      if (!all) anyOperator.set(resolved.country, (all = new Set()));
      all.add(sim.network);
    }
    this.#named = { portsVersion: version, byName, anyOperator, names, namedSims };
    return this.#named;
  }
}
