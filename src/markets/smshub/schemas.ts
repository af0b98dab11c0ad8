/**
 * zod schemas of the SMSHUB agent protocol (docs/protocols/smshub.md), both directions,
 * shared by the endpoint adapter, the PUSH_SMS builder and the fake marketplace.
 *
 * Types are strict, as SMSHUB's acceptance test is: a numeric field sent as a string
 * fails ("smsId": "123" is refused), and so does a number where a string belongs. The
 * protocol's field types: Uint 0..2,147,483,647; Ulong 0..9,223,372,036,854,775,807,
 * held here to 2^53 - 1 because a JSON number above it is not exact in JavaScript (our
 * ids stay far below, and a phone number has at most 15 digits); `cur` a decimal with 2
 * places for roubles and 4 for dollars (per dialect, dialects.ts).
 *
 * What a marketplace sends us is an object that may carry fields we do not know (kept,
 * ignored); what we send, and what the fake checks of our answers, is exact.
 */
import { z } from "zod";
import type { Money } from "../market-port.js";
import { RUB_NUMERIC, type SmshubDialect } from "./dialects.js";

// ---------- field types (SMSHUB "Field types") ----------
export const UINT_MAX = 2_147_483_647;
export const Uint = z.number().int().min(0).max(UINT_MAX);
export const Ulong = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A phone number as a Ulong: E.164 with the country code, 7 to 15 digits. */
export const PhoneNumber = z.number().int().min(1_000_000).max(999_999_999_999_999);
const key = z.string().min(1);
const name = z.string().min(1).max(64);
/** A count in GET_SERVICES ("type-int"), never negative. */
const count = z.number().int().min(0).max(UINT_MAX);

/** Digits of a number prefix, country code first: "7918", "792831" (any length). */
export const Prefix = z.string().regex(/^[1-9]\d{0,14}$/, "a prefix is digits, country code first");

/** Money bounds: far above any activation's price; anything bigger is a bug or an attack. */
export const MAX_SUM = 1_000_000;

/** `sum` as written (String of a JSON number is its shortest decimal form) against the currency's decimals. */
export function sumProblem(sum: number, decimals: number): string | undefined {
  const text = String(sum);
  const pattern = decimals === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{1,${decimals}})?$`);
  if (!Number.isFinite(sum) || sum < 0 || sum > MAX_SUM || !pattern.test(text)) {
    return `expected a decimal from 0 to ${MAX_SUM} with at most ${decimals} decimal places, got ${text}`;
  }
  return undefined;
}

// ---------- requests the marketplace sends us ----------
export const GetServicesRequest = z.looseObject({ action: z.literal("GET_SERVICES"), key });

const getNumberFields = {
  action: z.literal("GET_NUMBER"),
  country: name,
  service: name,
  operator: name,
  sum: z.number(),
  exceptionPhoneSet: z.array(Prefix).max(1_000).optional(),
};

export interface GetNumberOrder {
  country: string;
  service: string;
  operator: string;
  price: Money;
  /** The numeric currency as sent (or 643 when the dialect let it be absent). */
  currency: number;
  exceptionPhoneSet: string[];
}

/**
 * GET_NUMBER for one dialect: `currency` required or not, `sum` checked against its
 * decimals. `key: false` leaves the key out (for a caller that checked it already).
 */
export function getNumberRequest(dialect: Pick<SmshubDialect, "currencyRequired" | "currencies">, opts: { key?: boolean } = {}) {
  const currency = dialect.currencyRequired ? Uint : Uint.optional();
  const fields = opts.key === false ? { ...getNumberFields, currency } : { ...getNumberFields, currency, key };
  return z.looseObject(fields).transform((req, ctx): GetNumberOrder => {
    const numeric = req.currency ?? RUB_NUMERIC;
    const rule = dialect.currencies[numeric];
    if (rule === undefined) {
      ctx.addIssue({ code: "custom", path: ["currency"], message: `unsupported currency ${numeric} (ISO 4217 numeric: ${Object.keys(dialect.currencies).join(", ")})` });
      return z.NEVER;
    }
    const problem = sumProblem(req.sum, rule.decimals);
    if (problem !== undefined) {
      ctx.addIssue({ code: "custom", path: ["sum"], message: `${problem} (${rule.code})` });
      return z.NEVER;
    }
    return {
      country: req.country,
      service: req.service,
      operator: req.operator,
      price: { currency: rule.code, amount: req.sum + 0 },
      currency: numeric,
      exceptionPhoneSet: req.exceptionPhoneSet ?? [],
    };
  });
}

export const FinishActivationRequest = z.looseObject({ action: z.literal("FINISH_ACTIVATION"), key, activationId: Ulong, status: Uint });

// ---------- what we send: PUSH_SMS ----------
export const PushSmsRequest = z.strictObject({
  action: z.literal("PUSH_SMS"),
  key,
  smsId: Ulong, // the SMS's id in our system
  phone: PhoneNumber, // with the country code, a number
  phoneFrom: z.string().min(1), // the sender; may be a name
  text: z.string(),
});

// ---------- answers ----------
export const ErrorAnswer = z.strictObject({ status: z.literal("ERROR"), error: z.string().min(1) });
export const SuccessAnswer = z.strictObject({ status: z.literal("SUCCESS") });

/** service code → count. */
const ServiceCounts = z.record(name, count);
/**
 * One country: per operator or `any`, never both (SMSHUB's appendix 2). Whether a country
 * switched between the two across polls is for whoever sees several answers (the fake).
 */
export const CountryEntry = z
  .strictObject({ country: name, operatorMap: z.record(name, ServiceCounts) })
  .superRefine((entry, ctx) => {
    const operators = Object.keys(entry.operatorMap);
    if (operators.includes("any") && operators.length > 1) {
      ctx.addIssue({ code: "custom", path: ["operatorMap"], message: `${entry.country}: 'any' together with operators (${operators.filter((o) => o !== "any").join(", ")}); a country is either split by operator or 'any'` });
    }
  });
export const GetServicesAnswer = z.union([z.strictObject({ countryList: z.array(CountryEntry), status: z.literal("SUCCESS") }), ErrorAnswer]);

export const GetNumberAnswer = z.union([
  z.strictObject({ number: PhoneNumber, activationId: Ulong, status: z.literal("SUCCESS") }),
  z.strictObject({ status: z.literal("NO_NUMBERS") }),
  ErrorAnswer,
]);

export const FinishActivationAnswer = z.union([SuccessAnswer, ErrorAnswer]);
export const PushSmsAnswer = z.union([SuccessAnswer, ErrorAnswer]);

export type PushSmsRequest = z.infer<typeof PushSmsRequest>;
export type GetServicesAnswer = z.infer<typeof GetServicesAnswer>;
export type CountryEntry = z.infer<typeof CountryEntry>;
export type GetNumberAnswer = z.infer<typeof GetNumberAnswer>;
export type ErrorAnswer = z.infer<typeof ErrorAnswer>;

/** The protocol's error shape (appendix 5): exactly `status` and `error`. */
export function errorAnswer(error: string): ErrorAnswer {
  return { status: "ERROR", error };
}

/** Parse, or one readable line per problem (field path and expectation, never the value of `key`). */
export function problemsOf<S extends z.ZodType>(schema: S, value: unknown): { ok: true; value: z.infer<S> } | { ok: false; problems: string[] } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`) };
}
