/**
 * The three requests a SMSHUB-family marketplace sends us, each validated in its own wire
 * format and answered in its own shapes, and turned into calls on the sales core
 * (market-port.ts, which is the core's own interface narrowed). No HTTP here: endpoint.ts reads the body, checks the key and sends
 * what this returns.
 *
 *   GET_SERVICES       → offers(market, …)      → {"countryList":[…],"status":"SUCCESS"}
 *   GET_NUMBER         → reserve(…)             → {"number":…,"activationId":…,"status":"SUCCESS"} | {"status":"NO_NUMBERS"}
 *   FINISH_ACTIVATION  → close(…)               → {"status":"SUCCESS"} (idempotent)
 *   anything wrong                              → {"status":"ERROR","error":"TOKEN: detail"}
 *
 * Unknown countries, operators and services are a clean NO_NUMBERS, never an error: the
 * marketplace's lists are longer than ours.
 */
import type { Logger } from "../../log/logger.js";
import type { MarketId, MarketSales, NetworkCode } from "../market-port.js";
import type { SmshubDialect } from "./dialects.js";
import { ANY_OPERATOR, type NameBook } from "./names.js";
import { outcomeOf } from "./outcomes.js";
import { errorAnswer, FinishActivationRequest, getNumberRequest, GetServicesRequest, PhoneNumber, problemsOf, Ulong } from "./schemas.js";
import { BadOfferCount, servicesAnswer, type Unnamed } from "./services-answer.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Error tokens of our answers; the text after the colon is for humans. */
export const SmshubError = {
  BadRequest: "BAD_REQUEST",
  BadKey: "BAD_KEY",
  UnknownAction: "UNKNOWN_ACTION",
  UnknownActivation: "UNKNOWN_ACTIVATION",
  NotRecorded: "NOT_RECORDED",
  Internal: "INTERNAL_ERROR",
  ClientGone: "CLIENT_GONE",
} as const;

export interface ActionAnswer {
  /** HTTP status. */
  status: number;
  body: unknown;
  /** For the request's log line and metrics: SUCCESS, NO_NUMBERS or the error token. */
  result: string;
  level: LogLevel;
  log: Record<string, unknown>;
  /** GET_NUMBER answered with this reservation: withdraw it if the answer does not arrive. */
  issued?: number;
}

/** What the order path needs to know of the client's connection (ClientConnection of src/http/edge/delivery.ts fits). */
export interface ClientState {
  settle(): Promise<void>;
  lostReason(): string | undefined;
}

export interface SmshubActionsOptions {
  market: MarketId;
  dialect: SmshubDialect;
  names: NameBook;
  sales: MarketSales;
  /** FINISH for an activation the core does not know: SUCCESS with a warning (default; any other answer is re-sent forever) or ERROR. */
  unknownActivation: "success" | "error";
  log: Logger;
}

const getServices = GetServicesRequest.omit({ key: true });
const finish = FinishActivationRequest.omit({ key: true });

/** A client-sent name, short enough for a log line. */
const short = (v: string): string => v.slice(0, 64);

function refuse(status: number, token: string, detail: string | undefined, log: Record<string, unknown> = {}): ActionAnswer {
  return { status, body: errorAnswer(detail === undefined ? token : `${token}: ${detail}`), result: token, level: "info", log: { ...log, error: token, detail } };
}

function problemsLine(problems: string[]): string {
  const shown = problems.slice(0, 5).join("; ");
  return (problems.length > 5 ? `${shown}; …` : shown).slice(0, 400);
}

export class SmshubActions {
  readonly #o: SmshubActionsOptions;
  readonly #getNumber: ReturnType<typeof getNumberRequest>;
  /** Unnamed countries/services/operators already logged (once each). */
  readonly #warned = new Set<string>();

  constructor(o: SmshubActionsOptions) {
    this.#o = o;
    // The key was checked already (it may come from elsewhere than the body one day).
    this.#getNumber = getNumberRequest(o.dialect, { key: false });
  }

