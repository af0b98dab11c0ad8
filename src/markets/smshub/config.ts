/**
 * One SMSHUB-family marketplace's config entry (an element of the config's `markets:`
 * list, whose schema is in src/config/markets-schema.ts), read as the adapter needs it:
 * its dialect, the names in force, where PUSH_SMS goes, the rules the core applies.
 * Names of our services, countries and networks: names.ts.
 */
import type { SmshubMarketConfig } from "../../config/markets-schema.js";
import type { MarketId, MarketRules, ServiceId } from "../market-port.js";
import { DEFAULT_RULES } from "../market-port.js";
import { DIALECTS, type SmshubDialect } from "./dialects.js";
import { NameBook } from "./names.js";

export { smshubMarketConfigSchema, type SmshubMarketConfig } from "../../config/markets-schema.js";

export function dialectOf(config: Pick<SmshubMarketConfig, "dialect">): SmshubDialect {
  return DIALECTS[config.dialect];
}

/** The names in force for this market: family defaults, the dialect's, then the config's. */
export function nameBookOf(config: Pick<SmshubMarketConfig, "dialect" | "names" | "operatorSplit">): NameBook {
  return new NameBook(dialectOf(config), { ...config.names, operatorSplit: config.operatorSplit });
}

/** Where PUSH_SMS goes, or undefined when neither the config nor the dialect says. */
export function pushSmsUrlOf(config: Pick<SmshubMarketConfig, "dialect" | "pushSmsUrl">): string | undefined {
  return config.pushSmsUrl ?? dialectOf(config).pushSmsUrl;
}

/**
 * The rules the sales core applies to this market. It buys `services` (default: every
 * service with a code in its name book), ordered as given; a service without a code is
 * left out, since it could be neither offered nor ordered. SMSHUB publishes no operation
 * time, so reservations live by the core's defaults (docs/protocols/smshub.md#what-simgate-does-with-it).
 */
export function marketRulesOf(id: MarketId, config: Pick<SmshubMarketConfig, "share" | "headroom">, names: NameBook, services?: readonly ServiceId[]): MarketRules {
  return {
    ...DEFAULT_RULES,
    id,
    services: (services ?? names.services()).filter((s) => names.serviceCode(s) !== undefined),
    share: config.share,
    headroom: config.headroom,
  };
}
