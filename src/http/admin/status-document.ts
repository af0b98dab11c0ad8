/**
 * The daemon's state as one JSON document for the admin API (`GET /api/status`), the CLI's
 * `simgate status` and the status page: the port map with each port's open activation and
 * last SMS, totals (sellable SIMs, SMS today, earnings), the engine's counters and the
 * outgoing queues. Numbers, never secrets: with `scrub`, every string of the document
 * passes the secret scrubber (an error text from an older version, or any text a sender
 * kept, could carry the key).
 *
 * The SMS totals come from the store. They are recomputed only when something they count
 * has changed (a new SMS id, a new day), so the status page can ask for this document
 * several times a second without scanning the tables each time. Earnings and the closed
 * activations per status come from the earnings book (earnings-book.ts), which the ledger
 * fills once and each recorded outcome updates; until its first read is done (callers that
 * serve the document await `EarningsBook.of(engine.core).ready()`) they are empty.
 */
import { Catalog } from "../../markets/onlinesim/catalog.js";
import type { EngineConfig } from "../../markets/onlinesim/engine-config.js";
import type { OnlinesimEngine } from "../../markets/onlinesim/engine.js";
import type { EngineStats } from "../../markets/onlinesim/engine-stats.js";
import type { PortMap } from "../../modem/port-map.js";
import type { Store } from "../../store/index.js";
import type { OutboundStats, OutboundStatsSource } from "../../outbound/outbound-stats.js";
import { VERSION } from "../../package-info.js";
import { scrubDeep, type Scrub } from "../../log/secrets.js";
import { EarningsBook } from "./earnings-book.js";
import { addAmounts, type Sold } from "./earnings-report.js";
import { localMidnight } from "./local-day.js";

export interface PortStatus {
  id: string;
  path: string;
  state: string;
  stateSince: number;
  operator: string | null;
  mcc: string | null;
  mnc: string | null;
  number: string | null;
  /** Why the number found for the SIM was refused (state number-invalid); null otherwise. */
  numberProblem: string | null;
  iccid: string | null;
  signal: number | null;
  model: string | null;
  /** Onlinesim's names for the SIM's home network (what GET_SERVICES sells it as), when known. */
  network: { country: string; operator: string } | null;
  /** `expiresAt`: when Onlinesim is expected to finish it (created + activation life), when the life is known. */
  activation: { id: number; service: string; since: number; expiresAt: number | null } | null;
  /** The newest SMS stored for this port. The text is a verification code: admin eyes only. */
  lastSms: { id: number; sender: string; text: string; at: number } | null;
}

export interface StatusTotals {
  /** SIMs offered for at least one service, per country and operator (GET_SERVICES, max over services). */
  sellable: Array<{ country: string; operator: string; sims: number }>;
  /** SMS stored since local midnight of the daemon's host. */
  smsToday: number;
  smsTotal: number;
  /**
   * RUB earned on every marketplace that pays RUB (the close's amount, else the price
   * offered), all time and since local midnight. Kept for what read it before there were
   * several marketplaces; `earningsByMarket` has every currency.
   */
  earnings: number;
  earningsToday: number;
  /** Per marketplace and currency (never added across currencies): all time, and today beside it. */
  earningsByMarket: MarketEarnings[];
  openActivations: number;
  /** Closed activations by FINISH status ("1", "3", "4", "5", …). */
  closedActivations: Record<string, number>;
}

export interface MarketEarnings extends Sold {
  market: string;
  currency: string;
  today: Sold;
}

export interface DaemonStatus {
  /** simgate's version (package.json): what `simgate status --json` and the status page show. */
  version: string;
  at: number;
  /** When the daemon started (null when the caller did not say). */
  startedAt: number | null;
  /** engine.activationLifeMs: the page counts down each activation's time left with it. */
  activationLifeMs: number | null;
  ports: PortStatus[];
  totals: StatusTotals;
  engine: EngineStats;
  outbound: OutboundStats;
}

export interface StatusSources {
  map: PortMap;
  engine: OnlinesimEngine;
  outbound: OutboundStatsSource;
  store: Store;
  startedAt?: number;
  activationLifeMs?: number;
  /** engine.names overrides; the built-in catalogue without them. */
  names?: EngineConfig["names"];
  /** The configured secrets' scrubber (src/log/secrets.ts), applied to every string served. */
  scrub?: Scrub;
}

interface StoreTotals {
  key: string;
  smsToday: number;
  smsTotal: number;
  lastSms: Map<string, NonNullable<PortStatus["lastSms"]>>;
}

