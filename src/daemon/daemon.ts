/**
 * The composition root of `simgate run`: the one place that knows every layer.
 *
 *   modem source (discovery + hot-plug, or simulated ptys) → ModemPool → PortMap
 *   PortMap → sales core (feedPorts)                PortMap → store.sims (learned numbers)
 *   PortMap "sms-received" → store → core routes to the SIM's holder → PUSH_SMS sender / v2 queue
 *   sales core reservation events → v2 list (one SIM, one buyer: the ledger decides)
 *   partner endpoint (Onlinesim polls) → engine       admin listener → status, health, simulator
 *   markets: (SMSHUB family) → their endpoints on the partner listener or their own, the same
 *   sales core, and an SMS outbox worker each (markets.ts, outbound.ts; docs/markets.md)
 *
 * Start order makes readiness honest: the store opens first (a corrupt or locked store
 * refuses the start with one line), the engine loads its open activations, the partner
 * endpoint listens before the modems come up (answering zero counts is correct while no
 * module is ready), and READY is reported after the first discovery pass. Close runs the
 * same order backwards: the listeners stop taking requests and let in-flight ones finish,
 * the ports close (an SMS still arriving is stored), the senders stop (what they did not
 * deliver stays in the outbox for the next start), then the store — so everything
 * acknowledged is on disk. (The modem source is created before the listeners, so it is
 * closed after them, but discovery starts only once they listen.)
 */
import type { FastifyInstance } from "fastify";
import { ErrorCode, SimgateError } from "../errors.js";
import { feedPorts, watchStale } from "../sales/port-feed.js";
import { OnlinesimEngine } from "../markets/onlinesim/engine.js";
import type { Logger } from "../log/logger.js";
import { PortMap } from "../modem/port-map.js";
import { ModemPool } from "../pool/pool.js";
import { openStore, type Store } from "../store/index.js";
import { openBytePort } from "../transport/serial-port.js";
import type { Config } from "../config/schema.js";
import { buildPartnerEndpoint, type TlsReloadResult } from "../http/partner/index.js";
import { buildAdminServer } from "../http/admin/server.js";
import { daemonAdminToken } from "../http/admin/admin-token.js";
import { effectiveEngineConfig } from "./engine-config.js";
import { createModemSource, type ModemSource, type SimulateOptions } from "./modem-source.js";
import { startOutbound, type Outbound } from "./outbound.js";
import { daemonSessionOptions } from "./session-options.js";
import { recordSims } from "./sim-records.js";
import { logPortEvents } from "./event-log.js";
import { routeLeftovers } from "./route-recovery.js";
import { startSmsFlow } from "./sms-flow.js";
import { daemonStatus } from "../http/admin/status-document.js";
import { secretScrubber } from "../log/secrets.js";
import { configSecrets } from "../config/redact.js";
import { listen, type Listening } from "./listen.js";
import { PartnerCounters } from "../http/partner/counters.js";
import { listenOwn, marketMounts, marketsProblem, prepareMarkets, type OwnListener } from "./markets.js";

export interface DaemonOptions {
  config: Readonly<Config>;
  logger: Logger;
  /** Run on N simulated modems instead of the host's serial ports. */
  simulate?: SimulateOptions;
  /** Overrides config admin.listen (`--admin HOST:PORT`). */
  adminListen?: string;
}

export interface Daemon {
  readonly partner: Listening;
  /** Marketplaces with a listener of their own (markets[].listen), by market id. */
  readonly marketListeners: ReadonlyMap<string, Listening>;
  readonly admin: Listening;
  readonly store: Store;
  readonly engine: OnlinesimEngine;
  readonly map: PortMap;
  readonly pool: ModemPool;
  readonly modems: ModemSource;
  readonly outbound: Outbound;
  /** Re-read the partner endpoint's TLS certificate and key (SIGHUP); logs one line, never throws, a bad new pair keeps the old. */
  reloadTls(): Promise<TlsReloadResult>;
  /** Graceful stop; idempotent. Resolves when the store is closed. */
  close(): Promise<void>;
}

