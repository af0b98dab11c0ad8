/**
 * zod schemas for every Onlinesim partner payload, both directions
 * (docs/protocols/onlinesim-v1.md v1, docs/protocols/onlinesim-v2.md v2, shapes docs/protocols/onlinesim.md#type-shapes). Each field carries its evidence tag:
 * [C] documented by Onlinesim, [R] from SMSHUB, [U] unknown, [I] our choice.
 *
 * Policy: what Onlinesim sends us is parsed loosely (unknown fields pass through so the
 * daemon can log them, Q9); what *we* produce is parsed strictly, so the fake catches any
 * undocumented extra field we put on the wire.
 */
import { z } from "zod";

// ---------- shared atoms ----------
const apiKey = z.string().min(1, "the partner key must not be empty"); // [C] docs/protocols/onlinesim.md#authentication
/** Operation id assigned by our server: integer ≥ 1 [C] docs/protocols/onlinesim-v1.md#finish_activation, 53-bit safe (Q18). */
const activationId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/**
 * Money: RUB (Onlinesim sends no currency) as a bounded decimal, from a JSON
 * number or a numeric string (Onlinesim documents a number; SMSHUB-style clients send
 * strings, and what Onlinesim sends us is parsed loosely). Bounds [I]:
 *  - 0 ≤ sum ≤ MAX_RUB (1,000,000): the dearest operation, a months-long rent, costs
 *    thousands of roubles, so a million is far above any real price and anything larger is
 *    a bug or an attack (`1e300` would poison every earnings total);
 *  - at most RUB_DECIMALS (4) decimal places: kopecks need two, and a partner's share
 *    of a price (the FINISH `sum`, e.g. 4.5) may need a few more; float noise such as
 *    0.30000000000000004 is refused rather than silently rounded into the books.
 * Every accepted value is exactly the decimal it was written as: at most 10^10 distinct
 * values (1e6 × 1e4) lie far below 2^53, so the double nearest to each prints back as the
 * same digits.
 */
export const MAX_RUB = 1_000_000;
export const RUB_DECIMALS = 4;
const RUB_PROBLEM = `expected RUB as a decimal from 0 to ${MAX_RUB} with at most ${RUB_DECIMALS} decimal places (a number or a numeric string)`;
/** The shortest decimal form of a number (String()) or a numeric string: digits, optional fraction, no sign, exponent or spaces. */
const RUB_NUMBER_TEXT = new RegExp(`^\\d+(\\.\\d{1,${RUB_DECIMALS}})?$`);
const RUB_STRING = new RegExp(`^(0|[1-9]\\d{0,6})(\\.\\d{1,${RUB_DECIMALS}})?$`);
export const Rub = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const value = typeof v === "number" ? v : RUB_STRING.test(v) ? Number(v) : NaN;
  // String(v) of a finite number is its shortest decimal form: exponent forms (1e-7, 1e21) fail the pattern.
  const exact = typeof v === "string" || RUB_NUMBER_TEXT.test(String(v));
  if (!Number.isFinite(value) || value < 0 || value > MAX_RUB || !exact) {
    ctx.addIssue({ code: "custom", message: RUB_PROBLEM });
    return z.NEVER;
  }
  return value + 0; // -0 → 0
});
const name = z.string().min(1);
/** E.164 digits without "+" (7..15 digits, ITU-T E.164). */
const e164Digits = z.string().regex(/^[1-9]\d{6,14}$/, "expected E.164 digits with country code and no '+'");
/** v2 numbers are international format *with* "+" [C] docs/protocols/onlinesim-v2.md#sendnumbersonline. */
const e164Plus = z.string().regex(/^\+[1-9]\d{6,14}$/, "expected an international number with '+', e.g. +46050910804");

// ---------- v1: requests Onlinesim sends us (docs/protocols/onlinesim-v1.md#requests-onlinesim-sends-us) ----------
export const GetServicesRequest = z.looseObject({
  action: z.literal("GET_SERVICES"), // [C]
  key: apiKey, // [C]
});
/** docs/protocols/onlinesim-v1.md#get_services-rent: identical body, also for `/getServicesRent` [C]. */
export const GetServicesRentRequest = GetServicesRequest;

/** [C] integers (Onlinesim), [R] digit strings (SMSHUB); accept both (Q8). */
export const ExceptionPhoneSet = z.array(
  z.union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\+?[1-9]\d{0,14}$/, "a prefix is the country code plus leading digits")]),
);

