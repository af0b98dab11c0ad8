/**
 * The `markets:` list of simgate's config: the marketplaces sold on besides Onlinesim
 * (the `onlinesim:` block), one entry each, all selling the same SIMs through the sales
 * core (docs/protocols/smshub.md#one-inventory-on-several-marketplaces). Every entry speaks the SMSHUB agent protocol; its
 * `dialect` says which marketplace of that family (docs/protocols/smshub.md#marketplaces-of-the-family).
 *
 * The schema lives in the config layer, like the `engine:` block's: the adapter
 * (src/markets/smshub/config.ts) reads the parsed entry as its plain type. The dialect
 * names and the sales defaults are repeated here as literals because the config layer
 * imports nothing above it; test/config/markets-schema.test.ts holds them equal to the
 * adapter's and the core's.
 */
import { z } from "zod";
import { HOST_PORT, parseHostPort } from "./host-port.js";

/** The SMSHUB family's marketplaces (src/markets/smshub/dialects.ts DIALECT_NAMES). */
export const SMSHUB_DIALECT_NAMES = ["smshub", "smsbower", "grizzly"] as const;

/** The core's default share and headroom (src/sales/policy.ts DEFAULT_RULES). */
export const DEFAULT_SHARE = 1;
export const DEFAULT_HEADROOM = 0;

const nameMap = (keyPattern: RegExp, what: string) =>
  z.record(z.string().regex(keyPattern, what), z.union([z.string().min(1).max(64), z.null()])).default({});

const hostPort = z.string().refine((s) => parseHostPort(s) !== undefined && HOST_PORT.test(s), "expected HOST:PORT (port 0-65535)");

/**
 * A marketplace's id: what the sales ledger records as the buyer of each reservation and
 * what the status page, the metrics and `simgate earnings` show. Lower case, so it is also
 * the suffix of its environment variable (SIMGATE_MARKET_<ID>_KEY, dashes as underscores).
 * "onlinesim" is taken by the `onlinesim:` block.
 */
export const marketIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "a market id: lower-case letters, digits and dashes, starting with a letter (≤ 32)")
  .refine((s) => s !== "onlinesim", "'onlinesim' is the onlinesim: block's market; choose another id");

export const smshubMarketConfigSchema = z.strictObject({
  /** The id this marketplace is recorded under (see marketIdSchema). Default: the dialect's name. */
  id: marketIdSchema.optional(),
  /** The protocol family; the only one besides Onlinesim's today. */
  protocol: z.literal("smshub").default("smshub"),
  /** Which marketplace of the family: the wire differences are in src/markets/smshub/dialects.ts. */
  dialect: z.enum(SMSHUB_DIALECT_NAMES).default("smshub"),
  /**
   * The protocol key from the marketplace's cabinet. Prefer SIMGATE_MARKET_<ID>_KEY or the
   * systemd credential market-<id>-key: a secret does not belong in a file others read.
   * The daemon refuses to start a market without one.
   */
  key: z.string().min(1).optional(),
  /** The path the marketplace posts to; one URL serves all actions. */
  path: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, "a URL path starting with /").default("/smshub"),
  /**
   * Where this marketplace's endpoint listens. Unset: on the partner endpoint's listener
   * (http.listen, with its TLS, rate limit and slow-client limits) under `path`. Set: a
   * listener of its own, plain HTTP (put TLS in front of it with a reverse proxy).
   */
  listen: hostPort.optional(),
  /** PUSH_SMS URL; default the dialect's published one (SMSHUB), else required from support. */
  pushSmsUrl: z.url().optional(),
  /**
   * PUSH_SMS requests in flight at once (4): a crash can repeat at most that many SMS,
   * and a slow marketplace does not hold up the others' SMS (each has its own worker).
   */
  pushConcurrency: z.number().int().min(1).max(64).default(4),
  /**
   * Our service ids this marketplace is offered, in the order GET_SERVICES lists them.
   * Empty: every service that has a code in its name book.
   */
  services: z.array(z.string().regex(/^[a-z0-9_-]{1,64}$/, "a service id: lower case")).default([]),
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
  share: z.number().gt(0).max(1).default(DEFAULT_SHARE),
  headroom: z.number().int().min(0).max(100_000).default(DEFAULT_HEADROOM),
  /** Exact source addresses allowed to call the endpoint; empty = any. */
  allowIps: z.array(z.string()).default([]),
});

/** The whole list: ids and endpoints must not collide. */
export const marketsConfigSchema = z
  .array(smshubMarketConfigSchema)
  .max(16)
  .default([])
  .transform((list) => list.map((m) => ({ ...m, id: m.id ?? m.dialect })))
  .superRefine((list, ctx) => {
    const ids = new Set<string>();
    const endpoints = new Set<string>();
    list.forEach((m, i) => {
      if (ids.has(m.id)) ctx.addIssue({ code: "custom", message: `market id '${m.id}' is used twice (set id: on one of them)`, path: [i, "id"] });
      ids.add(m.id);
      const where = `${m.listen ?? "http.listen"} ${m.path}`;
      if (endpoints.has(where)) ctx.addIssue({ code: "custom", message: `two markets on ${m.listen ?? "the partner listener"} at path ${m.path}: give each its own path`, path: [i, "path"] });
      endpoints.add(where);
    });
  });

export type SmshubMarketConfig = z.output<typeof smshubMarketConfigSchema> & { id: string };
export type MarketsConfig = z.output<typeof marketsConfigSchema>;

/** The environment variable that carries a market's key: SIMGATE_MARKET_<ID>_KEY. */
export function marketKeyEnvName(id: string): string {
  return `SIMGATE_MARKET_${id.toUpperCase().replace(/-/g, "_")}_KEY`;
}
