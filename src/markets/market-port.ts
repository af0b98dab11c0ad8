/**
 * What a marketplace adapter (src/markets/<name>/) sees of the sales core, and what the
 * core's outbox will call on an adapter. A thin facade: the words and the calls are the
 * core's own (src/sales), re-exported here so an adapter imports one file, and narrowed
 * to the part an adapter may use.
 *
 * An adapter owns one marketplace's wire format: its names and codes, its money, its
 * deadlines, its status numbers. The core owns the inventory: which SIM may be offered,
 * who holds it, what is burned for which service, what was earned. Between them only the
 * neutral words of src/sales/types.ts travel:
 *  - a country is the SIM's home country as ISO 3166-1 alpha-2, upper case ("RU");
 *  - a network is the SIM's home network as MCC+MNC digits ("25099");
 *  - a service is our own lower-case id ("telegram"); each adapter maps it to its
 *    marketplace's code (docs/protocols/smshub.md#names-and-codes for the SMSHUB family);
 *  - a number is E.164 digits with the country code and no "+" ("79281234567");
 *  - outcomes are sold, cancelled (with the marketplace's limit), refunded, rejected, released.
 */
import type { SalesCore } from "../sales/core.js";

export type { MarketId, ServiceId, CurrencyCode, CloseOutcome, Reservation } from "../sales/types.js";
export type { Money, ReserveRequest, ReserveResult, CoreCloseRequest, CoreCloseResult } from "../sales/core.js";
export type { NetworkOffer, SimEntry } from "../sales/inventory.js";
export type { MarketRules } from "../sales/policy.js";
export { DEFAULT_RULES } from "../sales/policy.js";

/** ISO 3166-1 alpha-2, upper case: "RU". */
export type CountryCode = string;
/** MCC+MNC digits of the SIM's home network: "25099". */
export type NetworkCode = string;

/**
 * The calls an adapter makes on the core; `SalesCore` fits as it is, without a wrapper.
 *   rules(market)              the services it buys (the order `offers` counts them in)
 *   offers(market, services)   counts per home network, in memory
 *   reserve(request)           the store's atomic claim decides; "none" past the deadline
 *   close(request)             the marketplace's outcome, idempotent by id
 *   withdraw(market, id, why)  our answer never reached the marketplace: free the SIM now
 */
export type MarketSales = Pick<SalesCore, "rules" | "offers" | "reserve" | "close" | "withdraw">;

// ---- SMS delivery: what the outbox worker (sms-outbox-worker.ts) calls on an adapter.

/** One SMS the core routed to the marketplace holding the SIM it arrived on. */
export interface HeldSms {
  market: string;
  reservationId: number;
  /** The stored SMS's own id: ≥ 1, never reused, the same on every attempt. */
  smsId: number;
  /** The SIM's number, E.164 digits without "+". */
  number: string;
  /** The sender as the network gave it (a number or a name). */
  sender: string;
  /** Whole text, multipart already joined. */
  text: string;
}

/** An HTTP request ready to go: the adapter has done the encoding (JSON, gzip). */
export interface OutgoingRequest {
  url: string;
  method: "POST";
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The marketplace's answer, as any HTTP client can produce it (body already decoded). */
export interface MarketAnswer {
  status: number;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: unknown;
}

export type DeliveryVerdict =
  | { kind: "delivered" }
  /** Refused for good: never send this SMS to this marketplace again. */
  | { kind: "terminal"; token: string }
  /**
   * Not accepted: send it again after `retryMs`. `transient` = the marketplace is not
   * serving (5xx, 408, 429, no answer): back off the whole destination, not only this SMS.
   */
  | { kind: "retry"; error: string; transient: boolean };

/** How one marketplace takes SMS: plugged into its outbox worker (sms-outbox-worker.ts). */
export interface MarketSmsDelivery {
  readonly market: string;
  /** The pause between attempts the marketplace asks for. */
  readonly retryMs: number;
  request(sms: HeldSms): Promise<OutgoingRequest>;
  classify(answer: MarketAnswer): DeliveryVerdict;
}