export const GetNumberRequest = z.looseObject({
  action: z.literal("GET_NUMBER"), // [C]
  country: name, // [C] e.g. "germany" (names: Q4)
  operator: name, // [C] e.g. "any"
  service: name, // [C] e.g. "facebook"
  sum: Rub, // [C] RUB credited on success
  key: apiKey, // [C]
  exceptionPhoneSet: ExceptionPhoneSet.optional(), // [C] optional; mask exclusion mandatory
  currency: z.number().int().optional(), // [R] SMSHUB only; Onlinesim does not send it
});
/** docs/protocols/onlinesim-v1.md#get_number-rent: body not retrieved [U]; [I] GET_NUMBER fields with `service` optional. */
export const GetNumberRentRequest = GetNumberRequest.extend({ service: name.optional() });

export const FinishStatus = z.literal([1, 3, 4, 5]); // [C] docs/protocols/onlinesim-v1.md#finish_activation: 1 not ordered, 3 sold, 4 cancelled, 5 refunded
export const FinishActivationRequest = z.looseObject({
  action: z.literal("FINISH_ACTIVATION"), // [C]
  activationId, // [C] our id
  status: FinishStatus, // [C]
  sum: Rub.optional(), // [C] newer copies only (S7-live, S7-mirror)
  key: apiKey, // [C]
});
/** docs/protocols/onlinesim-v1.md#finish_activation-rent: action/activationId/status [C]; key, sum [R]. */
export const FinishActivationRentRequest = FinishActivationRequest;

/** One handler dispatching on `action` (Q2). */
export const V1Request = z.discriminatedUnion("action", [GetServicesRequest, GetNumberRequest, FinishActivationRequest]);

// ---------- v1: our responses ----------
const count = z.number().int().nonnegative();
/** service name (or "rent", docs/protocols/onlinesim-v1.md#get_services-rent) → simultaneously usable numbers [C] docs/protocols/onlinesim-v1.md#get_services-rule-1. */
export const ServiceCounts = z.record(name, count);
/**
 * operator → counts. `any` is mandatory and per service equals the sum over the real
 * operators [C] docs/protocols/onlinesim-v1.md#get_services-rule-2 (Onlinesim differs from SMSHUB here, docs/protocols/smshub.md#onlinesim-v1-versus-smshub). With no real
 * operator listed, `any` stands alone (Q5 emitPerOperator=false).
 */
export const OperatorMap = z.record(name, ServiceCounts).superRefine((map, ctx) => {
  const any = map["any"];
  if (!any) {
    ctx.addIssue({ code: "custom", message: "operatorMap must contain the operator 'any' (docs/protocols/onlinesim-v1.md#get_services-rule-2)" });
    return;
  }
  const operators = Object.entries(map).filter(([op]) => op !== "any");
  if (operators.length === 0) return;
  const services = new Set([...Object.keys(any), ...operators.flatMap(([, m]) => Object.keys(m))]);
  for (const service of services) {
    const sum = operators.reduce((acc, [, m]) => acc + (m[service] ?? 0), 0);
    const got = any[service] ?? 0;
    if (got !== sum) {
      ctx.addIssue({ code: "custom", path: ["any", service], message: `any.${service} = ${got} but the operators sum to ${sum} (docs/protocols/onlinesim-v1.md#get_services-rule-2)` });
    }
  }
});
export const CountryEntry = z.strictObject({
  country: name, // [R] key name per Q3 (doc example shows placeholder `#countryname#`)
  operatorMap: OperatorMap, // [C]
});
export const GetServicesResponse = z.discriminatedUnion("status", [
  z.strictObject({ countryList: z.array(CountryEntry), status: z.literal("SUCCESS") }), // [C]
  z.strictObject({ status: z.literal("ERROR"), error: z.string() }), // [R] SMSHUB error shape
]);

export const GetNumberResponse = z.discriminatedUnion("status", [
  z.strictObject({
    status: z.literal("SUCCESS"), // [R]
    number: z.number().int().min(1_000_000).max(999_999_999_999_999), // [R] digits with country code as JSON number (Q7)
    activationId, // [R] our operation id
  }),
  z.strictObject({ status: z.literal("NO_NUMBERS") }), // [R]
  z.strictObject({ status: z.literal("ERROR"), error: z.string() }), // [R]
]);

