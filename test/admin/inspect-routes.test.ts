/**
 * The inspection API (GET /api/sms, GET /api/activations, POST /api/at)
 * against the real daemon process on simulated modems, plus the pure parts it is made of
 * (port matching, the AT safety list, --since forms) and the store queries behind it.
 */
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { refusalFor, splitCommandLine } from "../../src/http/admin/inspect-at-policy.js";
import { matchPort } from "../../src/http/admin/inspect-ports.js";
import { parseSince } from "../../src/http/admin/inspect-since.js";
import { openStore, type Store } from "../../src/store/index.js";
import { E2E_KEY, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";
import { attach, deliverParts, finish, newActivation, reserve, tempStateDir } from "../store/helpers.js";

const base = (id: string) => id.slice(id.lastIndexOf("/") + 1);

describe("port matching", () => {
  const ids = ["/s/simulated-ports/modem1", "/s/simulated-ports/modem11", "/s/simulated-ports/modem2", "pci-0000:00:14.0-usb-0:1.2:1.0"];
  it.each([
    ["/s/simulated-ports/modem1", "/s/simulated-ports/modem1"],
    ["modem1", "/s/simulated-ports/modem1"],
    ["em2", "/s/simulated-ports/modem2"],
    ["1.2:1.0", "pci-0000:00:14.0-usb-0:1.2:1.0"],
  ])("%s → %s", (wanted, id) => expect(matchPort(ids, wanted)).toEqual({ kind: "found", id }));
  it("an ending that fits several ports is ambiguous, one that fits none is none", () => {
    expect(matchPort(ids, "1")).toEqual({ kind: "ambiguous", candidates: ["/s/simulated-ports/modem1", "/s/simulated-ports/modem11"] });
    expect(matchPort(ids, "modem9")).toEqual({ kind: "none" });
  });
});

describe("the AT safety list", () => {
  it.each([
    ["ATZ", "Z"],
    ["AT&F", "&F"],
    ["ATE0V0", "V0"],
    ["ATQ1", "Q1"],
    ["ATD+4915112345678;", "D+4915112345678;"],
    ["AT+CFUN=1,1", "+CFUN=1,1"],
    ["at+cfun=0", "+CFUN=0"],
    ["AT+CSQ;+CFUN=4", "+CFUN=4"],
    ["AT+IPR=9600", "+IPR=9600"],
    ["AT+CMGF=1", "+CMGF=1"],
    ["AT+CNMI=2,2,0,0,0", "+CNMI=2,2,0,0,0"],
    ["AT+CPMS=\"SM\"", '+CPMS="SM"'],
    ["AT+CMGD=1,4", "+CMGD=1,4"],
    ["AT+CMEE=0", "+CMEE=0"],
    ["AT+CPIN=1234", "+CPIN=1234"],
    ["AT+CLCK=\"SC\",1,\"1234\"", '+CLCK="SC",1,"1234"'],
    ["AT+COPS=2", "+COPS=2"],
    ["AT+CRESET", "+CRESET"],
    ["AT^RESET", "^RESET"],
  ])("refuses %s (%s)", (line, command) => {
    expect(refusalFor(line)).toMatchObject({ command, forceable: true });
  });
  it("never sends a two-phase command, not even forced", () => {
    expect(refusalFor('AT+CMGS="+491511"')).toMatchObject({ command: '+CMGS="+491511"', forceable: false });
  });
  it.each(["AT", "ATI", "AT+CSQ", "AT+CFUN?", "AT+CFUN=?", "ATE1", "AT+COPS?", "AT+COPS=?", "AT+COPS=0", 'AT+CUSD=1,"*100#",15', "AT+CMGF=0", "AT+CMGL=4", 'AT+CLCK="SC",2', "AT+CPIN?", "AT&W", "ATS0?"])(
    "lets %s through",
    (line) => expect(refusalFor(line)).toBeNull(),
  );
  it("splits a command line into its commands (quotes keep their ';')", () => {
    expect(splitCommandLine('AT+CSQ;+CUSD=1,"*1;2#",15;E0V1&F')).toEqual(["+CSQ", '+CUSD=1,"*1;2#",15', "E0", "V1", "&F"]);
  });
});

describe("--since forms", () => {
  const now = new Date(2026, 10, 22, 12, 0, 0).getTime();
  it.each([
    ["90s", now - 90_000],
    ["15m", now - 900_000],
    ["2h", now - 7_200_000],
    ["1d", now - 86_400_000],
    ["today", new Date(2026, 10, 22).getTime()],
    ["08:30", new Date(2026, 10, 22, 8, 30).getTime()],
    ["2026-11-20", new Date(2026, 10, 20).getTime()],
    ["2026-11-20 07:05", new Date(2026, 10, 20, 7, 5).getTime()],
    ["2026-11-20T07:05:00Z", Date.UTC(2026, 10, 20, 7, 5)],
    ["1790000000000", 1_790_000_000_000],
  ])("%s", (text, ms) => expect(parseSince(text, now)).toBe(ms));
  it.each(["yesterday", "25:00", "-5m", "2026-13-45", ""])("rejects %j", (text) => expect(parseSince(text, now)).toBeNull());
});

describe("store queries behind the API", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });
  function store(): Store {
    const t = tempStateDir();
    const s = openStore({ stateDir: t.dir, busyTimeoutMs: 200 });
    cleanups.push(() => s.close(), t.cleanup);
    return s;
  }
  function sms(s: Store, portId: string, text: string, at: number): number {
    const parts = deliverParts({ text, portId, at: new Date(at) });
    return s.sms.storeMessage({ portId, iccid: parts[0]!.iccid, sender: "Telegram", text, parts, missingParts: [], timestamp: null }).id;
  }

  it("recent SMS: newest first, by port and since, with where each went", async () => {
    const s = store();
    const a = sms(s, "p1", "one", 1_000);
    const b = sms(s, "p2", "two", 2_000);
    const c = sms(s, "p1", "three", 3_000);
    const act = await reserve(s.sales, newActivation(1, { portId: "p1" }));
    await attach(s.sales, c, act, 3_000);
    const [row] = s.outbox.due(10_000);
    s.outbox.markDelivered(row!.id, 3_500);
    s.v2Messages.enqueue(b, { number: "4915112345678", from: "Telegram", text: "two", receivedAt: 2_000 });
    expect(s.sms.recent({ limit: 10 }).map((m) => m.id)).toEqual([c, b, a]);
    expect(s.sms.recent({ limit: 10, portId: "p1" }).map((m) => m.text)).toEqual(["three", "one"]);
    expect(s.sms.recent({ limit: 10, since: 2_000 }).map((m) => m.id)).toEqual([c, b]);
    expect(s.sms.recent({ limit: 1 }).map((m) => m.id)).toEqual([c]);
    const [three, two, one] = s.sms.recent({ limit: 10 });
    expect(three!.deliveries).toEqual([{ via: "push", activationId: act.id, state: "delivered", attempts: 1, lastError: null }]);
    expect(two!.deliveries).toEqual([{ via: "v2", activationId: null, state: "pending", attempts: 0, lastError: null }]);
    expect(one!.deliveries).toEqual([]);
  });

  it("recent activations: every open one however old, the newest closed ones, SMS counts", async () => {
    const s = store();
    const old = await reserve(s.sales, newActivation(1));
    const ids: number[] = [];
    for (const n of [2, 3, 4, 5]) ids.push((await reserve(s.sales, newActivation(n))).id);
    for (const id of ids) await finish(s.sales, id, 3, 5_000, { finishSum: 9 });
    await attach(s.sales, sms(s, "p1", "x", 1_000), old, 1_000);
    const list = await s.sales.recent(2);
    expect(list.map((a) => a.id)).toEqual([ids[3], ids[2], old.id]);
    expect(list[0]).toMatchObject({ status: 3, finishSum: 9, closedAt: 5_000, smsCount: 0 });
    expect(list[2]).toMatchObject({ status: null, finishSum: null, closedAt: null, smsCount: 1 });
  });
});

