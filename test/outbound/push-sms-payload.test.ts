/**
 * PUSH_SMS body and answer classification as pure tables (Q12–Q15): every body we build must
 * pass the strict schema the fake uses; every answer form maps to one verdict.
 */
import { describe, expect, it } from "vitest";
import { check, PushSmsRentRequest, PushSmsRequest } from "../../src/onlinesim/schemas.js";
import { buildPushSms, classifyPushAnswer } from "../../src/outbound/index.js";

const TERMINAL = new Set(["NO_OPERATION", "NO_OP", "BAD_SERVICE", "IGNORED", "SERVICE_BAN"]);
const row = { smsId: 41, activationId: 7, phone: "79088081050", sender: "Instagram", text: "code 1", service: "telegram" };

describe("buildPushSms", () => {
  it.each([
    ["activationId", "string", { smsId: 7, phone: "79088081050" }],
    ["uniqueSmsId", "string", { smsId: 41, phone: "79088081050" }],
    ["activationId", "int", { smsId: 7, phone: 79088081050 }],
  ] as const)("smsIdMode %s, phoneFormat %s", (smsIdMode, phoneFormat, expected) => {
    const body = buildPushSms(row, "key-123", { smsIdMode, phoneFormat });
    expect(body).toEqual({ action: "PUSH_SMS", key: "key-123", phoneFrom: "Instagram", text: "code 1", ...expected });
    expect(check(PushSmsRequest, body).ok).toBe(true);
  });

  it("adds service RENT for rent activations (any case) and strips a '+' from the number", () => {
    const body = buildPushSms({ ...row, service: "Rent", phone: "+79088081050" }, "k", { smsIdMode: "activationId", phoneFormat: "string" });
    expect(body).toMatchObject({ service: "RENT", phone: "79088081050" });
    expect(check(PushSmsRentRequest, body).ok).toBe(true);
  });

  it("never sends an empty phoneFrom (the schema requires one)", () => {
    expect(buildPushSms({ ...row, sender: " " }, "k", { smsIdMode: "activationId", phoneFormat: "string" }).phoneFrom).toBe("unknown");
  });
});

describe("classifyPushAnswer (Q14, Q15)", () => {
  const answer = (status: number, text: string) => {
    let json: unknown;
    try {
      json = text.trim() ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status, text, json };
  };
  it.each([
    [200, '{"status":"SUCCESS"}', { kind: "delivered" }],
    [200, "", { kind: "delivered" }],
    [200, '{"response":1}', { kind: "delivered" }],
    [200, "OK", { kind: "delivered" }],
    [200, "thanks", { kind: "delivered" }],
    [200, "{}", { kind: "delivered" }],
    [204, "", { kind: "delivered" }],
    [200, '{"status":"NO_OPERATION"}', { kind: "terminal", token: "NO_OPERATION" }],
    [400, '{"status":"ERROR","error":"BAD_SERVICE"}', { kind: "terminal", token: "BAD_SERVICE" }],
    [400, "SERVICE_BAN", { kind: "terminal", token: "SERVICE_BAN" }],
    [200, '"IGNORED"', { kind: "terminal", token: "IGNORED" }],
    [200, '{"status":"NO_OP"}', { kind: "terminal", token: "NO_OP" }],
    [401, '{"status":"ERROR","error":"ERROR_WRONG_KEY"}', { kind: "config", code: "ERROR_WRONG_KEY", status: 401 }],
    [403, "API_ACCESS_IP", { kind: "config", code: "API_ACCESS_IP", status: 403 }],
    [503, '{"status":"ERROR","error":"INJECTED_503"}', { kind: "retry", error: 'HTTP 503: {"status":"ERROR","error":"INJECTED_503"}', transient: true }],
    [500, "", { kind: "retry", error: "HTTP 500", transient: true }],
    [429, "", { kind: "retry", error: "HTTP 429", transient: true }],
    [200, '{"status":"ERROR","error":"TEMPORARY"}', { kind: "retry", error: expect.stringMatching(/^HTTP 200: /), transient: false }],
    [200, "WAIT_A_BIT", { kind: "retry", error: "HTTP 200: WAIT_A_BIT", transient: false }],
    [400, '{"status":"ERROR","error":"BAD_REQUEST: phone: expected E.164"}', { kind: "retry", error: expect.stringMatching(/BAD_REQUEST/), transient: false }],
  ])("HTTP %i %s", (status, text, verdict) => {
    expect(classifyPushAnswer(answer(status, text), TERMINAL)).toEqual(verdict);
  });

  it("only the configured tokens are terminal", () => {
    expect(classifyPushAnswer(answer(200, '{"status":"IGNORED"}'), new Set(["NO_OPERATION"]))).toMatchObject({ kind: "retry" });
  });
});
