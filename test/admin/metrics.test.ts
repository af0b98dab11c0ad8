/**
 * GET /metrics against a real daemon in this process (real store in a temp dir, real
 * engine, three simulated modems on pseudo-terminals, the fake Onlinesim receiving
 * PUSH_SMS): every line is valid exposition format, and the numbers are the daemon's —
 * compared with /api/page, GET_SERVICES and what the test itself did (an order, an SMS,
 * a FINISH, a hung modem). The admin token is set, so the same daemon shows what is open
 * to monitoring (metrics) and what the token protects (the page and its data, reached by
 * a browser through `?token=` and a session cookie).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon/daemon.js";
import { Exposition, escapeLabelValue } from "../../src/http/admin/metrics-format.js";
import { EarningsBook } from "../../src/http/admin/earnings-book.js";
import { writeEarningsMetrics } from "../../src/http/admin/metrics-earnings.js";
import { SalesCore } from "../../src/sales/core.js";
import { DEFAULT_RULES } from "../../src/sales/policy.js";
import { openStore } from "../../src/store/index.js";
import { secretScrubber } from "../../src/http/admin/status-page.js";
import { silentLogger } from "../../src/log/logger.js";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { freePort, waitFor } from "../helpers/daemon.js";

const KEY = "metrics-test-onlinesim-key";
const TOKEN = "metrics-test-admin-token-0123";
const auth = { authorization: `Bearer ${TOKEN}` };

// ---------- a small exposition-format parser (0.0.4), strict on purpose ----------

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Parsed {
  types: Map<string, string>;
  series: Series[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const VALUE = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/;

function parseLabels(s: string, line: string): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 1; // after "{"
  for (;;) {
    if (s[i] === "}") return [labels, s.slice(i + 1)];
    const eq = s.indexOf("=", i);
    const name = s.slice(i, eq);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`bad label name '${name}' in: ${line}`);
    if (name in labels) throw new Error(`label ${name} twice in: ${line}`);
    if (s[eq + 1] !== '"') throw new Error(`label value not quoted in: ${line}`);
    let v = "";
    let j = eq + 2;
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === "\n") throw new Error(`raw newline in a label value: ${line}`);
      if (s[j] !== "\\") {
        v += s[j];
        continue;
      }
      const e = s[++j];
      if (e === "\\") v += "\\";
      else if (e === '"') v += '"';
      else if (e === "n") v += "\n";
      else throw new Error(`bad escape \\${e} in: ${line}`);
    }
    if (s[j] !== '"') throw new Error(`unterminated label value in: ${line}`);
    labels[name] = v;
    i = j + 1;
    if (s[i] === ",") i++;
    else if (s[i] !== "}") throw new Error(`expected , or } in: ${line}`);
  }
}

/** The family a sample line belongs to: its own name, or a summary's _sum/_count. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ["_sum", "_count", "_bucket"]) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    const type = base === undefined ? undefined : types.get(base);
    if (type === "summary" && suffix !== "_bucket") return base;
    if (type === "histogram") return base;
  }
  return undefined;
}

function parseExposition(text: string): Parsed {
  expect(text.endsWith("\n")).toBe(true);
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const series: Series[] = [];
  const seen = new Set<string>();
  const closedFamilies = new Set<string>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) {
      const [name = ""] = line.slice(7).split(" ", 1);
      expect(NAME.test(name), line).toBe(true);
      expect(helps.has(name), `HELP twice for ${name}`).toBe(false);
      helps.add(name);
      expect(/\\[^\\n]/.test(line.slice(8 + name.length).replace(/\\\\/g, "")), `bad escape in ${line}`).toBe(false);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [name = "", type = "", ...rest] = line.slice(7).split(" ");
      expect(NAME.test(name) && rest.length === 0, line).toBe(true);
      expect(["counter", "gauge", "summary", "histogram", "untyped"]).toContain(type);
      expect(types.has(name), `TYPE twice for ${name}`).toBe(false);
      types.set(name, type);
      continue;
    }
    if (line.startsWith("#")) continue;
    expect(line.trim(), "no blank lines").not.toBe("");
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(.*)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const name = m[1]!;
    let rest = m[2]!;
    let labels: Record<string, string> = {};
    if (rest.startsWith("{")) [labels, rest] = parseLabels(rest, line);
    const [value = "", timestamp, extra] = rest.trimStart().split(" ");
    expect(rest.startsWith(" "), line).toBe(true);
    expect(VALUE.test(value), `bad value in: ${line}`).toBe(true);
    expect(extra, line).toBeUndefined();
    if (timestamp !== undefined) expect(/^-?\d+$/.test(timestamp), line).toBe(true);
    const family = familyOf(name, types);
    expect(family, `sample before its TYPE: ${line}`).toBeDefined();
    // A family's samples are one block: no family comes back after another started.
    if (family !== current) {
      expect(closedFamilies.has(family!), `${family} samples are not contiguous`).toBe(false);
      if (current) closedFamilies.add(current);
      current = family;
    }
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    expect(seen.has(key), `duplicate series ${key}`).toBe(false);
    seen.add(key);
    const v = value === "+Inf" ? Infinity : value === "-Inf" ? -Infinity : Number(value);
    if (types.get(family!) === "counter") expect(v, line).toBeGreaterThanOrEqual(0);
    series.push({ name, labels, value: v });
  }
  for (const name of types.keys()) expect(helps.has(name), `no HELP for ${name}`).toBe(true);
  return { types, series };
}

const pick = (p: Parsed, name: string, labels: Record<string, string> = {}): number | undefined =>
  p.series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
const sum = (p: Parsed, name: string): number => p.series.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);

describe("exposition writer", () => {
  it("escapes label values and HELP text so the parser reads them back exactly", () => {
    const nasty = 'a "quoted" back\\slash\nnew line';
    const text = new Exposition()
      .family("t_total", "counter", "help with \\ and\nnewline", [{ labels: { port: nasty, n: 1 }, value: 3 }])
      .family("t_gauge", "gauge", "specials", [{ value: NaN }, { labels: { k: "inf" }, value: Infinity }])
      .text();
    const parsed = parseExposition(text);
    expect(parsed.series[0]).toEqual({ name: "t_total", labels: { port: nasty, n: "1" }, value: 3 });
    expect(pick(parsed, "t_gauge", { k: "inf" })).toBe(Infinity);
    expect(escapeLabelValue('x"y')).toBe('x\\"y');
  });

  it("scrubs secrets from a payload, raw or JSON-escaped", () => {
    const scrub = secretScrubber(["k3y\"with-quote", undefined]);
    expect(scrub(JSON.stringify({ error: 'bad key k3y"with-quote' }))).toBe('{"error":"bad key [redacted]"}');
    expect(scrub("k3y\"with-quote")).toBe("[redacted]");
  });

  it("refuses a family written twice and names that the format does not allow", () => {
    const e = new Exposition().single("x", "gauge", "x", 1);
    expect(() => e.single("x", "gauge", "x", 2)).toThrow(/twice/);
    expect(() => new Exposition().single("bad-name", "gauge", "x", 1)).toThrow(/invalid metric name/);
    expect(() => new Exposition().family("y", "gauge", "y", [{ labels: { "bad-label": "v" }, value: 1 }])).toThrow(/invalid label/);
  });
});

describe("earnings families with two marketplaces (real store, the sales core)", () => {
  it("one series per marketplace and currency, sold per marketplace and service, RUB alone in the old total, no SIM label", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simgate-metrics-earnings-"));
    const store = openStore({ stateDir: dir, busyTimeoutMs: 200 });
    try {
      const markets = [
        { ...DEFAULT_RULES, id: "onlinesim", services: ["telegram", "whatsapp"] },
        { ...DEFAULT_RULES, id: "smshub", services: ["telegram", "whatsapp"] },
      ];
      const core = await SalesCore.open({ ledger: store.sales, markets });
      core.updatePorts(Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, state: "ready" as const, present: true, iccid: `897010000000000000${i}`, number: `+7916000000${i}`, mcc: "250", mnc: "01" })));
      const sell = async (market: string, service: string, amount: number, currency: string) => {
        const r = await core.reserve({ market, service, excludePrefixes: [], price: { amount, currency } });
        if (r.status !== "reserved") throw new Error("no SIM");
        await core.close({ market, id: r.reservation.id, outcome: { kind: "sold" }, status: 3, finishSum: null, by: "finish" });
      };
      await sell("onlinesim", "telegram", 10.1, "RUB");
      await sell("onlinesim", "telegram", 10.2, "RUB");
      await sell("smshub", "telegram", 20.5, "RUB");
      await sell("smshub", "whatsapp", 0.1, "USD");
      await sell("smshub", "whatsapp", 0.2, "USD");
      const book = EarningsBook.of(core);
      const e = new Exposition();
      writeEarningsMetrics(e, book.snapshot());
      expect(parseExposition(e.text()).series).toEqual([]); // not read yet: no counter reads as a reset to 0
      await book.ready();
      const out = new Exposition();
      writeEarningsMetrics(out, book.snapshot());
      const m = parseExposition(out.text());
      expect(m.types.get("simgate_earnings_total")).toBe("counter");
      expect(m.types.get("simgate_sold_total")).toBe("counter");
      expect(pick(m, "simgate_earnings_total", { market: "onlinesim", currency: "RUB" })).toBe(20.3);
      expect(pick(m, "simgate_earnings_total", { market: "smshub", currency: "RUB" })).toBe(20.5);
      expect(pick(m, "simgate_earnings_total", { market: "smshub", currency: "USD" })).toBe(0.3); // exact: not 0.30000000000000004
      expect(m.series.filter((s) => s.name === "simgate_earnings_total")).toHaveLength(3);
      expect(pick(m, "simgate_sold_total", { market: "onlinesim", service: "telegram" })).toBe(2);
      expect(pick(m, "simgate_sold_total", { market: "smshub", service: "telegram" })).toBe(1);
      expect(pick(m, "simgate_sold_total", { market: "smshub", service: "whatsapp" })).toBe(2);
      expect(pick(m, "simgate_earnings_rub_total")).toBe(40.8);
      for (const s of m.series) expect(Object.keys(s.labels).every((l) => ["market", "currency", "service"].includes(l)), JSON.stringify(s)).toBe(true);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("GET /metrics on a running daemon (3 simulated modems, admin token set)", () => {
  let daemon: Daemon;
  let fake: FakeOnlinesim;
  let admin: string;
  let partner: string;
  let stateDir: string;

  const metrics = async (): Promise<Parsed> => {
    const res = await fetch(`${admin}/metrics`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return parseExposition(await res.text());
  };
  const page = async (): Promise<any> => (await fetch(`${admin}/api/page`, { headers: auth })).json();
  const partnerCall = async (body: Record<string, unknown>): Promise<any> =>
    (await fetch(partner, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, key: KEY }) })).json();
  const adminPost = (path: string, body: unknown) =>
    fetch(`${admin}${path}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });

  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), "simgate-metrics-"));
    const partnerPort = await freePort();
    // The fake buys (so it knows the operation its PUSH_SMS belongs to) only when told to.
    fake = new FakeOnlinesim({ key: KEY, marketplace: { partnerUrl: `http://127.0.0.1:${partnerPort}`, pollMs: 0, orderEveryMs: 0, autoFinish: false, exceptionRate: 0, moduleCount: 3 } });
    const urls = await fake.start();
    const config = validateConfig({
      stateDir,
      onlinesim: { key: KEY, mode: "v1", push: { url: urls.pushSms, rentUrl: urls.pushSmsRent, retryMs: 1000 } },
      http: { listen: `127.0.0.1:${partnerPort}` },
      admin: { listen: `127.0.0.1:${await freePort()}`, token: TOKEN },
      // Fast health polls so a hung modem times out within a few seconds; the timeout stays
      // generous enough that a healthy simulated modem on a busy machine does not hit it.
      modem: { pollIntervalMs: 3000, commandTimeoutMs: 1500 },
      engine: { services: ["telegram", "whatsapp"] },
    });
    daemon = await startDaemon({ config, logger: silentLogger(), simulate: { count: 3, seed: "1", dialect: "mixed" } });
    admin = daemon.admin.url;
    partner = daemon.partner.url;
    await waitFor("3 sellable SIMs", async () => (await page()).ports.filter((p: any) => p.state === "ready" && p.number).length === 3, 30_000);
  }, 60_000);

  afterAll(async () => {
    await daemon?.close();
    await fake?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("is open to monitoring without the token, like /healthz and /readyz; the API is not", async () => {
    for (const path of ["/metrics", "/healthz", "/readyz"]) expect((await fetch(`${admin}${path}`)).status, path).toBe(200);
    expect((await fetch(`${admin}/api/status`)).status).toBe(401);
  });

  it("writes valid exposition format with HELP and TYPE for every family", async () => {
    const m = await metrics();
    for (const name of [
      "process_start_time_seconds",
      "simgate_ports",
      "simgate_sellable_sims",
      "simgate_sms_received_total",
      "simgate_push_sms_total",
      "simgate_push_sms_pending",
      "simgate_push_sms_backing_off",
      "simgate_push_sms_resending",
      "simgate_outbox_oldest_pending_age_seconds",
      "simgate_activations_open",
      "simgate_activations_closed_total",
      "simgate_at_timeouts_total",
      "simgate_port_recoveries_total",
      "simgate_v2_last_push_age_seconds",
      "simgate_v2_messages_pending",
      "simgate_partner_requests_total",
    ]) {
      expect(m.types.has(name), name).toBe(true);
    }
    expect(m.types.get("simgate_partner_request_duration_seconds")).toBe("summary");
  });

  it("agrees with the status document and GET_SERVICES", async () => {
    const services = await partnerCall({ action: "GET_SERVICES" });
    const [m, doc] = [await metrics(), await page()];
    const ports: any[] = doc.ports;
    for (const state of new Set(ports.map((p) => p.state))) expect(pick(m, "simgate_ports", { state })).toBe(ports.filter((p) => p.state === state).length);
    expect(sum(m, "simgate_ports")).toBe(ports.length);
    expect(pick(m, "simgate_ports", { state: "unresponsive" })).toBe(0); // every state is listed, even at 0
    for (const c of services.countryList) {
      for (const [operator, counts] of Object.entries<Record<string, number>>(c.operatorMap)) {
        if (operator === "any") continue;
        for (const [service, n] of Object.entries(counts)) expect(pick(m, "simgate_offered_numbers", { country: c.country, operator, service })).toBe(n);
        expect(pick(m, "simgate_sellable_sims", { country: c.country, operator })).toBe(Math.max(...Object.values(counts)));
      }
    }
    expect(sum(m, "simgate_sellable_sims")).toBe(3);
    for (const p of ports) {
      expect(pick(m, "simgate_port_signal_dbm", { port: p.id })).toBe(p.signal);
      expect(pick(m, "simgate_at_commands_total", { port: p.id })).toBeGreaterThan(0);
      expect(pick(m, "simgate_at_timeouts_total", { port: p.id })).toBeGreaterThanOrEqual(0);
    }
    expect(pick(m, "process_start_time_seconds")).toBe(doc.startedAt / 1000);
    expect(pick(m, "simgate_uptime_seconds")).toBeGreaterThan(0);
    expect(pick(m, "simgate_partner_requests_total", { action: "GET_SERVICES", status: "200" })).toBeGreaterThanOrEqual(1);
  });

  it("counts an order, its SMS, the PUSH_SMS and the FINISH", async () => {
    const before = await metrics();
    expect(await fake.marketplace!.pollOnce()).toBe(true);
    const order = (await fake.marketplace!.orderOnce())!;
    expect(order).toBeDefined();
    let m = await metrics();
    expect(pick(m, "simgate_activations_open")).toBe(1);
    expect(pick(m, "simgate_get_number_total", { result: "assigned" })).toBe(1);
    expect(pick(m, "simgate_partner_requests_total", { action: "GET_NUMBER", status: "200" })).toBe(1);
    expect(sum(m, "simgate_sellable_sims")).toBe(2); // the ordered SIM is busy for every service

    expect((await adminPost("/api/simulator/sms", { number: `+${order.number}`, sender: "Telegram", text: "Telegram code 51234" })).status).toBe(200);
    m = await waitFor("the SMS pushed", async () => {
      const now = await metrics();
      return pick(now, "simgate_push_sms_total", { result: "delivered" }) === 1 ? now : undefined;
    }, 15_000);
    expect(pick(m, "simgate_sms_received_total")).toBe(pick(before, "simgate_sms_received_total")! + 1);
    expect(pick(m, "simgate_sms_routed_total", { result: "queued" })).toBe(1);
    expect(pick(m, "simgate_push_sms_pending")).toBe(0);
    expect(pick(m, "simgate_outbox_oldest_pending_age_seconds")).toBe(0);

    expect(await fake.marketplace!.finish(order.activationId, 3)).toBe(true);
    m = await metrics();
    expect(pick(m, "simgate_activations_open")).toBe(0);
    expect(pick(m, "simgate_activations_closed_total", { status: "3" })).toBe(1);
    expect(pick(m, "simgate_activations_closed_total", { status: "4" })).toBe(0);
    expect(pick(m, "simgate_earnings_rub_total")).toBe(order.sum);
    expect(m.types.get("simgate_earnings_total")).toBe("counter");
    expect(m.series.filter((x) => x.name === "simgate_earnings_total")).toEqual([{ name: "simgate_earnings_total", labels: { market: "onlinesim", currency: "RUB" }, value: order.sum }]);
    const sold = await daemon.store.sales.find(order.activationId);
    expect(m.series.filter((x) => x.name === "simgate_sold_total")).toEqual([{ name: "simgate_sold_total", labels: { market: "onlinesim", service: sold!.service }, value: 1 }]);
    const doc = await page();
    expect(doc.totals).toMatchObject({ smsToday: 1, smsTotal: 1, earnings: order.sum, earningsToday: order.sum, openActivations: 0, closedActivations: { "3": 1 } });
    expect(doc.totals.earningsByMarket).toEqual([{ market: "onlinesim", currency: "RUB", sold: 1, amount: order.sum, today: { sold: 1, amount: order.sum } }]);
    const port = doc.ports.find((p: any) => p.number === `+${order.number}`);
    expect(port.lastSms).toMatchObject({ sender: "Telegram", text: "Telegram code 51234" });
  });

  it("counts AT timeouts on the port that hangs", async () => {
    const ports: any[] = (await page()).ports;
    const victim = ports[1].id as string;
    const before = pick(await metrics(), "simgate_at_timeouts_total", { port: victim })!;
    const hang = await adminPost(`/api/simulator/ports/${encodeURIComponent(victim)}/hang`, {});
    expect(hang.status).toBe(200);
    try {
      // Healthy ports are not asserted at zero: on a loaded two-core machine one may time out too.
      await waitFor("a timeout on the hung port", async () => (pick(await metrics(), "simgate_at_timeouts_total", { port: victim }) ?? 0) > before, 15_000, 250);
    } finally {
      await adminPost(`/api/simulator/ports/${encodeURIComponent(victim)}/recover`, {});
    }
  });

  it("serves the page after a ?token= login (a session cookie), its data only with a session or the header, and never a secret", async () => {
    const login = await fetch(`${admin}/`);
    expect(login.status).toBe(401);
    expect(await login.text()).not.toContain("<title>simgate · pool status");
    expect((await fetch(`${admin}/?token=wrong-token-0123456789`, { redirect: "manual" })).status).toBe(401);
    const redirect = await fetch(`${admin}/?token=${TOKEN}`, { redirect: "manual" });
    expect(redirect.status).toBe(303);
    const cookie = redirect.headers.get("set-cookie")!.split(";")[0]!;
    const res = await fetch(`${admin}/`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; script-src 'sha256-/);
    const html = await res.text();
    expect(html).toContain("<title>simgate");
    expect(html).not.toContain(KEY);
    expect(html).not.toContain(TOKEN);
    // Works without any network: nothing is loaded from another host.
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect((await fetch(`${admin}/api/page`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${admin}/api/page`)).status).toBe(401);
    expect((await fetch(`${admin}/api/events`)).status).toBe(401);
  });

  it("streams the status document as server-sent events to a client with the token", async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${admin}/api/events`, { headers: auth, signal: ctrl.signal });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!/event: status\ndata: .*\n\n/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const data = /event: status\ndata: (.*)\n\n/.exec(text)![1]!;
      const doc = JSON.parse(data);
      expect(doc.ports).toHaveLength(3);
      expect(doc.activationLifeMs).toBe(15 * 60_000);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(TOKEN);
    } finally {
      ctrl.abort();
    }
  });

  it("goes live in a browser opened with ?token= (its session cookie carries the page's requests)", async () => {
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless=new"] });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      const unauthorized: string[] = [];
      page.on("response", (r) => {
        if (r.status() === 401) unauthorized.push(r.url());
      });
      await page.goto(`${admin}/?token=${TOKEN}`);
      await page.locator('#conn[data-mode="live"]').waitFor();
      await page.waitForFunction(() => document.querySelectorAll(".tile").length === 3);
      expect(unauthorized).toEqual([]);
      expect(await page.content()).not.toContain(KEY);
    } finally {
      await browser.close();
    }
  }, 45_000); // a browser start on a busy two-core machine
});
