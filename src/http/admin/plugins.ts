/**
 * What the admin listener serves besides health: each feature registers its routes from
 * its own file (status page, metrics, inspection API for the CLI). Add a feature by
 * appending it to ADMIN_PLUGINS.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "../../config/schema.js";
import type { OnlinesimEngine } from "../../markets/onlinesim/engine.js";
import type { Logger } from "../../log/logger.js";
import type { PortMap } from "../../modem/port-map.js";
import type { ModemPool } from "../../pool/pool.js";
import type { SimulatedPool } from "../../sim/pool.js";
import type { Store } from "../../store/index.js";
import type { OutboundStatsSource } from "../../outbound/outbound-stats.js";
import { metricsPlugin } from "./metrics.js";
import { statusPagePlugin } from "./status-page.js";
import { registerInspectRoutes } from "./inspect-routes.js";
import { registerStoreRoutes } from "./store-routes.js";
import { registerActivationRoutes } from "./activation-routes.js";
import { numbersPlugin } from "./numbers-route.js";
import { registerEarningsRoutes } from "./earnings-routes.js";

/**
 * Requests answered by the partner endpoint, as /metrics reads them; the partner's
 * PartnerCounters fits. Declared here: the admin listener does not import the endpoint.
 */
export interface RequestCounts {
  /** `${action} ${status}` → count. */
  readonly requests: ReadonlyMap<string, number>;
  /** action → [count, total ms]. */
  readonly durations: ReadonlyMap<string, readonly [number, number]>;
}

/** Everything an admin feature may read (and, for `simgate at`, the pool to reach a port's AT queue). */
export interface AdminContext {
  config: Readonly<Config>;
  map: PortMap;
  engine: OnlinesimEngine;
  store: Store;
  pool: ModemPool;
  outbound: OutboundStatsSource;
  simulated: SimulatedPool | undefined;
  /** Requests answered by the partner endpoint, by action and HTTP status. */
  partner: RequestCounts;
  /** Requests each other marketplace (config markets:) sent us, by market id. */
  marketRequests?: ReadonlyMap<string, RequestCounts>;
  startedAt: number;
  logger: Logger;
  /** The admin token in force (admin.token, else the generated one): a secret to scrub from what is served. */
  adminToken: string;
}

export type AdminPlugin = (app: FastifyInstance, ctx: AdminContext) => void | Promise<void>;

export const ADMIN_PLUGINS: AdminPlugin[] = [metricsPlugin, statusPagePlugin, registerInspectRoutes, registerStoreRoutes, registerActivationRoutes, numbersPlugin, registerEarningsRoutes];