/** One-line reason the daemon cannot serve with this config, or null. */
export function configProblem(config: Readonly<Config>): string | null {
  if (config.onlinesim.key === undefined) return "no Onlinesim key: set SIMGATE_ONLINESIM_KEY (or onlinesim.key in the config file)";
  return marketsProblem(config);
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { config, logger: log } = opts;
  const problem = configProblem(config);
  if (problem) throw new SimgateError(problem, ErrorCode.DaemonCannotStart);
  const key = config.onlinesim.key as string;
  const startedAt = Date.now();
  /** Shutdown steps, run in reverse order of registration; each is timed (a slow stop says which step). */
  const cleanups: Array<{ step: string; run: () => Promise<void> | void }> = [];
  const cleanup = async (): Promise<void> => {
    for (const { step, run } of cleanups.reverse()) {
      const t0 = Date.now();
      try {
        await run();
      } catch (err) {
        log.error({ event: "shutdown-step-failed", step, err }, `shutdown step '${step}' failed; continuing`);
      }
      const ms = Date.now() - t0;
      log[ms > 2_000 ? "warn" : "debug"]({ event: "shutdown-step", step, ms }, `shutdown: ${step} took ${ms} ms`);
    }
    cleanups.length = 0;
  };

  try {
    const store = openStore({ stateDir: config.stateDir, logger: log, lowSpaceWarnBytes: config.store.lowSpaceWarnBytes });
    cleanups.push({ step: "close the store", run: () => store.close() });
    log.info({ event: "store-open", path: store.path, schemaVersion: store.schemaVersion, migrated: store.migrated }, "state database open");
    // The admin token, next to the store: a bad token file stops the start before anything listens.
    // Never logged: only where it is, so the operator can find it.
    const adminToken = daemonAdminToken(config.admin.token, config.stateDir);
    if (adminToken.generated) log.info({ event: "admin-token-generated", file: adminToken.file }, `admin token generated in ${adminToken.file} (mode 0600): the admin CLI and the status page login use it`);

    const engineConfig = effectiveEngineConfig(config, opts.simulate !== undefined);
    if (engineConfig.services.length === 0) log.warn({ event: "no-services" }, "engine.services is empty: GET_SERVICES reports nothing for sale until you list the Onlinesim services to sell");
    // Every marketplace sells through the one core the Onlinesim engine opens: one ledger of who holds each SIM.
    const markets = prepareMarkets(config);
    const engine = await OnlinesimEngine.open({
      ledger: store.sales,
      config: engineConfig,
      market: { share: config.onlinesim.share, headroom: config.onlinesim.headroom },
      otherMarkets: markets.map((m) => m.rules),
      logger: log,
    });
    for (const m of markets) {
      log.info({ event: "market-configured", market: m.id, dialect: m.config.dialect, services: m.rules.services.length, path: m.config.path, listen: m.config.listen ?? null }, `selling on ${m.dialect.title} as '${m.id}'`);
    }
    await routeLeftovers(store, engine, log);
    const map = new PortMap({ allowRoaming: config.modem.allowRoaming });

    const outbound = startOutbound({ config, key, store, engine, map, logger: log, markets });
    // The ledger's word on who holds a SIM reaches the v2 list: a reservation opened or ended
    // on any marketplace, or by the operator, the overdue sweep or an undelivered answer.
    const holdersChanged = (): void => outbound.activationsChanged();
    engine.core.on("reservation-opened", holdersChanged);
    engine.core.on("reservation-closed", holdersChanged);
    const sms = startSmsFlow({ store, engine, map, logger: log, onStored: (s) => outbound.smsStored(s) });
    cleanups.push({ step: "stop the SMS flow", run: () => sms.stop() });
    const stopFeed = feedPorts(engine, map);
    const stopStale = watchStale(engine);
    const stopSims = recordSims(map, store.sims, log);
    const stopEventLog = logPortEvents(map, log);
    cleanups.push({ step: "stop the port feeds", run: () => [stopFeed, stopStale, stopSims, stopEventLog].forEach((f) => f()) });
    // Before the ports close: an SMS stored while they close stays in the outbox for the next start.
    cleanups.push({ step: "stop the senders", run: () => outbound.stop() });

    const pool = new ModemPool({ map, logger: log, openPort: (path) => openBytePort({ path }), session: daemonSessionOptions(config.modem, store, sms.assemblerFor) });
    const modems = await createModemSource({ pool, modem: config.modem, stateDir: config.stateDir, simulate: opts.simulate, logger: log });
    cleanups.push({ step: "close the ports", run: () => modems.stop() });

    const partnerCounters = new PartnerCounters();
    // The other marketplaces' requests, counted apart (their endpoints report the market id).
    const marketCounters = new Map(markets.map((m) => [m.id, new PartnerCounters()]));
    const onMarketRequest = (info: { market: string; action: string; status: number; durationMs: number }): void => marketCounters.get(info.market)?.record(info);
    // http.tls (cert and key files) makes it HTTPS; a file that does not load stops the start here.
    const partnerEndpoint = await buildPartnerEndpoint({
      engine,
      key,
      http: config.http,
      v1: config.onlinesim.v1,
      auth: config.onlinesim.auth,
      logger: log,
      onRequest: (info) => partnerCounters.record(info),
      mounts: marketMounts(markets, { sales: engine.core, http: config.http, logger: log, onRequest: onMarketRequest }),
    });
    const partnerApp = partnerEndpoint.app;
    const partner = await listen(partnerApp, config.http.listen, "partner endpoint");
    cleanups.push({ step: "close the partner endpoint", run: () => partnerApp.close() });
    log.info({ event: "partner-listening", url: partner.url, mode: config.onlinesim.mode }, "partner endpoint listening");
    const own: OwnListener[] = await listenOwn(markets, { sales: engine.core, http: config.http, logger: log, onRequest: onMarketRequest });
    cleanups.push({ step: "close the market listeners", run: () => Promise.all(own.map((l) => l.app.close())).then(() => undefined) });
    for (const l of own) log.info({ event: "market-listening", market: l.market, url: l.listening.url }, `market '${l.market}' endpoint listening`);

    let discovered = false;
    // The generated admin token is a secret too: it is in no config, so it is added by hand.
    const servedScrub = secretScrubber([...configSecrets(config), adminToken.token]);
    let adminApp: FastifyInstance | undefined;
    const adminListen = opts.adminListen ?? config.admin.listen;
    adminApp = await buildAdminServer({
      listen: adminListen,
      context: { config, map, engine, store, pool, outbound, simulated: modems.simulated, partner: partnerCounters, marketRequests: marketCounters, startedAt, logger: log, adminToken: adminToken.token },
      ready: () => {
        if (store.closed) return { ready: false, why: "store closed" };
        // Selling while nothing can be recorded would hand out numbers the store forgets.
        const writes = store.writeHealth();
        if (!writes.writable) return { ready: false, why: `state database writes are failing: ${writes.reason}` };
        return discovered ? { ready: true } : { ready: false, why: "first port discovery still running" };
      },
      status: () => daemonStatus({ map, engine, outbound, store, startedAt, activationLifeMs: config.engine.activationLifeMs, names: config.engine.names, scrub: servedScrub }),
    });
    const admin = await listen(adminApp, adminListen, "admin listener");
    cleanups.push({ step: "close the admin listener", run: () => adminApp?.close() });
    log.info({ event: "admin-listening", url: admin.url }, "admin listener up (status, health, metrics)");

    await modems.start();
    discovered = true;
    outbound.start();
    log.info({ event: "daemon-ready", ports: map.snapshot().length }, "simgate is running");

    let closing: Promise<void> | undefined;
    return {
      partner,
      marketListeners: new Map(own.map((l) => [l.market, l.listening])),
      admin,
      store,
      engine,
      map,
      pool,
      modems,
      outbound,
      reloadTls: () => partnerEndpoint.reloadTls(),
      close: () => (closing ??= cleanup().then(() => log.info({ event: "daemon-stopped" }, "simgate stopped"))),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
