/**
 * Who may use the admin listener, against the real daemon process (`simgate run
 * --simulate 2`, no admin.token in its config): loopback is not an identity, the Host
 * header must be one of the listener's own names (DNS rebinding), and the status page's
 * login (form or `?token=`) hands out an HttpOnly, SameSite=Strict session cookie that
 * only reads.
 *
 * Clients bind their socket to 127.0.0.2 or 127.9.9.9: Linux routes all of 127.0.0.0/8
 * to lo, so they reach the listener on 127.0.0.1 and the daemon sees those addresses,
 * as it would see any other local user's or a rebinding web page's requests.
 */
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";
import { parseSetCookie, rawRequest, type RawResponse } from "../helpers/raw-http.js";

const SOURCES = ["127.0.0.1", "127.0.0.2", "127.9.9.9"];

/** Everything but health, readiness and metrics; the POSTs would change something if let through. */
const PROTECTED: Array<{ method: "GET" | "POST"; path: string; body?: unknown }> = [
  { method: "GET", path: "/api/status" },
  { method: "GET", path: "/api/ports" },
  { method: "GET", path: "/api/page" },
  { method: "GET", path: "/api/events" },
  { method: "GET", path: "/api/sms" },
  { method: "GET", path: "/api/activations?limit=5" },
  { method: "GET", path: "/api/simulator/modems" },
  // force: true skips the AT deny-list: it must need the token like everything else.
  { method: "POST", path: "/api/at", body: { port: "modem0", command: "ATZ", force: true } },
  { method: "POST", path: "/api/simulator/sms", body: { port: "modem0", sender: "attacker", text: "code 1234" } },
  { method: "POST", path: "/api/simulator/ports/modem1/recover", body: {} },
];

const PUBLIC = ["/healthz", "/readyz", "/metrics"];