const EMPTY_TOTALS: StoreTotals = { key: "", smsToday: 0, smsTotal: 0, lastSms: new Map() };
/** One cache per store: the store is the thing the totals are read from. */
const storeTotalsCache = new WeakMap<Store, StoreTotals>();
const catalogs = new WeakMap<object, Catalog>();
const builtinCatalog = new Catalog();

function storeTotals(store: Store, now: number): StoreTotals {
  const cached = storeTotalsCache.get(store);
  // A closed store (shutdown in progress) answers nothing new; show what was last read.
  if (store.closed) return cached ?? EMPTY_TOTALS;
  const today = localMidnight(now);
  const key = `${store.sms.maxId()}|${today}`;
  if (cached?.key === key) return cached;
  const lastSms = new Map<string, NonNullable<PortStatus["lastSms"]>>();
  for (const m of store.sms.lastPerPort()) lastSms.set(m.portId, { id: m.id, sender: m.sender, text: m.text, at: m.receivedAt });
  const totals: StoreTotals = {
    key,
    smsToday: store.sms.countSince(today),
    smsTotal: store.sms.countSince(0),
    lastSms,
  };
  storeTotalsCache.set(store, totals);
  return totals;
}

/** Per country × operator: the SIMs offered for at least one service (`any` is the sum, so it is left out). */
function sellable(engine: OnlinesimEngine): StatusTotals["sellable"] {
  const out: StatusTotals["sellable"] = [];
  for (const c of engine.getServices().countryList) {
    for (const [operator, counts] of Object.entries(c.operatorMap)) {
      if (operator === "any") continue;
      out.push({ country: c.country, operator, sims: Math.max(0, ...Object.values(counts)) });
    }
  }
  return out;
}

/** The book's all time per marketplace × currency, with today beside each (a marketplace sold nothing today: zero). */
export function marketEarnings(book: EarningsBook): MarketEarnings[] {
  const { allTime, today } = book.snapshot();
  return allTime.markets
    .entries()
    .map(({ market, currency, sold, amount }) => ({ market: market!, currency, sold, amount, today: today.markets.get({ market: market!, currency }) }))
    .sort((a, b) => a.market.localeCompare(b.market) || a.currency.localeCompare(b.currency));
}

/** The compatibility figure: RUB over every marketplace. */
function rubles(byMarket: readonly MarketEarnings[], pick: (m: MarketEarnings) => number): number {
  return addAmounts(byMarket.filter((m) => m.currency === "RUB").map(pick));
}

export function daemonStatus(d: StatusSources): DaemonStatus {
  const now = Date.now();
  const engine = d.engine.stats();
  const stored = storeTotals(d.store, now);
  const book = EarningsBook.of(d.engine.core);
  // A caller that did not wait for the first read gets empty earnings now and full ones next time.
  if (!book.loaded) book.ready().catch(() => undefined);
  const byMarket = marketEarnings(book);
  let catalog = builtinCatalog;
  if (d.names) {
    catalog = catalogs.get(d.names) ?? new Catalog(d.names);
    catalogs.set(d.names, catalog);
  }
  const ports = d.map.snapshot().map((p): PortStatus => {
    const open = p.number ? d.engine.openActivationFor(p.number) : undefined;
    return {
      id: p.id,
      path: p.path,
      state: p.state,
      stateSince: p.stateSince,
      operator: p.networkOperator,
      mcc: p.mcc,
      mnc: p.mnc,
      number: p.number,
      numberProblem: p.numberProblem ?? null,
      iccid: p.iccid,
      signal: p.signal,
      model: [p.manufacturer, p.model].filter(Boolean).join(" ") || null,
      network: p.mcc && p.mnc ? catalog.resolve(p.mcc, p.mnc) : null,
      activation: open
        ? { id: open.id, service: open.service, since: open.createdAt, expiresAt: d.activationLifeMs !== undefined ? open.createdAt + d.activationLifeMs : null }
        : null,
      lastSms: stored.lastSms.get(p.id) ?? null,
    };
  });
  const totals: StatusTotals = {
    sellable: sellable(d.engine),
    smsToday: stored.smsToday,
    smsTotal: stored.smsTotal,
    earnings: rubles(byMarket, (m) => m.amount),
    earningsToday: rubles(byMarket, (m) => m.today.amount),
    earningsByMarket: byMarket,
    openActivations: engine.openActivations,
    // Every marketplace's closes per status value, as the old engine's table counted them.
    closedActivations: book.snapshot().closed.byStatus(),
  };
  const doc: DaemonStatus = {
    version: VERSION,
    at: now,
    startedAt: d.startedAt ?? null,
    activationLifeMs: d.activationLifeMs ?? null,
    ports,
    totals,
    engine,
    outbound: d.outbound.stats(),
  };
  return d.scrub ? scrubDeep(doc, d.scrub) : doc;
}
