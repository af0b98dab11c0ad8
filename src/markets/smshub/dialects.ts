/**
 * The SMSHUB agent protocol and the marketplaces that copied it, as data. One adapter
 * serves all of them; what differs between them is here and nowhere else. Every value
 * says where it comes from (docs/protocols/smshub.md#what-simgate-does-with-it has the
 * table, the sections above it the wording and the sources):
 *  [C] the marketplace's own page says so, [R] taken from SMSHUB for a clone whose page
 *  we could not read on this point, [I] our choice where no page says anything.
 */
import type { CurrencyCode } from "../market-port.js";

export const DIALECT_NAMES = ["smshub", "smsbower", "grizzly"] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

/** What `sum` may look like in one currency. */
export interface CurrencyRule {
  code: CurrencyCode;
  /** Decimal places a `cur` field may carry in this currency. */
  decimals: number;
}

export interface SmshubDialect {
  name: DialectName;
  title: string;
  /**
   * "always": gzip on every request and answer (SMSHUB, SMSBower list it as a
   * requirement); "when-asked": an answer is compressed only when the request's
   * Accept-Encoding asks for it (Grizzly's requirements do not list gzip).
   */
  gzip: "always" | "when-asked";
  /**
   * Whether GET_NUMBER must carry `currency`. SMSHUB marks it required; where a clone's
   * page does not show the field, an order without it is taken as roubles.
   */
  currencyRequired: boolean;
  /** ISO 4217 numeric code → currency and decimals of `sum`. Other codes are refused. */
  currencies: Readonly<Record<number, CurrencyRule>>;
  /** How often the marketplace polls GET_SERVICES (the fake's default). */
  pollMs: { min: number; max: number };
  /** A number must be given within this; SMSHUB's acceptance test fails a slower one. */
  issueDeadlineMs: number;
  /** FINISH status 4: a number may be offered for one service this many times in total. */
  cancelLimit: number;
  /** Where PUSH_SMS goes, when the marketplace published it; else partner support gives it. */
  pushSmsUrl?: string;
  /** Service codes that differ from the family table in names.ts (our id → code). */
  serviceCodes: Readonly<Record<string, string>>;
}

/** Appendix 6 of SMSHUB's protocol [C]: ISO 4217 numeric; 2 decimals for roubles, 4 for dollars. */
const SMSHUB_CURRENCIES: Readonly<Record<number, CurrencyRule>> = {
  643: { code: "RUB", decimals: 2 },
  840: { code: "USD", decimals: 4 },
};

export const DIALECTS: Readonly<Record<DialectName, SmshubDialect>> = {
  smshub: {
    name: "smshub",
    title: "SMSHUB",
    gzip: "always", // [C] "use the gzip compression method in each request/response"
    currencyRequired: true, // [C] GET_NUMBER: currency, Uint, Required
    currencies: SMSHUB_CURRENCIES, // [C]
    pollMs: { min: 10_000, max: 20_000 }, // [C] "once every 10-20 seconds"
    issueDeadlineMs: 3_000, // [C] acceptance test 5: more than 3 s fails
    cancelLimit: 4, // [C] appendix 4: "3 more times (that is only 4 times in total)"
    pushSmsUrl: "https://agent.unerio.com/agent/api/sms", // [C]
    serviceCodes: {},
  },
  smsbower: {
    name: "smsbower",
    title: "SMSBower",
    gzip: "always", // [C] "Apply gzip compression method to all requests/responses"
    currencyRequired: false, // [I] the field is not visible in the copies we read: absent = RUB
    currencies: SMSHUB_CURRENCIES, // [R]
    pollMs: { min: 10_000, max: 20_000 }, // [C] "approximately every 10-20 seconds"
    issueDeadlineMs: 3_000, // [R]
    cancelLimit: 4, // [R]
    serviceCodes: {},
  },
  grizzly: {
    name: "grizzly",
    title: "Grizzly SMS",
    gzip: "when-asked", // [C] requirements: JSON, UTF-8, User-Agent; gzip not listed
    currencyRequired: false, // [I] as SMSBower
    // [C] "cur: real value containing up to 2 decimal places, for example, 177.77"
    currencies: { 643: { code: "RUB", decimals: 2 }, 840: { code: "USD", decimals: 2 } },
    pollMs: { min: 10_000, max: 20_000 }, // [C] "approximately every 10-20 seconds"
    issueDeadlineMs: 3_000, // [R]
    cancelLimit: 4, // [R]
    serviceCodes: {},
  },
};

export function isDialectName(name: string): name is DialectName {
  return (DIALECT_NAMES as readonly string[]).includes(name);
}

/** The ISO 4217 numeric code of roubles: an order without `currency` is in roubles where allowed. */
export const RUB_NUMERIC = 643;