export const FinishActivationResponse = z.discriminatedUnion("status", [
  z.strictObject({ status: z.literal("SUCCESS") }), // [C]
  z.strictObject({ status: z.literal("ERROR"), error: z.string().optional() }), // [C] enum value; `error` [R]
]);

/** Error answer for a bad key / unknown action (Q10, Q30) [I]. */
export const V1ErrorResponse = z.strictObject({ status: z.literal("ERROR"), error: z.string().min(1) });

// ---------- v1: PUSH_SMS we send (docs/protocols/onlinesim-v1.md#push_sms, docs/protocols/onlinesim-v1.md#push_sms-rent) ----------
export const PushSmsRequest = z.strictObject({
  action: z.literal("PUSH_SMS"), // [C]
  key: apiKey, // [C]
  smsId: activationId, // [C] "operation ID assigned by your server" (Q12)
  phone: z.union([e164Digits, z.number().int().min(1_000_000).max(999_999_999_999_999)]), // [C] string now, INT in old docs (Q13)
  phoneFrom: name, // [C] sender name or number
  text: z.string(), // [C]
});
/** docs/protocols/onlinesim-v1.md#push_sms-rent: same fields plus `service: "RENT"` [C]. */
export const PushSmsRentRequest = PushSmsRequest.extend({ service: z.literal("RENT") });

/** Error tokens [C] docs/protocols/onlinesim-v1.md#push_sms; terminal set per Q15. */
export const PushSmsTerminal = z.enum(["NO_OPERATION", "NO_OP", "BAD_SERVICE", "IGNORED", "SERVICE_BAN"]);
/** Accepted: HTTP 200 (new docs) with `{"status":"SUCCESS"}` (old docs) [C]. */
export const PushSmsAccepted = z.strictObject({ status: z.literal("SUCCESS") });
/** Rejected: wire form [U] (Q14); the fake's choice is documented in fake/push-sms.ts. */
export const PushSmsRejected = z.looseObject({ status: z.union([PushSmsTerminal, z.literal("ERROR")]), error: z.string().optional() });
export const PushSmsResponse = z.union([PushSmsAccepted, PushSmsRejected]);

// ---------- v2 (us → Onlinesim, docs/protocols/onlinesim-v2.md) ----------
export const V2Test = z.enum(["test1", "test2"]); // [C] docs/protocols/onlinesim-v2.md#conventions
export const V2Number = z.strictObject({
  number: e164Plus, // [C]
  country_id: z.number().int().min(1).max(999), // [C] E.164 calling code (Q20)
  operator: z.number().int().min(10_000).max(999_999).optional(), // [C] MCC+MNC (Q19: 5 or 6 digits)
  date_start: z.number().int().nonnegative().optional(), // [C] unix seconds (Q23)
  port_id: z.string().min(1).max(100).optional(), // [C] ≤ 100 chars (Q24)
  rent: z.literal([0, 1]).optional(), // [C] in addNumber; here [U]
});
export const SendNumbersOnlineRequest = z
  .strictObject({ numbers: z.array(V2Number), test: V2Test.optional() }) // [C]
  .superRefine((req, ctx) => {
    const seen = new Set<string>();
    req.numbers.forEach((n, i) => {
      if (seen.has(n.number)) ctx.addIssue({ code: "custom", path: ["numbers", i, "number"], message: `${n.number} is listed twice` });
      seen.add(n.number);
    });
  });
/** docs/protocols/onlinesim-v2.md#addnumber: a single object, `rent` required [C]. */
export const AddNumberRequest = V2Number.extend({ rent: z.literal([0, 1]) });
/** docs/protocols/onlinesim-v2.md#removenumber: payload [U]; [I] `number` ("+…" or Onlinesim id) in the JSON body or query. */
export const RemoveNumberRequest = z.looseObject({ number: z.union([z.string().min(1), z.number().int()]) });
/** docs/protocols/onlinesim-v2.md#checkwork: payload [U]; [I] empty or `{}`. */
export const CheckWorkRequest = z.looseObject({});

export const AddMessageRequest = z.strictObject({
  date: z.string().min(1), // [C] any format, e.g. unix seconds as string
  number: z.string().min(1), // [C] "+…" or the id from sendNumbersOnline (Q22)
  from: name, // [C]
  message: z.string(), // [C]
  test: V2Test.optional(), // [C]
});
/** docs/protocols/onlinesim-v2.md#addmessages: item schema [U]; [I] the addMessage fields without `test`. */
export const AddMessageItem = AddMessageRequest.omit({ test: true });
export const AddMessagesRequest = z.strictObject({ messages: z.array(AddMessageItem).min(1) }); // [C] top level

