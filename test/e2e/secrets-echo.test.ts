/**
 * Issue 12, defect 3, end to end: the real daemon (`simgate run --simulate 8`, mode both,
 * an admin token) against a fake Onlinesim whose error pages echo everything they received
 * (the URL, every header with the Bearer key, the raw body with the key, the body again
 * URL-encoded). The daemon keeps those answers as delivery errors, logs them and serves
 * them; the partner key and the admin token must appear in none of it: no byte of the
 * SQLite files, no admin API answer, no log line.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeOnlinesim } from "../../src/onlinesim/fake/index.js";
import { E2E_KEY, freePort, startDaemonProcess, waitFor, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const TOKEN = "e2e-admin-token-abcdef0123456789";

/** Every form of the secrets a byte scan or a text search should miss. */
const FORMS = [E2E_KEY, TOKEN, encodeURIComponent(E2E_KEY), encodeURIComponent(TOKEN), Buffer.from(E2E_KEY, "utf16le").toString("latin1")];

function leaks(text: string): string[] {
  return FORMS.filter((f) => text.includes(f));
}

describe("secrets never stored, served or logged (fake Onlinesim echoes every request)", () => {
  let fake: FakeOnlinesim;
  let daemon: DaemonProcess;
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    const partnerPort = await freePort();
    fake = new FakeOnlinesim({ key: E2E_KEY, marketplace: { partnerUrl: `http://127.0.0.1:${partnerPort}`, pollMs: 0, orderEveryMs: 0, autoFinish: false, exceptionRate: 0, moduleCount: 8 } });
    await fake.start();
    fake.fail({ path: "/v1/PUSH_SMS", echo: true, times: Infinity });
    fake.fail({ path: "addMessages", echo: true, times: Infinity });
    fake.fail({ path: "sendNumbersOnline", echo: true, status: 400, times: 2 });
    daemon = await startDaemonProcess({
      partnerPort,
      config: {
        admin: { token: TOKEN },
        onlinesim: { mode: "both", push: { url: fake.urls.pushSms, rentUrl: fake.urls.pushSmsRent, retryMs: 1000 }, v2: { baseUrl: fake.urls.base, addMessagesBatchMs: 0, debounceMs: 200 } },
        engine: { services: ["telegram"] },
      },
    });
    await waitSettled(daemon, 3);
  }, 120_000);

  afterAll(async () => {
    await daemon?.proc.stop();
    await fake?.stop();
    if (daemon) rmSync(daemon.stateDir, { recursive: true, force: true });
  });

  it("keeps the echoed errors, scrubbed, in the store, the admin API and the log", async () => {
    expect(await fake.marketplace!.pollOnce()).toBe(true);
    const op = await fake.marketplace!.orderOnce();
    expect(op).toBeDefined();
    const ready: any[] = (await daemon.status()).ports.filter((p: any) => p.state === "ready" && p.number && p.number.replace("+", "") !== op!.number);
    // One SMS for the v1 activation (PUSH_SMS), one for a number without one (v2 addMessages).
    expect((await daemon.adminPost("/api/simulator/sms", { number: `+${op!.number}`, sender: "Telegram", text: "v1 code 1111" })).status).toBe(200);
    expect((await daemon.adminPost("/api/simulator/sms", { port: ready[0].id, sender: "Telegram", text: "v2 code 2222" })).status).toBe(200);

    // The echo really carried the secrets back: the requests it echoed held the key (the fake's log shows it redacted).
    const echoed = await waitFor("an echoed PUSH_SMS and addMessages", () => {
      const list = fake.log().filter((r) => r.injected?.includes("echo"));
      return list.some((r) => r.path.endsWith("PUSH_SMS")) && list.some((r) => r.path.endsWith("addMessages")) ? list : undefined;
    }, 30_000);
    for (const r of echoed) {
      expect(r.headers["authorization"]).toBe("Bearer ***");
      if (r.path.endsWith("PUSH_SMS")) expect((r.body as { key?: string }).key).toBe("***");
    }

    // The daemon recorded both failures: scrubbed, with the rest of the answer intact.
    const sms = await waitFor(
      "both deliveries with their echoed error",
      async () => {
        const list: any[] = (await daemon.adminGet("/api/sms?limit=100")).sms;
        const errors = list.flatMap((m) => m.deliveries).filter((d: any) => typeof d.lastError === "string" && d.lastError.includes("INJECTED_ECHO"));
        return errors.some((d: any) => d.via === "push") && errors.some((d: any) => d.via === "v2") ? errors : undefined;
      },
      30_000,
      200,
    );
    for (const d of sms) expect(d.lastError).toContain("[redacted]");
    const status = await daemon.status();
    expect(status.outbound.push.lastError).toContain("INJECTED_ECHO");
    expect(status.outbound.addMessages.lastError).toContain("INJECTED_ECHO");
  }, 90_000);

  it("no admin API answer carries a secret", async () => {
    for (const path of ["/api/status", "/api/sms?limit=1000", "/api/activations", "/api/page", "/api/ports", "/metrics", "/healthz", "/readyz", "/api/simulator/modems"]) {
      const res = await fetch(`${daemon.adminUrl}${path}`, { headers: auth });
      expect(res.status, path).toBe(200);
      expect(leaks(await res.text()), path).toEqual([]);
    }
  });

  it("no byte of the database files, live (with its WAL) and after a clean stop, carries a secret", async () => {
    const files = () => ["simgate.db", "simgate.db-wal", "simgate.db-journal"].map((f) => join(daemon.stateDir, f)).filter((f) => existsSync(f));
    const scan = () => files().flatMap((f) => leaks(readFileSync(f).toString("latin1")).map((form) => `${f}: ${form}`));
    expect(files().length).toBeGreaterThan(0);
    expect(scan()).toEqual([]);
    // The scan is not blind: the echoed error texts are in these bytes.
    expect(files().some((f) => readFileSync(f).toString("latin1").includes("INJECTED_ECHO"))).toBe(true);
    expect(await daemon.proc.stop()).toBe(0);
    expect(scan()).toEqual([]);
  }, 30_000);

  it("no log line carries a secret, though the echoed errors were logged", () => {
    const lines = daemon.proc.stdoutLines();
    expect(lines.some((l) => l.includes("INJECTED_ECHO"))).toBe(true);
    expect(lines.filter((l) => leaks(l).length > 0)).toEqual([]);
    expect(leaks(daemon.proc.stderr())).toEqual([]);
  });
});
