/**
 * What the daemon hands the v1 partner endpoint (the contract of buildPartnerServer).
 * Kept apart from server.ts so every part of the module can import the types without a cycle.
 */
import type { FastifyPluginAsync } from "fastify";
import type { Config } from "../../config/schema.js";
import type { Logger } from "../../log/logger.js";

/** The slice of the Onlinesim engine the endpoint calls (src/markets/onlinesim/engine.ts fits). */
export interface PartnerEngine {
  getServices(): { countryList: Array<{ country: string; operatorMap: Record<string, Record<string, number>> }>; status: "SUCCESS" };
  orderNumber(req: {
    country: unknown;
    operator: unknown;
    service: unknown;
    sum?: unknown;
    exceptionPhoneSet?: unknown;
  }): Promise<{ status: "SUCCESS"; number: number; activationId: number } | { status: "NO_NUMBERS" } | { status: "ERROR"; error: string }>;
  finishActivation(req: { activationId: unknown; status: unknown; sum?: unknown }): Promise<{ status: "SUCCESS" } | { status: "ERROR"; error: string }>;
  /** The SUCCESS answer for this activation never reached the client: free its number now (src/http/edge/delivery.ts). */
  withdrawUndelivered(activationId: number, reason: string): Promise<void>;
}

/** One answered request, for metrics. */
export interface PartnerRequestInfo {
  /**
   * The action that reached the engine (`GET_SERVICES`, `GET_NUMBER`, `FINISH_ACTIVATION`;
   * with `_RENT` appended on the rent paths), or `"invalid"` for every request refused
   * before that (bad key, bad body, unknown action, unknown path, wrong method).
   */
  action: string;
  /** HTTP status sent. */
  status: number;
  durationMs: number;
}

export interface PartnerServerOptions {
  engine: PartnerEngine;
  /** The partner key; the daemon refuses to start without one, so it is always a non-empty string here. */
  key: string;
  /** bodyLimitBytes, requestTimeoutMs (listen is used by the caller). */
  http: Config["http"];
  v1: Config["onlinesim"]["v1"];
  auth: Config["onlinesim"]["auth"];
  logger: Logger;
  /** Called for every answered request (for metrics later): action or "invalid", HTTP status, duration ms. */
  onRequest?: (info: PartnerRequestInfo) => void;
  /**
   * Other marketplaces' endpoints served on this listener under their own paths (the
   * SMSHUB family's smshubEndpoint): each a fastify plugin with its own hooks and error
   * shape, sharing the listener's TLS, rate limit and slow-client limits and nothing of
   * Onlinesim's (allow-list, gzip, request lines).
   */
  mounts?: ReadonlyArray<{ paths: readonly string[]; plugin: FastifyPluginAsync }>;
}
