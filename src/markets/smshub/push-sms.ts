/**
 * PUSH_SMS towards a SMSHUB-family marketplace (docs/protocols/smshub.md): the request
 * built from one held SMS, and the verdict on the answer. It plugs into an outbox worker
 * as a MarketSmsDelivery (market-port.ts), the way src/outbound/push-sms-payload.ts does
 * for Onlinesim:
 *
 *   {"action":"PUSH_SMS","key":"…","smsId":17,"phone":79281234567,"phoneFrom":"VK","text":"…"}
 *
 *  - smsId is the SMS's own id in our system (a Ulong), the same on every attempt, so
 *    the marketplace recognises a re-send; phone is a JSON number with the country code;
 *    both are numbers, never strings (acceptance test: a string fails).
 *  - gzip on the request for the dialects that require it on every request; JSON, UTF-8
 *    and a User-Agent always.
 *  - `{"status":"SUCCESS"}` means delivered: never send it again. Anything else is sent
 *    again after 10 s, for ever; no error token is terminal (none is listed).
 */
import { gzipAsync } from "../../http/edge/index.js";
import { VERSION } from "../../package-info.js";
import type { DeliveryVerdict, HeldSms, MarketAnswer, MarketId, MarketSmsDelivery, OutgoingRequest } from "../market-port.js";
import type { SmshubDialect } from "./dialects.js";
import { PhoneNumber, PushSmsRequest, Ulong } from "./schemas.js";

/** "Keep sending the SMS again with 10-second delays until SUCCESS." */
export const PUSH_SMS_RETRY_MS = 10_000;

export const USER_AGENT = `simgate/${VERSION}`;

/** The payload, checked against the protocol's types before it can leave. */
export function buildSmshubPushSms(sms: Pick<HeldSms, "smsId" | "number" | "sender" | "text">, key: string): PushSmsRequest {
  const digits = sms.number.replace(/^\+/, "");
  const phone = Number(digits);
  if (!/^\d+$/.test(digits) || !PhoneNumber.safeParse(phone).success) throw new TypeError(`PUSH_SMS: '${sms.number}' is not an E.164 number`);
  if (!Ulong.safeParse(sms.smsId).success || sms.smsId < 1) throw new TypeError(`PUSH_SMS: smsId ${sms.smsId} is not a positive Ulong`);
  return PushSmsRequest.parse({
    action: "PUSH_SMS",
    key,
    smsId: sms.smsId,
    phone,
    // The protocol wants a sender; a blank one is a decoding oddity, not a reason to hold the SMS back.
    phoneFrom: sms.sender.trim() === "" ? "unknown" : sms.sender,
    text: sms.text,
  });
}

const excerpt = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
};

/** Delivered only on HTTP 2xx with a body whose `status` is SUCCESS; everything else is retried. */
export function classifySmshubPushAnswer(answer: MarketAnswer): DeliveryVerdict {
  const describe = `HTTP ${answer.status}${answer.text.trim() ? `: ${excerpt(answer.text)}` : ""}`;
  const ok = answer.status >= 200 && answer.status <= 299;
  const j = answer.json;
  if (ok && j !== null && typeof j === "object" && !Array.isArray(j) && (j as Record<string, unknown>)["status"] === "SUCCESS") return { kind: "delivered" };
  return { kind: "retry", error: describe, transient: answer.status >= 500 || answer.status === 408 || answer.status === 429 };
}

export interface SmshubSmsDeliveryOptions {
  market: MarketId;
  dialect: Pick<SmshubDialect, "gzip">;
  /** The marketplace's PUSH_SMS URL (SMSHUB publishes one; the clones' come from their support). */
  url: string;
  key: string;
}

export class SmshubSmsDelivery implements MarketSmsDelivery {
  readonly market: MarketId;
  readonly retryMs = PUSH_SMS_RETRY_MS;

  constructor(private readonly o: SmshubSmsDeliveryOptions) {
    this.market = o.market;
  }

  async request(sms: HeldSms): Promise<OutgoingRequest> {
    const json = Buffer.from(JSON.stringify(buildSmshubPushSms(sms, this.o.key)), "utf8");
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "user-agent": USER_AGENT,
      accept: "application/json",
      "accept-encoding": "gzip",
    };
    if (this.o.dialect.gzip === "always") {
      headers["content-encoding"] = "gzip";
      return { url: this.o.url, method: "POST", headers, body: await gzipAsync(json) };
    }
    return { url: this.o.url, method: "POST", headers, body: json };
  }

  classify(answer: MarketAnswer): DeliveryVerdict {
    return classifySmshubPushAnswer(answer);
  }
}
