/**
 * The config block of one SMSHUB-family marketplace. Not mounted in src/config/schema.ts
 * yet: the daemon wiring (a `markets:` list beside `onlinesim:`) comes with the sales
 * core; until then this is what that list's SMSHUB entries will hold, with the same
 * defaults. Names of our services, countries and networks: names.ts.
 */
import { z } from "zod";
import { DEFAULT_RULES, type MarketId, type MarketRules, type ServiceId } from "../market-port.js";
import { DIALECT_NAMES, DIALECTS, type SmshubDialect } from "./dialects.js";
import { NameBook } from "./names.js";

const nameMap = (keyPattern: RegExp, what: string) =>
  z.record(z.string().regex(keyPattern, what), z.union([z.string().min(1).max(64), z.null()])).default({});

export const smshubMarketConfigSchema = z.strictObject({
  /** Which marketplace of the family: the wire differences are in dialects.ts. */
  dialect: z.enum(DIALECT_NAMES).default("smshub"),
  /**
   * The protocol key from the marketplace's cabinet. Optional here because the daemon
   * prefers it from the environment (a secret does not belong in a file others read).
   */
  key: z.string().min(1).optional(),
  /** The path the marketplace posts to; one URL serves all actions. */
  path: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, "a URL path starting with /").default("/smshub"),
  /** PUSH_SMS URL; default the dialect's published one (SMSHUB), else required from support. */
  pushSmsUrl: z.url().optional(),
  names: z
    .strictObject({
      /** our service id → code; null removes a default. */
      services: nameMap(/^[a-z0-9_-]{1,64}$/, "a service id: lower case"),
      /** ISO 3166-1 alpha-2 → country name. */
      countries: nameMap(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code, upper case"),
      /** MCC+MNC → operator name (only for countries in operatorSplit). */
      operators: nameMap(/^\d{5,6}$/, "MCC+MNC digits"),
    })
    .default({ services: {}, countries: {}, operators: {} }),
  /**
   * Countries reported per operator instead of `any`. Empty by default: operator names
   * are not published, and the marketplace's support must be asked before a country
   * switches between the two.
   */
  operatorSplit: z.array(z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code, upper case")).default([]),
  /** FINISH for an activation we do not know: SUCCESS and a warning (else it is re-sent for ever), or ERROR. */
  unknownActivation: z.enum(["success", "error"]).default("success"),
  /**
   * The share of the idle SIMs this market is shown, and SIMs subtracted after it
   * (src/sales/policy.ts). SMSHUB reads every 10–20 s and blocks for 30 minutes on an
   * over-report, so a pool also sold where counts are read rarely may show it less.
   */
  share: z.number().gt(0).max(1).default(DEFAULT_RULES.share),
  headroom: z.number().int().min(0).max(100_000).default(DEFAULT_RULES.headroom),
  /** Exact source addresses allowed to call the endpoint; empty = any. */
  allowIps: z.array(z.string()).default([]),
});

export type SmshubMarketConfig = z.infer<typeof smshubMarketConfigSchema>;

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