describe("admin listener access (simgate run --simulate 2, no admin.token configured)", () => {
  let d: DaemonProcess;
  let port: string;
  let token: string;
  const url = (path: string): string => d.adminUrl + path;
  const json = (body: unknown) => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const bearer = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const call = (r: (typeof PROTECTED)[number], from: string, headers: Record<string, string> = {}): Promise<RawResponse> => {
    const body = r.body !== undefined ? json(r.body) : undefined;
    return rawRequest(url(r.path), { method: r.method, from, headersOnly: r.path === "/api/events", headers: { ...body?.headers, ...headers }, ...(body ? { body: body.body } : {}) });
  };
  /** The session cookie a `?token=` login hands out, as `name=value`. */
  const login = async (from = "127.0.0.2"): Promise<string> => {
    const res = await rawRequest(url(`/?token=${encodeURIComponent(token)}`), { from });
    expect(res.status).toBe(303);
    const c = parseSetCookie(res.cookies[0] ?? "");
    return `${c.name}=${c.value}`;
  };

  beforeAll(async () => {
    d = await startDaemonProcess({ modems: 2, seed: "5" });
    port = new URL(d.adminUrl).port;
    await waitSettled(d, 1);
    // The first test checks the file itself; the others fail on their own if it is missing.
    token = d.adminToken ?? "(no admin-token file)";
  }, 120_000);

  afterAll(async () => {
    await d?.proc.stop();
    if (d) rmSync(d.stateDir, { recursive: true, force: true });
  });

  it("generates a random admin token at first start, in a state-dir file only the service user can read", () => {
    const file = join(d.stateDir, "admin-token");
    expect(readFileSync(file, "utf8").trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes, base64url
    expect(d.proc.stderr()).not.toContain(token);
  });

  it.each(SOURCES)("refuses every admin route without the token from %s, the AT force bypass included", async (from) => {
    for (const r of PROTECTED) {
      const res = await call(r, from);
      expect(res.status, `${r.method} ${r.path} from ${from}`).toBe(401);
    }
    // The simulated SMS was not injected: the SMS list (read with the token) has none.
    const sms = await rawRequest(url("/api/sms"), { headers: bearer() });
    expect(JSON.parse(sms.body).sms).toEqual([]);
  });

  it.each(SOURCES)("serves /healthz, /readyz and /metrics without the token from %s", async (from) => {
    for (const path of PUBLIC) expect((await rawRequest(url(path), { from })).status, path).toBe(200);
  });

  it.each(SOURCES)("serves every route with the token from %s", async (from) => {
    for (const r of PROTECTED.filter((x) => x.method === "GET")) {
      const res = await call(r, from, bearer());
      expect(res.status, `${r.method} ${r.path} from ${from}`).toBe(200);
    }
    const refused = await call({ method: "POST", path: "/api/at", body: { port: "modem0", command: "AT+CFUN=0" } }, from, bearer());
    expect(refused.status, refused.body).toBe(422); // the deny-list answers: the request got past the auth
    expect(JSON.parse(refused.body).error).toBe("COMMAND_REFUSED");
  });

  it("answers 421 to a forged Host header, even with the token, even for health", async () => {
    const forged = ["attacker.example", `attacker.example:${port}`, `localhost.attacker.example:${port}`, `127.0.0.1.nip.io:${port}`, `127.0.0.2:${port}`, `[::2]:${port}`, `localhost:${Number(port) === 1 ? 2 : 1}`];
    for (const host of forged) {
      for (const path of ["/api/status", "/", "/healthz", `/?token=${token}`]) {
        const res = await rawRequest(url(path), { from: "127.0.0.2", headers: { ...bearer(), host } });
        expect(res.status, `Host: ${host} ${path}`).toBe(421);
        expect(res.cookies).toEqual([]);
        expect(res.body).not.toContain(token);
      }
    }
  });

  it("answers 421 to any other name a rebinding page could use (property)", async () => {
    const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/);
    const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join("."));
    await fc.assert(
      fc.asyncProperty(name, fc.boolean(), async (host, withPort) => {
        fc.pre(host !== "localhost");
        const res = await rawRequest(url("/api/status"), { from: "127.0.0.2", headers: { ...bearer(), host: withPort ? `${host}:${port}` : host } });
        expect(res.status).toBe(421);
      }),
      { numRuns: 30 },
    );
  });

  it("accepts its own names: localhost, 127.0.0.1, [::1] and the bind address, with and without the port", async () => {
    for (const host of ["localhost", `localhost:${port}`, `LOCALHOST:${port}`, "127.0.0.1", `127.0.0.1:${port}`, "[::1]", `[::1]:${port}`]) {
      const res = await rawRequest(url("/api/status"), { from: "127.0.0.2", headers: { ...bearer(), host } });
      expect(res.status, `Host: ${host}`).toBe(200);
    }
  });

  it("shows a login form, not the page, without the token; the form never echoes what was typed", async () => {
    const res = await rawRequest(url("/"), { from: "127.0.0.2" });
    expect(res.status).toBe(401);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<form method="post" action="\/login"/);
    expect(res.body).toMatch(/<input[^>]+type="password"[^>]+name="token"/);
    expect(res.body).not.toContain('id="ports"');
    const wrong = "wrong-token-typed-by-someone";
    const failed = await rawRequest(url("/login"), { method: "POST", from: "127.0.0.2", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${wrong}` });
    expect(failed.status).toBe(401);
    expect(failed.cookies).toEqual([]);
    expect(failed.body).toMatch(/not the admin token/);
    expect(failed.body).not.toContain(wrong);
  });

  it("logs in through the form: a session cookie (HttpOnly, SameSite=Strict, Path=/), then a redirect to the page", async () => {
    const res = await rawRequest(url("/login"), { method: "POST", from: "127.0.0.2", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${encodeURIComponent(token)}` });
    expect(res.status).toBe(303);
    expect(res.headers["location"]).toBe("/");
    expect(res.cookies).toHaveLength(1);
    const c = parseSetCookie(res.cookies[0]!);
    expect(c.name).toBe(`simgate_session_${port}`);
    expect(c.attributes.has("httponly")).toBe(true);
    expect(c.attributes.get("samesite")).toBe("Strict");
    expect(c.attributes.get("path")).toBe("/");
    expect(c.attributes.has("secure")).toBe(false); // plain HTTP: a Secure cookie would never come back
    expect(Number(c.attributes.get("max-age"))).toBeGreaterThan(0);
    // Not a bearer of the raw token.
    expect(c.value).not.toContain(token);
    expect(decodeURIComponent(c.value)).not.toContain(token);
    const page = await rawRequest(url("/"), { from: "127.0.0.2", headers: { cookie: `${c.name}=${c.value}` } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="ports"');
    expect(page.body).not.toContain(token);
  });

  it("?token= sets the cookie and redirects to the same URL without the token", async () => {
    const res = await rawRequest(url(`/?x=1&token=${encodeURIComponent(token)}&y=2`), { from: "127.0.0.2" });
    expect(res.status).toBe(303);
    expect(res.headers["location"]).toBe("/?x=1&y=2");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(parseSetCookie(res.cookies[0]!).attributes.get("samesite")).toBe("Strict");
    const api = await rawRequest(url(`/api/page?token=${encodeURIComponent(token)}`), { from: "127.0.0.2" });
    expect(api.status).toBe(303);
    expect(api.headers["location"]).toBe("/api/page");
    const wrong = await rawRequest(url("/?token=wrong-token-0123456789"), { from: "127.0.0.2" });
    expect(wrong.status).toBe(401);
    expect(wrong.cookies).toEqual([]);
  });

  it("marks the cookie Secure when the page is served over HTTPS (a TLS proxy says so)", async () => {
    const res = await rawRequest(url(`/?token=${encodeURIComponent(token)}`), { from: "127.0.0.2", headers: { "x-forwarded-proto": "https" } });
    expect(res.status).toBe(303);
    expect(parseSetCookie(res.cookies[0]!).attributes.has("secure")).toBe(true);
  });

  it("the session reads (page data, events, status) but changes nothing: POST still needs the token", async () => {
    const cookie = await login();
    for (const path of ["/api/page", "/api/status", "/api/sms"]) expect((await rawRequest(url(path), { from: "127.0.0.2", headers: { cookie } })).status, path).toBe(200);
    expect((await rawRequest(url("/api/events"), { from: "127.0.0.2", headers: { cookie }, headersOnly: true })).status).toBe(200);
    for (const r of PROTECTED.filter((x) => x.method === "POST")) expect((await call(r, "127.0.0.2", { cookie })).status, r.path).toBe(401);
  });

  it("refuses a forged or altered session cookie", async () => {
    const cookie = await login();
    const [name, value] = cookie.split("=") as [string, string];
    const last = value.at(-1) === "A" ? "B" : "A";
    for (const bad of [`${name}=${value.slice(0, -1)}${last}`, `${name}=${token}`, `${name}=`, `${name}=v1.9999999999.x.y`]) {
      expect((await rawRequest(url("/api/page"), { from: "127.0.0.2", headers: { cookie: bad } })).status, bad).toBe(401);
    }
  });
});