describe("inspection API on the running daemon (simgate run --simulate 4)", () => {
  let d: DaemonProcess;
  let ready: any[];

  const at = async (body: Record<string, unknown>) => d.adminPost("/api/at", body);

  beforeAll(async () => {
    d = await startDaemonProcess({ modems: 4, seed: "7" });
    ready = await waitSettled(d, 3);
  }, 120_000);

  afterAll(async () => {
    await d?.proc.stop();
    if (d) rmSync(d.stateDir, { recursive: true, force: true });
  });

  it("GET /api/sms lists an SMS injected at the modem with its exact text, filtered by port and since", async () => {
    const [a, b] = ready;
    const before = Date.now() - 1_000;
    const textA = `Код 5521 для входа ${Date.now()} 👋`;
    const textB = `other port ${Date.now()}`;
    expect((await d.adminPost("/api/simulator/sms", { port: base(a.id), sender: "Telegram", text: textA })).status).toBe(200);
    expect((await d.adminPost("/api/simulator/sms", { port: base(b.id), sender: "+4917000", text: textB })).status).toBe(200);
    const all = await waitFor("both SMS stored", async () => {
      const r = await d.adminGet("/api/sms");
      return r.sms.length >= 2 ? r : undefined;
    });
    expect(all.sms.find((s: any) => s.text === textA)).toMatchObject({ port: a.id, sender: "Telegram", deliveries: [] });
    const onA = await d.adminGet(`/api/sms?port=${base(a.id)}`);
    expect(onA.port).toBe(a.id);
    expect(onA.sms.map((s: any) => s.text)).toEqual([textA]);
    expect((await d.adminGet(`/api/sms?since=${before}`)).sms.map((s: any) => s.text).sort()).toEqual([textA, textB].sort());
    expect((await d.adminGet(`/api/sms?since=${Date.now() + 60_000}`)).sms).toEqual([]);
    const bad = await fetch(`${d.adminUrl}/api/sms?port=modem99`, { headers: d.adminHeaders });
    expect(bad.status).toBe(404);
    expect(await bad.json()).toMatchObject({ error: "NO_SUCH_PORT", detail: expect.stringContaining("modem0") });
    expect((await fetch(`${d.adminUrl}/api/sms?since=yesterday`, { headers: d.adminHeaders })).status).toBe(400);
    expect((await fetch(`${d.adminUrl}/api/sms?limit=0`, { headers: d.adminHeaders })).status).toBe(400);
  });

  it("GET /api/activations shows an order made through the partner endpoint, its SMS and its finish", async () => {
    const services = await d.partner({ action: "GET_SERVICES", key: E2E_KEY });
    const country = services.json.countryList.find((c: any) => Object.values(c.operatorMap.any).some((n: any) => n > 0));
    const service = Object.entries(country.operatorMap.any).find(([, n]) => (n as number) > 0)![0];
    const order = await d.partner({ action: "GET_NUMBER", country: country.country, operator: "any", service, sum: 12.5, key: E2E_KEY });
    expect(order.json.status).toBe("SUCCESS");
    const id = order.json.activationId;
    const open = (await d.adminGet("/api/activations")).activations.find((a: any) => a.id === id);
    expect(open).toMatchObject({ state: "open", service, country: country.country, number: String(order.json.number), sum: 12.5, status: null, closedAt: null, smsCount: 0 });
    expect(open.expiresAt - open.createdAt).toBe(15 * 60_000);
    expect(open.port).toMatch(/modem\d$/);
    await d.adminPost("/api/simulator/sms", { number: `+${order.json.number}`, sender: "Service", text: "code 1" });
    await waitFor("the SMS counted", async () => (await d.adminGet("/api/activations")).activations.find((a: any) => a.id === id).smsCount === 1);
    expect((await d.partner({ action: "FINISH_ACTIVATION", activationId: id, status: 3, sum: 11, key: E2E_KEY })).json).toEqual({ status: "SUCCESS" });
    const res = await d.adminGet("/api/activations?limit=5");
    expect(res.activations.find((a: any) => a.id === id)).toMatchObject({ state: "finished", status: 3, finishSum: 11, smsCount: 1, expiresAt: null, closedAt: expect.any(Number) });
    expect(res.open).toBe(0);
  });

  it("POST /api/at answers through the port's queue: lines and final, error finals, the safety list", async () => {
    const p = ready[0];
    for (const port of [p.id, base(p.id), `simulated-ports/${base(p.id)}`]) {
      const r = await at({ port, command: "AT+CSQ" });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ status: "SUCCESS", port: p.id, command: "AT+CSQ", final: "OK", ok: true });
      expect(r.json.lines).toEqual([expect.stringMatching(/^\+CSQ: \d+,\d+$/)]);
    }
    expect((await at({ port: base(p.id), command: "AT+NOSUCH" })).json).toMatchObject({ final: "ERROR", ok: false, lines: [] });
    const refused = await at({ port: base(p.id), command: "AT+CFUN=1,1" });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({ error: "COMMAND_REFUSED", forceable: true, detail: expect.stringContaining("--force") });
    // Forced past the list: AT+CSCS="GSM" is the default character set anyway.
    expect((await at({ port: base(p.id), command: 'AT+CSCS="GSM"', force: true })).json).toMatchObject({ final: "OK", ok: true });
    expect((await at({ port: base(p.id), command: 'AT+CMGS="+4915112"', force: true })).status).toBe(422);
    const unknown = await at({ port: "modem99", command: "AT" });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe("NO_SUCH_PORT");
    expect((await at({ port: base(p.id) })).status).toBe(400);
    expect((await at({ port: base(p.id), command: "hello" })).json).toMatchObject({ error: "BAD_COMMAND" });
  });

  it("raw commands interleave with the daemon's own traffic: the partner endpoint, the status API and SMS reception keep working", async () => {
    const ports = (await d.status()).ports;
    const commands = ports.flatMap((p: any) => ["AT+CSQ", "AT+CREG?", "AT+CPIN?", "AT+CGSN"].map((command) => at({ port: base(p.id), command })));
    const partner = Array.from({ length: 8 }, () => d.partner({ action: "GET_SERVICES", key: E2E_KEY }));
    const text = `during raw traffic ${Date.now()}`;
    const inject = d.adminPost("/api/simulator/sms", { port: base(ready[1].id), sender: "Bank", text });
    const [answers, services] = await Promise.all([Promise.all(commands), Promise.all(partner), inject]);
    for (const r of answers) expect(r.json).toMatchObject({ status: "SUCCESS", ok: true, final: "OK" });
    for (const s of services) expect(s.json.status).toBe("SUCCESS");
    await waitFor("the SMS sent during the raw traffic", async () => (await d.adminGet(`/api/sms?port=${base(ready[1].id)}`)).sms.some((s: any) => s.text === text));
    const after = (await d.status()).ports;
    expect(after.map((p: any) => `${p.id}=${p.state}`)).toEqual(ports.map((p: any) => `${p.id}=${p.state}`));
  });

  it("a module that does not answer: 504 AT_TIMEOUT, and the port answers again once it recovers", async () => {
    const p = base(ready[2].id);
    await d.adminPost(`/api/simulator/ports/${p}/hang`, {});
    try {
      const r = await at({ port: p, command: "AT+CSQ", timeoutMs: 500 });
      expect(r.status).toBe(504);
      expect(r.json).toMatchObject({ error: "AT_TIMEOUT", detail: expect.stringContaining("timed out after 500 ms") });
    } finally {
      await d.adminPost(`/api/simulator/ports/${p}/recover`, {});
    }
    expect((await at({ port: p, command: "AT+CSQ" })).json).toMatchObject({ ok: true, final: "OK" });
  });

  it("a port without an open channel: 409 PORT_NOT_OPEN", async () => {
    const p = base(ready[2].id);
    await d.adminPost(`/api/simulator/ports/${p}/unplug`, {});
    try {
      const r = await waitFor("409 from the unplugged port", async () => {
        const res = await at({ port: p, command: "AT" });
        return res.status === 409 ? res : undefined;
      });
      expect(r.json).toMatchObject({ error: "PORT_NOT_OPEN" });
    } finally {
      await d.adminPost(`/api/simulator/ports/${p}/replug`, {});
    }
  });
});
