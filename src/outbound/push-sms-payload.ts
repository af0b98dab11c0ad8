/**
 * PUSH_SMS / PUSH_SMS (RENT) on the wire (docs/protocols/onlinesim-v1.md#push_sms, docs/protocols/onlinesim-v1.md#push_sms-rent): the request body built from an
 * outbox row, and the verdict on Onlinesim's answer (Q14, Q15).
 *
 * smsId (Q12): `activationId` sends the activation id (the literal docs: "operation ID
 * assigned by your server"); `uniqueSmsId` sends the stored SMS id (`sms.id`, AUTOINCREMENT,
 * never reused, ≥ 1), not the outbox row id: it names the message itself, so the value stays
 * the same however the SMS is routed, and it is what Onlinesim would see as "the SMS id".
 */
import type { Config } from "../config/schema.js";
import type { PushSmsRentRequest, PushSmsRequest } from "../onlinesim/schemas.js";
import type { DueDelivery } from "../store/outbox.js";
import { configErrorIn, type ConfigErrorCode } from "./config-errors.js";
import { excerpt, type HttpAnswer } from "./http.js";

export type PushConfig = Config["onlinesim"]["push"];

/** Rent activations go to push.rentUrl with `service: "RENT"` (docs/protocols/onlinesim-v1.md#push_sms-rent). */
export function isRentService(service: string): boolean {
  return service.toLowerCase() === "rent";
}

export function buildPushSms(
  row: Pick<DueDelivery, "smsId" | "activationId" | "phone" | "sender" | "text" | "service">,
  key: string,
  push: Pick<PushConfig, "smsIdMode" | "phoneFormat">,
): PushSmsRequest | PushSmsRentRequest {
  const digits = row.phone.replace(/^\+/, "");
  const body: PushSmsRequest = {
    action: "PUSH_SMS",
    key,
    smsId: push.smsIdMode === "activationId" ? row.activationId : row.smsId,
    phone: push.phoneFormat === "int" ? Number(digits) : digits,
    // The schema wants a non-empty sender; a blank one is a decoding oddity, not a reason to hold the SMS back.
    phoneFrom: row.sender.trim() === "" ? "unknown" : row.sender,
    text: row.text,
  };
  return isRentService(row.service) ? { ...body, service: "RENT" } : body;
}

export type PushVerdict =
  | { kind: "delivered" }
  /** A token from push.terminalErrors: never retried (Q15). */
  | { kind: "terminal"; token: string }
  /** Wrong/missing key and friends: the operator must act (config-errors.ts). */
  | { kind: "config"; code: ConfigErrorCode; status: number }
  /**
   * Not accepted: again after push.retryMs. `transient` = Onlinesim is not serving (5xx,
   * 408, 429, no answer): the destination backs off; otherwise only this SMS was refused.
   */
  | { kind: "retry"; error: string; transient: boolean };

const TOKEN = /^[A-Z][A-Z0-9_]*$/;
/** Bare text answers that mean "accepted". */
const OK_WORDS = new Set(["SUCCESS", "OK", "1"]);

/** Error tokens an answer names, in every wire form the fake (and Q14) allows. */
function tokensOf(answer: HttpAnswer): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (typeof v !== "string") return;
    const s = v.trim();
    out.push(s);
    // "BAD_REQUEST: phone: …" → "BAD_REQUEST"
    const lead = /^[A-Z][A-Z0-9_]*/.exec(s)?.[0];
    if (lead && lead !== s) out.push(lead);
  };
  const j = answer.json;
  if (j && typeof j === "object" && !Array.isArray(j)) {
    const o = j as Record<string, unknown>;
    add(o["status"]);
    add(o["error"]);
    add(o["response"]);
  } else if (typeof j === "string") add(j);
  else if (j === undefined) add(answer.text);
  return out;
}

/**
 * Q14 resolution: delivered iff HTTP 2xx and the body is empty, non-JSON text that names
 * no error, `status: "SUCCESS"`, `response: 1`, or a JSON object without `status`/`error`
 * (new docs: "HTTP 200 ⇒ delivered"). A terminal token wins whatever the HTTP status
 * (the fake answers NO_OPERATION with HTTP 200 by default so trusting 200 alone is wrong).
 */
export function classifyPushAnswer(answer: HttpAnswer, terminalErrors: ReadonlySet<string>): PushVerdict {
  const tokens = tokensOf(answer);
  const terminal = tokens.find((t) => terminalErrors.has(t));
  if (terminal) return { kind: "terminal", token: terminal };
  const config = configErrorIn(answer.json, answer.text);
  if (config) return { kind: "config", code: config, status: answer.status };
  const { status } = answer;
  const describe = () => `HTTP ${status}${answer.text.trim() ? `: ${excerpt(answer.text)}` : ""}`;
  if (status < 200 || status > 299) return { kind: "retry", error: describe(), transient: status >= 500 || status === 408 || status === 429 };
  const j = answer.json;
  if (j && typeof j === "object" && !Array.isArray(j)) {
    const o = j as Record<string, unknown>;
    if (o["status"] === "SUCCESS" || o["response"] === 1 || o["response"] === "1") return { kind: "delivered" };
    if (o["status"] !== undefined || o["error"] !== undefined || o["response"] !== undefined) return { kind: "retry", error: describe(), transient: false };
    return { kind: "delivered" };
  }
  const bare = typeof j === "string" ? j.trim() : j === undefined ? answer.text.trim() : "";
  if (TOKEN.test(bare) && !OK_WORDS.has(bare)) return { kind: "retry", error: describe(), transient: false };
  return { kind: "delivered" };
}
