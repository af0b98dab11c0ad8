/**
 * Contract tests: every documented example payload (docs/protocols/onlinesim-v1.md, docs/protocols/onlinesim-v2.md) parses with its
 * schema, in both directions; near-misses are rejected with a message naming the field.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  AddMessageRequest,
  AddMessagesRequest,
  AddNumberRequest,
  check,
  EXAMPLES,
  FinishActivationRequest,
  FinishActivationResponse,
  GetNumberRentRequest,
  GetNumberRequest,
  GetNumberResponse,
  GetServicesRequest,
  GetServicesResponse,
  PushSmsRentRequest,
  PushSmsRequest,
  PushSmsResponse,
  SendNumbersOnlineRequest,
  V1Request,
  V2_ERRORS,
  V2ErrorCode,
  V2Response,
} from "../../src/onlinesim/schemas.js";

const valid: Array<[string, z.ZodType, unknown]> = [
  // Onlinesim → us (v1 requests) and our answers
  ["GET_SERVICES request docs/protocols/onlinesim.md#authentication", GetServicesRequest, EXAMPLES.getServicesRequest],
  ["GET_SERVICES response docs/protocols/onlinesim-v1.md#get_services (Q3 country key)", GetServicesResponse, EXAMPLES.getServicesResponse],
  ["GET_SERVICES (RENT) response docs/protocols/onlinesim-v1.md#get_services-rent", GetServicesResponse, EXAMPLES.getServicesRentResponse],
  ["GET_NUMBER request docs/protocols/onlinesim-v1.md#get_number", GetNumberRequest, EXAMPLES.getNumberRequest],
  ["GET_NUMBER request via V1Request", V1Request, EXAMPLES.getNumberRequest],
  ["GET_NUMBER (RENT) request docs/protocols/onlinesim-v1.md#get_number-rent [I]", GetNumberRentRequest, EXAMPLES.getNumberRequest],
  ["GET_NUMBER response SUCCESS docs/protocols/onlinesim-v1.md#get_number [R]", GetNumberResponse, EXAMPLES.getNumberResponse],
  ["GET_NUMBER response NO_NUMBERS", GetNumberResponse, EXAMPLES.getNumberNoNumbers],
  ["GET_NUMBER response ERROR", GetNumberResponse, EXAMPLES.getNumberError],
  ["FINISH_ACTIVATION request docs/protocols/onlinesim-v1.md#finish_activation", FinishActivationRequest, EXAMPLES.finishActivationRequest],
  ["FINISH_ACTIVATION via V1Request", V1Request, EXAMPLES.finishActivationRequest],
  ["FINISH_ACTIVATION response docs/protocols/onlinesim-v1.md#finish_activation", FinishActivationResponse, EXAMPLES.finishActivationResponse],
  // us → Onlinesim
  ["PUSH_SMS request docs/protocols/onlinesim-v1.md#push_sms", PushSmsRequest, EXAMPLES.pushSmsRequest],
  ["PUSH_SMS (RENT) request docs/protocols/onlinesim-v1.md#push_sms-rent", PushSmsRentRequest, EXAMPLES.pushSmsRentRequest],
  ["PUSH_SMS response", PushSmsResponse, EXAMPLES.pushSmsResponse],
  ["sendNumbersOnline request docs/protocols/onlinesim-v2.md#sendnumbersonline", SendNumbersOnlineRequest, EXAMPLES.sendNumbersOnlineRequest],
  ["sendNumbersOnline response docs/protocols/onlinesim-v2.md#sendnumbersonline", V2Response, EXAMPLES.sendNumbersOnlineResponse],
  ["addNumber request docs/protocols/onlinesim-v2.md#addnumber", AddNumberRequest, EXAMPLES.addNumberRequest],
  ["addNumber response docs/protocols/onlinesim-v2.md#addnumber", V2Response, EXAMPLES.addNumberResponse],
  ["addMessage request docs/protocols/onlinesim-v2.md#addmessage", AddMessageRequest, EXAMPLES.addMessageRequest],
  ["addMessage response docs/protocols/onlinesim-v2.md#addmessage", V2Response, EXAMPLES.addMessageResponse],
  ["addMessages request docs/protocols/onlinesim-v2.md#addmessages", AddMessagesRequest, EXAMPLES.addMessagesRequest],
  ["v2 error envelope docs/protocols/onlinesim-v2.md#conventions", V2Response, EXAMPLES.v2Error],
];

describe("documented examples parse", () => {
  it.each(valid)("%s", (_name, schema, example) => {
    const r = check(schema, example);
    expect(r).toEqual({ ok: true, value: expect.anything() });
  });

  it("FINISH_ACTIVATION accepts every documented status and no sum (older copies)", () => {
    for (const status of [1, 3, 4, 5]) {
      expect(check(FinishActivationRequest, { action: "FINISH_ACTIVATION", activationId: 1, status, key: "k" }).ok).toBe(true);
    }
  });

  it("exceptionPhoneSet takes integers (Onlinesim) and digit strings (SMSHUB, Q8)", () => {
    const r = check(GetNumberRequest, { ...EXAMPLES.getNumberRequest, exceptionPhoneSet: [46950, "792831", "+4670"] });
    expect(r.ok).toBe(true);
  });

  it("Onlinesim's extra fields in its requests pass through (Q9: log them)", () => {
    const r = check(GetNumberRequest, { ...EXAMPLES.getNumberRequest, rentTime: 24 });
    expect(r.ok && (r.value as Record<string, unknown>)["rentTime"]).toBe(24);
  });

  it("v2 error table carries the documented HTTP codes", () => {
    expect(V2_ERRORS).toEqual({ ACCOUNT_BLOCKED: 403, ERROR_WRONG_KEY: 401, ERROR_NO_KEY: 401, REQUEST_NOT_FOUND: 405, API_ACCESS_DISABLED: 403, API_ACCESS_IP: 403 });
    expect(V2ErrorCode.options).toHaveLength(6);
  });
});

/** [name, schema, payload, a fragment the problem text must contain] */
const nearMisses: Array<[string, z.ZodType, unknown, string]> = [
  ["literal #countryname# placeholder (Q3)", GetServicesResponse, EXAMPLES.getServicesResponsePlaceholder, "countryList.0.country"],
  ["SMSHUB operatorMap without any", GetServicesResponse, EXAMPLES.getServicesResponseSmshub, "must contain the operator 'any'"],
  [
    "any is not the sum of the operators",
    GetServicesResponse,
    { countryList: [{ country: "germany", operatorMap: { any: { facebook: 2 }, vodafone: { facebook: 2 }, telekom: { facebook: 1 } } }], status: "SUCCESS" },
    "any.facebook = 2 but the operators sum to 3",
  ],
  ["fractional count", GetServicesResponse, { countryList: [{ country: "germany", operatorMap: { any: { facebook: 1.5 } } }], status: "SUCCESS" }, "operatorMap.any.facebook"],
  ["FINISH status 2 (not documented)", FinishActivationRequest, { ...EXAMPLES.finishActivationRequest, status: 2 }, "status"],
  ["activationId 0", FinishActivationRequest, { ...EXAMPLES.finishActivationRequest, activationId: 0 }, "activationId"],
  ["activationId as string", FinishActivationRequest, { ...EXAMPLES.finishActivationRequest, activationId: "355" }, "activationId"],
  ["GET_NUMBER without service", GetNumberRequest, { ...EXAMPLES.getNumberRequest, service: undefined }, "service"],
  ["exceptionPhoneSet with letters", GetNumberRequest, { ...EXAMPLES.getNumberRequest, exceptionPhoneSet: ["46x"] }, "exceptionPhoneSet.0"],
  ["GET_NUMBER answer number as string (Q7)", GetNumberResponse, { ...EXAMPLES.getNumberResponse, number: "79281234567" }, "number"],
  ["GET_NUMBER SUCCESS without number", GetNumberResponse, { status: "SUCCESS", activationId: 1 }, "number"],
  ["GET_NUMBER answer with extra field", GetNumberResponse, { ...EXAMPLES.getNumberResponse, flashcall: false }, "flashcall"],
  ["FINISH answer OK", FinishActivationResponse, { status: "OK" }, "status"],
  ["PUSH_SMS phone with '+'", PushSmsRequest, { ...EXAMPLES.pushSmsRequest, phone: "+79088081050" }, "phone"],
  ["PUSH_SMS without key", PushSmsRequest, { ...EXAMPLES.pushSmsRequest, key: undefined }, "key"],
  ["PUSH_SMS clone shape {activationId, sms} (docs/protocols/smshub.md#clones-in-public-code)", PushSmsRequest, { action: "PUSH_SMS", key: "k", activationId: 1, sms: "x" }, "smsId"],
  ["PUSH_SMS (RENT) without service", PushSmsRentRequest, EXAMPLES.pushSmsRequest, "service"],
  ["sendNumbersOnline number without '+'", SendNumbersOnlineRequest, { numbers: [{ number: "46050910804", country_id: 46 }] }, "numbers.0.number"],
  ["sendNumbersOnline port_id > 100 chars", SendNumbersOnlineRequest, { numbers: [{ number: "+46050910804", country_id: 46, port_id: "p".repeat(101) }] }, "numbers.0.port_id"],
  ["sendNumbersOnline listing a number twice", SendNumbersOnlineRequest, { numbers: [{ number: "+46050910804", country_id: 46 }, { number: "+46050910804", country_id: 46 }] }, "listed twice"],
  ["sendNumbersOnline test3", SendNumbersOnlineRequest, { numbers: [], test: "test3" }, "test"],
  ["addNumber without rent (required, docs/protocols/onlinesim-v2.md#addnumber)", AddNumberRequest, { number: "+4695000051", country_id: 46 }, "rent"],
  ["addMessage without from", AddMessageRequest, { date: "1", number: "+234112233445", message: "x" }, "from"],
  ["addMessages empty", AddMessagesRequest, { messages: [] }, "messages"],
  ["addMessages item with text instead of message", AddMessagesRequest, { messages: [{ date: "1", number: "+1", from: "x", text: "y" }] }, "messages.0"],
];

describe("near-misses are rejected with a useful message", () => {
  it.each(nearMisses)("%s", (_name, schema, payload, fragment) => {
    const r = check(schema, payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.join("\n")).toContain(fragment);
  });
});