/** Common errors with their HTTP codes [C] docs/protocols/onlinesim-v2.md#conventions (S15, S16). */
export const V2_ERRORS = {
  ACCOUNT_BLOCKED: 403,
  ERROR_WRONG_KEY: 401,
  ERROR_NO_KEY: 401,
  REQUEST_NOT_FOUND: 405,
  API_ACCESS_DISABLED: 403,
  API_ACCESS_IP: 403,
} as const;
export const V2ErrorCode = z.enum(["ACCOUNT_BLOCKED", "ERROR_WRONG_KEY", "ERROR_NO_KEY", "REQUEST_NOT_FOUND", "API_ACCESS_DISABLED", "API_ACCESS_IP"]);
/** Envelope `{response: 1 | "<ERROR>", ids?}` [C] docs/protocols/onlinesim-v2.md#conventions, ids map number → id [C] docs/protocols/onlinesim-v2.md#addnumber. */
export const V2Response = z.looseObject({
  response: z.union([z.literal(1), z.string(), z.number()]),
  ids: z.record(z.string(), z.number().int()).optional(),
});

// ---------- types ----------
export type GetServicesRequest = z.infer<typeof GetServicesRequest>;
export type GetNumberRequest = z.infer<typeof GetNumberRequest>;
export type GetNumberRentRequest = z.infer<typeof GetNumberRentRequest>;
export type FinishStatus = z.infer<typeof FinishStatus>;
export type FinishActivationRequest = z.infer<typeof FinishActivationRequest>;
export type V1Request = z.infer<typeof V1Request>;
export type ServiceCounts = z.infer<typeof ServiceCounts>;
export type CountryEntry = z.infer<typeof CountryEntry>;
export type GetServicesResponse = z.infer<typeof GetServicesResponse>;
export type GetNumberResponse = z.infer<typeof GetNumberResponse>;
export type FinishActivationResponse = z.infer<typeof FinishActivationResponse>;
export type V1ErrorResponse = z.infer<typeof V1ErrorResponse>;
export type PushSmsRequest = z.infer<typeof PushSmsRequest>;
export type PushSmsRentRequest = z.infer<typeof PushSmsRentRequest>;
export type PushSmsTerminal = z.infer<typeof PushSmsTerminal>;
export type PushSmsResponse = z.infer<typeof PushSmsResponse>;
export type V2Test = z.infer<typeof V2Test>;
export type V2Number = z.infer<typeof V2Number>;
export type SendNumbersOnlineRequest = z.infer<typeof SendNumbersOnlineRequest>;
export type AddNumberRequest = z.infer<typeof AddNumberRequest>;
export type RemoveNumberRequest = z.infer<typeof RemoveNumberRequest>;
export type AddMessageRequest = z.infer<typeof AddMessageRequest>;
export type AddMessageItem = z.infer<typeof AddMessageItem>;
export type AddMessagesRequest = z.infer<typeof AddMessagesRequest>;
export type V2ErrorCode = z.infer<typeof V2ErrorCode>;
export type V2Response = z.infer<typeof V2Response>;

/** Result of checking a payload: the parsed value, or one readable line per problem. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parse `value` and turn zod issues into `path: message` lines (for logs and 400 answers). */
export function check<S extends z.ZodType>(schema: S, value: unknown): Checked<z.infer<S>> {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(body)"}: ${i.message}`) };
}

// ---------- documented examples (contract tests) ----------
/**
 * Example payloads from docs/protocols/onlinesim.md, verbatim where the doc gives one. Entries marked
 * "constructed" fill a documented shape whose example was cut off or written with placeholders.
 */
