/**
 * The contract between a marketplace adapter (src/markets/<name>/) and the sales core.
 *
 * An adapter owns one marketplace's wire format: its names and codes, its money, its
 * deadlines, its status numbers. The sales core owns the inventory: which SIM may be
 * offered, who holds it, what is burned for which service, what was earned. Between them
 * only the neutral words below travel, so the core never learns a marketplace's spelling
 * and an adapter never learns how SIMs are stored. The adapters are built and tested
 * against this file alone (test/markets/memory-sales.ts is the in-memory reference).
 *
 * Identifiers, chosen so that both sides already know them without a lookup table:
 *  - a country is the SIM's home country as ISO 3166-1 alpha-2, upper case ("RU");
 *  - a network is the SIM's home network as MCC+MNC digits ("25099", 5 or 6 digits);
 *  - a service is our own lower-case id ("telegram", "vk"); each adapter maps it to its
 *    marketplace's code (docs/protocols/smshub.md lists the SMSHUB family's defaults);
 *  - a number is E.164 digits with the country code and no "+" ("79281234567").
 *
 * Every call is async: the core may sit on any store. A call the core cannot serve in
 * time resolves with its "none"/"failed" variant; it never throws for a business reason.
 */

/** A marketplace as configured, e.g. "smshub" or "smsbower"; unique within one daemon. */
export type MarketId = string;
/** Our own service id, lower case: "telegram", "whatsapp", "vk". */
export type ServiceId = string;
/** ISO 3166-1 alpha-2, upper case: "RU". */
export type CountryCode = string;
/** MCC+MNC digits of the SIM's home network: "25099". */
export type NetworkCode = string;

/** How many SIMs one marketplace may order right now for one (country, network, service). */
export interface OfferCount {
  country: CountryCode;
  network: NetworkCode;
  service: ServiceId;
  /**
   * SIMs that can take an order at the same time, never more: a SIM bank with 512 slots
   * and 60 modules counts 60 (over-reporting blocks the marketplace's orders for 30
   * minutes). Excludes SIMs held by any marketplace, and pairs burned for this service.
   */
  count: number;
}

/** ISO 4217 alphabetic code of the currencies the marketplaces pay in. */
export type CurrencyCode = "RUB" | "USD";

/** An amount exactly as the marketplace wrote it: at most 4 decimal places, below 10^6. */
export interface Money {
  currency: CurrencyCode;
  amount: number;
}

export interface ReserveRequest {
  market: MarketId;
  country: CountryCode;
  /** Acceptable home networks; undefined = any network of the country. */
  networks?: readonly NetworkCode[];
  service: ServiceId;
  /** What the marketplace pays if this reservation ends "sold"; the core books it then. */
  price: Money;
  /** Numbers starting with any of these digit prefixes (country code first) must not be given. */
  excludePrefixes: readonly string[];
  /**
   * Epoch ms by which the marketplace must have its answer (SMSHUB: 3 s after it asked).
   * Resolve "none" rather than reserve later: a number the marketplace gave up on is held
   * for nobody.
   */
  deadline: number;
}

export type ReserveResult =
  /**
   * The SIM is held by this reservation until close() or withdraw(). `reservationId` is
   * what the marketplace will quote back (SMSHUB: activationId): a positive safe integer,
   * never reused for this market, durable across restarts.
   */
  | { status: "reserved"; reservationId: number; number: string }
  /** Nothing fits (unknown service, all held, all burned, all excluded, out of time). */
  | { status: "none" }
  /** The core could not decide (its store failed); the marketplace gets an error answer. */
  | { status: "failed"; error: string };

/**
 * How a reservation ended, in neutral words. What each does to the (SIM, service) pair:
 *  - sold:      the SIM is now registered with the service; burned for it on every marketplace.
 *  - cancelled: released; the core counts the cancel per (SIM, service, market) and burns
 *               the pair for this market when the count reaches `cancelLimit` (SMSHUB: 4 in
 *               total, i.e. the number may be offered 3 more times after the first cancel).
 *  - refunded:  released; the buyer got their money back, nothing is earned and nothing
 *               burned. It may come after "sold" for the same reservation (SMSHUB can
 *               notify a refund later): the core then takes the earning back.
 *  - rejected:  released; stop offering this SIM for this service on this market.
 *  - released:  released for a reason the marketplace did not define (an undocumented
 *               status); nothing burned, nothing earned. `why` is for the log.
 * The SIM is released in every case.
 */
export type CloseOutcome =
  | { kind: "sold" }
  | { kind: "cancelled"; cancelLimit: number }
  | { kind: "refunded" }
  | { kind: "rejected" }
  | { kind: "released"; why: string };

export interface CloseRequest {
  market: MarketId;
  reservationId: number;
  outcome: CloseOutcome;
  /** The marketplace's own status value, kept for the ledger and the log. */
  marketStatus: number;
}

export type CloseResult =
  /** Closed now. */
  | { status: "closed" }
  /** Closed before: a repeated close is acknowledged again (marketplaces re-send). */
  | { status: "already-closed" }
  /** No such reservation for this market. */
  | { status: "unknown" }
  /** Not recorded (store failure): the marketplace must send it again. */
  | { status: "failed"; error: string };

/** What an adapter needs from the sales core. */
export interface SalesPort {
  /** The counts this marketplace may see now (held SIMs, burned pairs and its share applied). */
  offers(market: MarketId): Promise<readonly OfferCount[]>;
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Idempotent: the same close again answers "already-closed". */
  close(request: CloseRequest): Promise<CloseResult>;
  /**
   * The answer carrying this reservation never reached the marketplace (it hung up, the
   * write failed): it will never close it, so release the SIM now with no usage change.
   */
  withdraw(request: { market: MarketId; reservationId: number; reason: string }): Promise<void>;
}

/** One SMS the core routes to the marketplace holding the SIM it arrived on. */
export interface HeldSms {
  market: MarketId;
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

/** How one marketplace takes SMS: plugged into the core's outbox worker. */
export interface MarketSmsDelivery {
  readonly market: MarketId;
  /** The pause between attempts the marketplace asks for. */
  readonly retryMs: number;
  request(sms: HeldSms): Promise<OutgoingRequest>;
  classify(answer: MarketAnswer): DeliveryVerdict;
}
