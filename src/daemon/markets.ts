/**
 * The `markets:` list of the config made into running marketplaces (issue 15): each entry
 * an SMSHUB-family adapter over the one sales core the Onlinesim engine runs, so a SIM
 * reserved on one marketplace is gone from every other at once.
 *
 * Three steps, in the daemon's start order:
 *  1. `prepareMarkets` (before the core opens): names, dialect and the rules the core
 *     applies to each market; a market without a key refuses the start with one line.
 *  2. `marketMounts` (with the partner endpoint): the endpoints that share the partner
 *     listener, each under its own path.
 *  3. `listenOwn` (after it): the endpoints with a `listen:` of their own, plain HTTP
 *     with the partner listener's slow-client limits.
 */
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { Config } from "../config/schema.js";
import { marketKeyEnvName, type SmshubMarketConfig } from "../config/markets-schema.js";
import { ErrorCode, SimgateError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import type { MarketSales } from "../markets/market-port.js";
import { dialectOf, marketRulesOf, nameBookOf, pushSmsUrlOf } from "../markets/smshub/config.js";
import type { SmshubDialect } from "../markets/smshub/dialects.js";
import { buildSmshubServer, smshubEndpoint, type SmshubEndpointOptions, type SmshubRequestInfo } from "../markets/smshub/endpoint.js";
import type { NameBook } from "../markets/smshub/names.js";
import type { MarketRules } from "../sales/policy.js";
import { listen, type Listening } from "./listen.js";

/** One configured marketplace, ready to be served. */
export interface PreparedMarket {
  readonly id: string;
  readonly config: Readonly<SmshubMarketConfig>;
  readonly dialect: SmshubDialect;
  readonly names: NameBook;
  readonly rules: MarketRules;
  readonly key: string;
  /** Where PUSH_SMS goes; undefined: the SMS wait in the outbox (warned at start). */
  readonly pushSmsUrl: string | undefined;
}

/** One-line reason the configured markets cannot start, or null. */
export function marketsProblem(config: Readonly<Config>): string | null {
  for (const m of config.markets) {
    if (m.key === undefined) return `market '${m.id}' has no key: set ${marketKeyEnvName(m.id)} (or markets[].key in the config file)`;
  }
  return null;
}

export function prepareMarkets(config: Readonly<Config>): PreparedMarket[] {
  return config.markets.map((m) => {
    const names = nameBookOf(m);
    return {
      id: m.id,
      config: m,
      dialect: dialectOf(m),
      names,
      rules: marketRulesOf(m.id, m, names, m.services.length > 0 ? m.services : undefined),
      key: m.key as string, // marketsProblem refused the start without one
      pushSmsUrl: pushSmsUrlOf(m),
    };
  });
}

export interface MarketServeOptions {
  sales: MarketSales;
  http: Readonly<Config["http"]>;
  logger: Logger;
  onRequest?: (info: SmshubRequestInfo) => void;
}

function endpointOptionsOf(m: PreparedMarket, o: MarketServeOptions): SmshubEndpointOptions {
  return {
    market: m.id,
    dialect: m.dialect,
    key: m.key,
    path: m.config.path,
    sales: o.sales,
    names: m.names,
    logger: o.logger,
    unknownActivation: m.config.unknownActivation,
    allowIps: m.config.allowIps,
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
  };
}

/** The endpoints served on the partner listener (markets without `listen:`). */
export function marketMounts(markets: readonly PreparedMarket[], o: MarketServeOptions): Array<{ paths: string[]; plugin: FastifyPluginAsync }> {
  return markets.filter((m) => m.config.listen === undefined).map((m) => ({ paths: [m.config.path], plugin: smshubEndpoint(endpointOptionsOf(m, o)) }));
}

export interface OwnListener {
  market: string;
  app: FastifyInstance;
  listening: Listening;
}

/**
 * The endpoints with a listener of their own. On failure the ones already listening are
 * closed and the error (one line: which market, which address, why) is thrown.
 */
export async function listenOwn(markets: readonly PreparedMarket[], o: MarketServeOptions): Promise<OwnListener[]> {
  const started: OwnListener[] = [];
  try {
    for (const m of markets) {
      if (m.config.listen === undefined) continue;
      const app = await buildSmshubServer(endpointOptionsOf(m, o), { requestTimeoutMs: o.http.requestTimeoutMs, trustProxy: o.http.trustProxy });
      const listening = await listen(app, m.config.listen, `market '${m.id}' endpoint`);
      started.push({ market: m.id, app, listening });
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.app.close().catch(() => undefined)));
    throw err instanceof SimgateError ? err : new SimgateError(`markets: ${err instanceof Error ? err.message : String(err)}`, ErrorCode.DaemonCannotStart);
  }
  return started;
}