export const EXAMPLES = {
  getServicesRequest: { action: "GET_SERVICES", key: "apikey" }, // docs/protocols/onlinesim.md#authentication
  /** docs/protocols/onlinesim-v1.md#get_services literal doc text with placeholders: does NOT parse (`country` per Q3). */
  getServicesResponsePlaceholder: {
    countryList: [{ "#countryname#": "string", operatorMap: { any: { "#service_name#": 0 }, "#operator_name#": { "#service_name#": 0 } } }],
    status: "SUCCESS",
  },
  /** docs/protocols/onlinesim-v1.md#get_services the placeholder example with `country` (Q3) and real names (constructed). */
  getServicesResponse: {
    countryList: [{ country: "germany", operatorMap: { any: { facebook: 3, telegram: 1 }, vodafone: { facebook: 2, telegram: 1 }, telekom: { facebook: 1 } } }],
    status: "SUCCESS",
  },
  /** docs/protocols/onlinesim-v1.md#get_services-rent rent variant: every operator map gains `rent` (constructed from the placeholder example). */
  getServicesRentResponse: {
    countryList: [{ country: "germany", operatorMap: { any: { facebook: 0, rent: 2 }, vodafone: { facebook: 0, rent: 2 } } }],
    status: "SUCCESS",
  },
  /** docs/protocols/smshub.md#smshub-agent-protocol SMSHUB example: per-operator, no `any` — valid for SMSHUB, rejected for Onlinesim. */
  getServicesResponseSmshub: { countryList: [{ country: "russia", operatorMap: { beeline: { vk: 10, ok: 15 } } }], status: "SUCCESS" },
  getNumberRequest: { action: "GET_NUMBER", country: "germany", operator: "any", service: "facebook", sum: 40, key: "string", exceptionPhoneSet: [46950] }, // docs/protocols/onlinesim-v1.md#get_number
  getNumberResponse: { status: "SUCCESS", number: 79281234567, activationId: 355 }, // docs/protocols/onlinesim-v1.md#get_number [R]
  getNumberNoNumbers: { status: "NO_NUMBERS" }, // docs/protocols/onlinesim-v1.md#get_number [R]
  getNumberError: { status: "ERROR", error: "<text>" }, // docs/protocols/onlinesim-v1.md#get_number [R]
  finishActivationRequest: { action: "FINISH_ACTIVATION", activationId: 355, sum: 4.5, status: 3, key: "string" }, // docs/protocols/onlinesim-v1.md#finish_activation
  finishActivationResponse: { status: "SUCCESS" }, // docs/protocols/onlinesim-v1.md#finish_activation
  pushSmsRequest: { smsId: 355, phoneFrom: "Instagram", phone: "79088081050", text: "Your verification code is 800142", action: "PUSH_SMS", key: "string" }, // docs/protocols/onlinesim-v1.md#push_sms
  /** docs/protocols/onlinesim-v1.md#push_sms-rent (old example: phoneFrom 'vk', phone as a JSON number; its undocumented `status: 2` left out). */
  pushSmsRentRequest: { smsId: 355, phoneFrom: "vk", phone: 79281234567, text: "code 1234", action: "PUSH_SMS", key: "string", service: "RENT" },
  pushSmsResponse: { status: "SUCCESS" }, // docs/protocols/onlinesim-v1.md#push_sms old docs
  sendNumbersOnlineRequest: {
    numbers: [{ number: "+46050910804", country_id: 46, operator: 24012, date_start: 1658209063, port_id: "Port1", rent: 0 }],
    test: "test1",
  }, // docs/protocols/onlinesim-v2.md#sendnumbersonline
  sendNumbersOnlineResponse: { response: 1, ids: { "+46050910804": 1 } }, // docs/protocols/onlinesim-v2.md#sendnumbersonline (shape from addNumber)
  addNumberRequest: { number: "+4695000051", country_id: 46, port_id: "Port1", rent: 0, operator: 24012, date_start: 1658209063 }, // docs/protocols/onlinesim-v2.md#addnumber table
  addNumberResponse: { response: 1, ids: { "+4695000051": 0 } }, // docs/protocols/onlinesim-v2.md#addnumber (`#number#` filled in)
  addMessageRequest: { date: "1658209069", number: "+234112233445", from: "Instagram", message: "Your OTP is 785094", test: "test1" }, // docs/protocols/onlinesim-v2.md#addmessage
  addMessageResponse: { response: 1 }, // docs/protocols/onlinesim-v2.md#addmessage
  addMessagesRequest: { messages: [{ date: "1658209069", number: "+234112233445", from: "Instagram", message: "Your OTP is 785094" }] }, // docs/protocols/onlinesim-v2.md#addmessages [I] items
  v2Error: { response: "ERROR_WRONG_KEY" }, // docs/protocols/onlinesim-v2.md#conventions
} as const;