  async services(body: Record<string, unknown>): Promise<ActionAnswer> {
    const c = problemsOf(getServices, body);
    if (!c.ok) return refuse(400, SmshubError.BadRequest, problemsLine(c.problems));
    try {
      // The services this market buys, in the order the core counts them.
      const services = this.#o.sales.rules(this.#o.market)?.services ?? [];
      const offers = this.#o.sales.offers(this.#o.market, services);
      const answer = servicesAnswer(offers, services, this.#o.names, (what) => this.#unnamed(what));
      return { status: 200, body: answer, result: "SUCCESS", level: "debug", log: { countries: answer.countryList.length } };
    } catch (err) {
      return this.#internal(err instanceof BadOfferCount ? "the sales core reported a count that is not a count" : "offers failed", err);
    }
  }

  /** `deadline`: epoch ms by which the marketplace must have the answer (arrival + the dialect's issuance deadline). */
  async order(body: Record<string, unknown>, deadline: number, client?: ClientState): Promise<ActionAnswer> {
    const c = problemsOf(this.#getNumber, body);
    if (!c.ok) return refuse(400, SmshubError.BadRequest, problemsLine(c.problems));
    const req = c.value;
    const log: Record<string, unknown> = { country: short(req.country), operator: short(req.operator), service: short(req.service), sum: req.price.amount, currency: req.price.currency };
    const noNumbers = (reason: string): ActionAnswer => ({ status: 200, body: { status: "NO_NUMBERS" }, result: "NO_NUMBERS", level: "info", log: { ...log, reason } });
    const country = this.#o.names.countryCode(req.country);
    if (country === undefined) return noNumbers("unknown country");
    const service = this.#o.names.serviceId(req.service);
    if (service === undefined) return noNumbers("unknown service");
    let networks: NetworkCode[] | undefined;
    if (req.operator !== ANY_OPERATOR) {
      networks = this.#o.names.networksNamed(req.operator);
      if (networks.length === 0) return noNumbers("unknown operator");
    }
    // A client that already left would never learn the number: reserve nothing.
    if (client) {
      await client.settle();
      const gone = client.lostReason();
      if (gone !== undefined) return { ...refuse(200, SmshubError.ClientGone, undefined, log), log: { ...log, result: "NOT_RESERVED", reason: gone } };
    }
    let answer;
    try {
      answer = await this.#o.sales.reserve({
        market: this.#o.market,
        country,
        ...(networks === undefined ? {} : { networks: new Set(networks) }),
        service,
        price: req.price,
        excludePrefixes: req.exceptionPhoneSet,
        deadline,
        // Kept with the reservation in the marketplace's words: the name it ordered, and the SIM's real operator (never `any`).
        describe: (sim) => ({ country: req.country, operator: this.#o.names.operatorName(sim.network) ?? sim.network }),
      });
    } catch (err) {
      return this.#internal("reserve failed", err, log);
    }
    if (answer.status === "none") return noNumbers("none fits");
    if (answer.status === "failed") return { ...refuse(200, SmshubError.NotRecorded, answer.error.slice(0, 200), log), level: "warn" };
    const { id, number: digits } = answer.reservation;
    const number = Number(digits);
    if (!/^\d+$/.test(digits) || !PhoneNumber.safeParse(number).success || !Ulong.safeParse(id).success || id < 1) {
      // The core broke its contract: never put a malformed number or id on the wire.
      await this.#o.sales.withdraw(this.#o.market, id, "malformed reservation").catch(() => undefined);
      return this.#internal(`the sales core reserved a malformed number or id (${String(digits).slice(0, 20)}, ${String(id).slice(0, 20)})`, undefined, log);
    }
    // The reservation may have blocked the event loop (a commit): read a FIN that came meanwhile.
    await client?.settle();
    return {
      status: 200,
      body: { number, activationId: id, status: "SUCCESS" },
      result: "SUCCESS",
      level: "info",
      log: { ...log, number: digits, activationId: id },
      issued: id,
    };
  }

  async finish(body: Record<string, unknown>): Promise<ActionAnswer> {
    const c = problemsOf(finish, body);
    if (!c.ok) return refuse(400, SmshubError.BadRequest, problemsLine(c.problems));
    const { activationId, status } = c.value;
    const outcome = outcomeOf(status, this.#o.dialect);
    const log: Record<string, unknown> = { activationId, finishStatus: status, outcome: outcome.kind };
    let result;
    try {
      result = await this.#o.sales.close({ market: this.#o.market, id: activationId, outcome, status, finishSum: null, by: "finish" });
    } catch (err) {
      return this.#internal("close failed", err, log);
    }
    const success = (level: LogLevel, extra: Record<string, unknown> = {}): ActionAnswer => ({ status: 200, body: { status: "SUCCESS" }, result: "SUCCESS", level, log: { ...log, ...extra } });
    switch (result.kind) {
      case "closed":
        return success(outcome.kind === "released" ? "warn" : "info");
      case "finished-after-release":
        // We had let the SIM go (the answer was lost, or no close came for too long); the outcome is recorded now.
        return success("warn", { afterRelease: result.reservation.closeReason });
      case "already-closed":
        // SMSHUB re-sends a FINISH whose answer it missed: the same answer again (idempotence).
        return success("info", { repeated: true });
      case "unknown":
        if (this.#o.unknownActivation === "error") return { ...refuse(200, SmshubError.UnknownActivation, `no activation ${activationId}`, log), level: "warn" };
        return success("warn", { unknownActivation: true });
      case "failed":
        // ERROR makes the marketplace send it again, which is what an unrecorded close needs.
        return { ...refuse(200, SmshubError.NotRecorded, result.error.slice(0, 200), log), level: "warn" };
    }
  }

  #internal(what: string, err: unknown, log: Record<string, unknown> = {}): ActionAnswer {
    const detail = err instanceof Error ? err.message : err === undefined ? undefined : String(err);
    return { status: 500, body: errorAnswer(SmshubError.Internal), result: SmshubError.Internal, level: "error", log: { ...log, error: SmshubError.Internal, detail: `${what}${detail ? `: ${detail}` : ""}` } };
  }

  #unnamed(what: Unnamed): void {
    const id = JSON.stringify(what);
    if (this.#warned.has(id) || this.#warned.size > 1_000) return;
    this.#warned.add(id);
    const text =
      what.kind === "country"
        ? `country ${what.country} has no name in market ${this.#o.market}: its SIMs are not offered there (names.countries)`
        : what.kind === "service"
          ? `service ${what.service} has no code in market ${this.#o.market}: not offered there (names.services)`
          : what.kind === "network"
            ? `network ${what.network} is in no country the sales core knows: its SIMs are not offered in market ${this.#o.market}`
            : `network ${what.network} of ${what.country} has no operator name in market ${this.#o.market}, which reports ${what.country} per operator: its SIMs are not offered there (names.operators)`;
    this.#o.log.warn({ event: "market-unnamed", market: this.#o.market, ...what }, text);
  }
}
