/**
 * `simgate run` selling on Onlinesim and two SMSHUB-family marketplaces at once (issue 15):
 * the real daemon over simulated modems, SQLite and loopback HTTP. One market is served
 * under its path on the partner listener, one on a listener of its own. What an operator
 * relies on: each endpoint answers in its own protocol with its own key, a number reserved
 * on one marketplace is gone from every other's counts on the next request, Onlinesim's
 * allow-list does not fence the others out, and a market without a key refuses the start.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimgate } from "../helpers/cli.js";
import { E2E_KEY, freePort, startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const HUB_KEY = "hub-key-0123456789";
const GRIZZLY_KEY = "grizzly-key-0123456789";

async function post(url: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

type CountryList = Array<{ country: string; operatorMap: Record<string, Record<string, number>> }>;
/** The total offered for one service code across every country and operator of a GET_SERVICES answer. */
const offered = (answer: Record<string, unknown>, code: string): number =>
  (answer["countryList"] as CountryList).reduce((n, c) => n + Object.values(c.operatorMap).reduce((m, ops) => m + (ops[code] ?? 0), 0), 0);

describe("simgate run with markets: Onlinesim, SMSHUB on the partner listener, Grizzly on its own", () => {
  let daemon: DaemonProcess;
  let hubUrl: string;
  let grizzlyUrl: string;

  beforeAll(async () => {
    const [grizzlyPort, partnerPort] = [await freePort(), await freePort()];
    grizzlyUrl = `http://127.0.0.1:${grizzlyPort}/grizzly`;
    daemon = await startDaemonProcess({
      modems: 4,
      partnerPort,
      config: {
        // The same address in the file as on the command line: `selftest --config` reads it.
        http: { listen: `0.0.0.0:${partnerPort}`, requestTimeoutMs: 1_000 },
        engine: { services: ["telegram"] },
        // Onlinesim only from an address nobody here has: it must not fence the other markets out.
        onlinesim: { auth: { allowIps: ["192.0.2.7"] } },
        markets: [
          { dialect: "smshub", path: "/smshub", services: ["telegram"] },
          { id: "grizzly", dialect: "grizzly", path: "/grizzly", listen: `127.0.0.1:${grizzlyPort}`, services: ["telegram"] },
        ],
      },
      env: { SIMGATE_MARKET_SMSHUB_KEY: HUB_KEY, SIMGATE_MARKET_GRIZZLY_KEY: GRIZZLY_KEY },
    });
    hubUrl = `${daemon.partnerUrl}/smshub`;
    await waitSettled(daemon, 4);
  }, 120_000);

  afterAll(async () => {
    await daemon?.proc.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("announces each market's URL on start", () => {
    expect(daemon.proc.stderr()).toContain(`market smshub (smshub) at ${hubUrl}`);
    expect(daemon.proc.stderr()).toContain(`market grizzly (grizzly) at ${grizzlyUrl}`);
  });

  it("each endpoint takes only its own key, and Onlinesim's allow-list applies to Onlinesim only", async () => {
    expect((await post(hubUrl, { action: "GET_SERVICES", key: GRIZZLY_KEY })).json).toEqual({ status: "ERROR", error: "BAD_KEY" });
    expect((await post(grizzlyUrl, { action: "GET_SERVICES", key: HUB_KEY })).json).toEqual({ status: "ERROR", error: "BAD_KEY" });
    expect((await post(hubUrl, { action: "GET_SERVICES", key: E2E_KEY })).status).toBe(401);
    expect((await daemon.partner({ action: "GET_SERVICES", key: E2E_KEY })).status).toBe(403);
    const hub = await post(hubUrl, { action: "GET_SERVICES", key: HUB_KEY });
    expect(hub.json["status"]).toBe("SUCCESS");
    expect(offered(hub.json, "tg")).toBe(4);
  });

  it("a number reserved on SMSHUB is gone from Grizzly's counts on the next request, and back after FINISH", async () => {
    const before = await post(grizzlyUrl, { action: "GET_SERVICES", key: GRIZZLY_KEY });
    expect(offered(before.json, "tg")).toBe(4);
    const country = (before.json["countryList"] as CountryList)[0]!.country;
    const order = await post(hubUrl, { action: "GET_NUMBER", key: HUB_KEY, country, operator: "any", service: "tg", sum: 12.5, currency: 643, exceptionPhoneSet: [] });
    expect(order.json).toMatchObject({ status: "SUCCESS" });
    expect(typeof order.json["number"]).toBe("number");
    const during = await post(grizzlyUrl, { action: "GET_SERVICES", key: GRIZZLY_KEY });
    expect(offered(during.json, "tg")).toBe(3);
    expect(offered((await post(hubUrl, { action: "GET_SERVICES", key: HUB_KEY })).json, "tg")).toBe(3);
    const held = await daemon.adminGet("/api/activations");
    expect(held.activations).toEqual(expect.arrayContaining([expect.objectContaining({ id: order.json["activationId"], market: "smshub" })]));
    // Cancelled (4): the SIM is free again for every marketplace.
    expect((await post(hubUrl, { action: "FINISH_ACTIVATION", key: HUB_KEY, activationId: order.json["activationId"], status: 4 })).json).toEqual({ status: "SUCCESS" });
    expect(offered((await post(grizzlyUrl, { action: "GET_SERVICES", key: GRIZZLY_KEY })).json, "tg")).toBe(4);
  });

  it("simgate selftest passes on both endpoints and never prints the key", async () => {
    for (const [market, url, key] of [["smshub", hubUrl, HUB_KEY], ["grizzly", grizzlyUrl, GRIZZLY_KEY]] as const) {
      const r = await runSimgate(["selftest", "--market", market, "--url", url], 60_000, { SIMGATE_MARKET_KEY: key });
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^claimed 4, got 4, slowest \d+ ms\n$/);
      expect(r.code).toBe(0);
    }
  });

  it("simgate selftest --config finds each market's endpoint, protocol and key as the daemon does", async () => {
    const env = { SIMGATE_MARKET_SMSHUB_KEY: HUB_KEY, SIMGATE_MARKET_GRIZZLY_KEY: GRIZZLY_KEY };
    for (const market of ["smshub", "grizzly"]) {
      const r = await runSimgate(["selftest", "--market", market, "--config", daemon.configFile], 60_000, env);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^claimed 4, got 4, slowest \d+ ms\n$/);
    }
    const unknown = await runSimgate(["selftest", "--market", "bower", "--config", daemon.configFile], 30_000, env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^simgate selftest: no market 'bower' in the config \(configured: onlinesim, smshub, grizzly\)\n/);
    const noKey = await runSimgate(["selftest", "--market", "grizzly", "--config", daemon.configFile], 30_000, {});
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^simgate selftest: the market's key is needed: set SIMGATE_MARKET_GRIZZLY_KEY \(or markets\[\]\.key\)\n/);
  });

  it("the operator closes an SMSHUB activation as sold: the number is used up for that service on every marketplace", async () => {
    const before = await post(grizzlyUrl, { action: "GET_SERVICES", key: GRIZZLY_KEY });
    const country = (before.json["countryList"] as CountryList)[0]!.country;
    const order = await post(hubUrl, { action: "GET_NUMBER", key: HUB_KEY, country, operator: "any", service: "tg", sum: 3, currency: 643, exceptionPhoneSet: [] });
    expect(order.json).toMatchObject({ status: "SUCCESS" });
    const r = await runSimgate(["activations", "close", String(order.json["activationId"]), "--status", "3", "--config", daemon.configFile, "--admin", daemon.adminUrl.replace("http://", "")], 30_000);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`activation #${order.json["activationId"]}`);
    expect(r.stdout).toContain("closed by operator with status 3");
    expect(r.code).toBe(0);
    // Sold for telegram: that SIM is never offered for telegram again, here or anywhere.
    expect(offered((await post(grizzlyUrl, { action: "GET_SERVICES", key: GRIZZLY_KEY })).json, "tg")).toBe(offered(before.json, "tg") - 1);
    expect(offered((await post(hubUrl, { action: "GET_SERVICES", key: HUB_KEY })).json, "tg")).toBe(offered(before.json, "tg") - 1);
    // The sale counts for SMSHUB in its own row: simgate earnings, by marketplace.
    const earned = await runSimgate(["earnings", "--json", "--config", daemon.configFile, "--admin", daemon.adminUrl.replace("http://", "")], 30_000);
    expect(earned.code).toBe(0);
    expect(JSON.parse(earned.stdout).rows).toEqual(expect.arrayContaining([expect.objectContaining({ market: "smshub", currency: "RUB", sold: 1, amount: 3 })]));
    // SMSHUB refunds the sale later (FINISH 5): it leaves the earnings, the number stays used up for telegram.
    expect((await post(hubUrl, { action: "FINISH_ACTIVATION", key: HUB_KEY, activationId: order.json["activationId"], status: 5 })).json).toEqual({ status: "SUCCESS" });
    const after = await runSimgate(["earnings", "--json", "--config", daemon.configFile, "--admin", daemon.adminUrl.replace("http://", "")], 30_000);
    expect(JSON.parse(after.stdout).rows.filter((r: { market: string }) => r.market === "smshub")).toEqual([]);
    expect(offered((await post(hubUrl, { action: "GET_SERVICES", key: HUB_KEY })).json, "tg")).toBe(offered(before.json, "tg") - 1);
    expect(daemon.proc.stdoutLines().some((l) => l.includes('"event":"sale-refunded"') && l.includes(`"activationId":${order.json["activationId"]}`))).toBe(true);
    const listed = await runSimgate(["activations", "--config", daemon.configFile, "--admin", daemon.adminUrl.replace("http://", "")], 30_000);
    expect(listed.stdout).toMatch(new RegExp(`#${order.json["activationId"]}\\s+smshub\\s+3 sold \\(refunded later\\), by operator`));
  });

  it("/metrics counts each marketplace's requests and its SMS outbox apart", async () => {
    const text = await (await fetch(`${daemon.adminUrl}/metrics`)).text();
    const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
    expect(value('simgate_market_requests_total{market="smshub",action="GET_SERVICES",status="200"}')).toBeGreaterThan(0);
    expect(value('simgate_market_requests_total{market="grizzly",action="GET_SERVICES",status="200"}')).toBeGreaterThan(0);
    expect(value('simgate_market_requests_total{market="smshub",action="invalid",status="401"}')).toBeGreaterThan(0);
    // The cancel (4) on SMSHUB earlier in this file, counted under its marketplace.
    expect(value('simgate_reservations_closed_total{market="smshub",status="4"}')).toBeGreaterThanOrEqual(1);
    // SMSHUB has a published PUSH_SMS URL, so it has a worker; Grizzly has none configured (its SMS would wait, and the log says so).
    expect(value('simgate_market_sms_pending{market="smshub"}')).toBe(0);
    expect(text).not.toMatch(/simgate_market_sms_pending\{market="grizzly"\}/);
    expect(daemon.proc.stdoutLines().some((l) => l.includes('"event":"market-no-push-url"') && l.includes('"market":"grizzly"'))).toBe(true);
  });

  it("a market's own listener cuts a client that dribbles its headers after http.requestTimeoutMs (1 s here)", async () => {
    const port = Number(new URL(grizzlyUrl).port);
    const closedAfterMs = await new Promise<number>((resolve, reject) => {
      const started = Date.now();
      const socket = connect({ host: "127.0.0.1", port });
      const drip = setInterval(() => socket.destroyed || socket.write("a"), 200);
      socket.on("connect", () => socket.write("POST /grizzly HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
      socket.on("error", () => undefined); // a reset is a cut too
      socket.on("close", () => {
        clearInterval(drip);
        resolve(Date.now() - started);
      });
      setTimeout(() => {
        clearInterval(drip);
        socket.destroy();
        reject(new Error("the market's listener kept a slow connection open for 20 s"));
      }, 20_000).unref();
    });
    expect(closedAfterMs).toBeLessThan(10_000);
  });

  it("never writes a market's key to the journal", () => {
    const logs = daemon.proc.stdoutLines().join("\n") + daemon.proc.stderr();
    expect(logs).not.toContain(HUB_KEY);
    expect(logs).not.toContain(GRIZZLY_KEY);
  });
});

describe("a market without a key", () => {
  it("refuses the start with one line naming the variable to set", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simgate-markets-"));
    const config = join(dir, "simgate.yaml");
    writeFileSync(config, "markets:\n  - dialect: smsbower\n    path: /bower\n");
    const r = await runSimgate(["run", "--simulate", "1", "--config", config, "--state-dir", dir, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"], 30_000, { SIMGATE_ONLINESIM_KEY: E2E_KEY });
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).toBe(78); // EX_CONFIG: systemd does not restart a daemon that cannot start as configured
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("market 'smsbower' has no key: set SIMGATE_MARKET_SMSBOWER_KEY");
  });
});
