/**
 * Built-in TLS of the partner endpoint (http.tls): real HTTPS on loopback with certificates
 * made by openssl at test time, verified against exactly those certificates. The served
 * certificate, reloadTls swapping it for new connections while an open keep-alive
 * connection carries on, a bad new pair keeping the old one, one-line start errors, the
 * handshake timeout, and the config rules.
 */
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { Agent } from "node:https";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema, type Config } from "../../src/config/schema.js";
import { listen } from "../../src/daemon/listen.js";
import { ErrorCode, isSimgateError } from "../../src/errors.js";
import { buildPartnerEndpoint, type PartnerEndpoint } from "../../src/http/partner/index.js";
import { createLogger } from "../../src/log/logger.js";
import { port } from "../sales/ports.js";
import { encryptKey, httpsPost, makeCert, type TestCert } from "../helpers/tls.js";
import { DEFAULTS, KEY, LEVEL, makeEngine, type LogLine } from "./partner-harness.js";

let dir: string;
let one: TestCert;
let two: TestCert;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "simgate-tls-"));
  one = makeCert(dir, "one");
  two = makeCert(dir, "two");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface TlsHarness {
  endpoint: PartnerEndpoint;
  url: string;
  port: number;
  /** The files the endpoint was configured with (tests overwrite them before reloadTls). */
  certFile: string;
  keyFile: string;
  logs: () => LogLine[];
  close: () => Promise<void>;
}

let open: TlsHarness | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

function logSink(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, logger: createLogger({ level: "debug", destination: sink }) };
}

async function optionsFor(http: Partial<Config["http"]>, logger: ReturnType<typeof createLogger>) {
  const engine = await makeEngine();
  engine.updatePorts([port(1), port(2)]);
  return { engine, key: KEY, http: { ...DEFAULTS.http, ...http }, v1: DEFAULTS.onlinesim.v1, auth: DEFAULTS.onlinesim.auth, logger };
}

/** An endpoint serving copies of `cert` (so a test may overwrite the files), listening through the daemon's listen(). */
async function startTls(cert: TestCert, http: Partial<Config["http"]> = {}): Promise<TlsHarness> {
  const sub = mkdtempSync(join(dir, "srv-"));
  const certFile = join(sub, "server.crt");
  const keyFile = join(sub, "server.key");
  copyFileSync(cert.certFile, certFile);
  copyFileSync(cert.keyFile, keyFile);
  const { lines, logger } = logSink();
  const endpoint = await buildPartnerEndpoint(await optionsFor({ ...http, tls: { cert: certFile, key: keyFile } }, logger));
  const listening = await listen(endpoint.app, "127.0.0.1:0", "partner endpoint");
  return {
    endpoint,
    url: listening.url,
    port: listening.port,
    certFile,
    keyFile,
    logs: () => lines.map((l) => JSON.parse(l) as LogLine),
    close: () => endpoint.app.close(),
  };
}

const services = { action: "GET_SERVICES", key: KEY };

async function startError(http: Partial<Config["http"]>): Promise<Error> {
  const { logger } = logSink();
  try {
    await buildPartnerEndpoint(await optionsFor(http, logger));
  } catch (err) {
    return err as Error;
  }
  throw new Error("buildPartnerEndpoint did not refuse");
}

describe("serving HTTPS", () => {
  it("answers over TLS with the configured certificate, verified by a client that trusts only it; listen() says https://", async () => {
    open = await startTls(one);
    expect(open.url).toBe(`https://127.0.0.1:${open.port}`);
    const a = await httpsPost(open.url + "/getServices", services, { ca: [one.cert] });
    expect(a.status).toBe(200);
    expect(a.json["status"]).toBe("SUCCESS");
    expect(a.fingerprint256).toBe(one.fingerprint256);
    expect(open.endpoint.certificate).toMatchObject({ fingerprint256: one.fingerprint256, subject: "CN=simgate-test-one" });
    expect(open.endpoint.certificate!.daysLeft).toBeGreaterThanOrEqual(28);
    expect(open.logs().find((l) => l["event"] === "tls-certificate")).toMatchObject({ level: LEVEL.info, fingerprint256: one.fingerprint256, cert: open.certFile });
  });

  it("a client that does not trust the certificate is refused at the handshake (real verification)", async () => {
    open = await startTls(one);
    await expect(httpsPost(open.url + "/", services, { ca: [two.cert] })).rejects.toThrow(/self-signed|self signed|unable to verify|certificate/i);
  });

  it("plain HTTP sent to the TLS port gets no answer; the failed handshake is a debug line", async () => {
    open = await startTls(one);
    await expect(fetch(`http://127.0.0.1:${open.port}/`, { method: "POST", body: "{}" })).rejects.toThrow();
    const h = open;
    await waitUntil(() => h.logs().some((l) => l["event"] === "v1-tls-error"));
    expect(h.logs().find((l) => l["event"] === "v1-tls-error")).toMatchObject({ level: LEVEL.debug, ip: "127.0.0.1" });
  });

  it("a client that connects and never starts the handshake is cut off after http.requestTimeoutMs, not node's 120 s", async () => {
    open = await startTls(one, { requestTimeoutMs: 500 });
    const socket = connect(open.port, "127.0.0.1");
    const started = Date.now();
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("reloadTls", () => {
  it("serves the new certificate to new connections; a keep-alive connection opened before goes on working", async () => {
    open = await startTls(one);
    const ca = [one.cert, two.cert];
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca });
    try {
      const before = await httpsPost(open.url + "/", services, { ca, agent });
      expect(before.fingerprint256).toBe(one.fingerprint256);

      copyFileSync(two.certFile, open.certFile);
      copyFileSync(two.keyFile, open.keyFile);
      const result = await open.endpoint.reloadTls();
      expect(result).toMatchObject({ ok: true, certificate: { fingerprint256: two.fingerprint256 } });
      expect(open.endpoint.certificate?.fingerprint256).toBe(two.fingerprint256);

      // The open connection: same socket, same (old) session, still answered.
      const again = await httpsPost(open.url + "/", services, { ca, agent });
      expect(again.status).toBe(200);
      expect(again.socket).toBe(before.socket);
      expect(again.fingerprint256).toBe(one.fingerprint256);
      // A new connection shakes hands with the new certificate.
      const fresh = await httpsPost(open.url + "/", services, { ca });
      expect(fresh.status).toBe(200);
      expect(fresh.fingerprint256).toBe(two.fingerprint256);
    } finally {
      agent.destroy();
    }
    const line = open.logs().find((l) => l["event"] === "tls-reloaded");
    expect(line).toMatchObject({ level: LEVEL.info, fingerprint256: two.fingerprint256, subject: "CN=simgate-test-two" });
  });

  it.each([
    ["a certificate file that is not PEM", (h: TlsHarness) => writeFileSync(h.certFile, "not a certificate\n"), /http\.tls\.cert: .*server\.crt holds no PEM certificate/],
    ["a key that belongs to another certificate", (h: TlsHarness) => copyFileSync(two.certFile, h.certFile), /the key in .*server\.key does not belong to the certificate in .*server\.crt/],
    ["a missing key file", (h: TlsHarness) => rmSync(h.keyFile), /http\.tls\.key: cannot read .*server\.key: no such file/],
  ])("%s: keeps serving the old certificate, says why in one error line", async (_what, spoil, reason) => {
    open = await startTls(one);
    spoil(open);
    const result = await open.endpoint.reloadTls();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
    const fresh = await httpsPost(open.url + "/", services, { ca: [one.cert] });
    expect(fresh.status).toBe(200);
    expect(fresh.fingerprint256).toBe(one.fingerprint256);
    expect(open.endpoint.certificate?.fingerprint256).toBe(one.fingerprint256);
    const failed = open.logs().filter((l) => l["event"] === "tls-reload-failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: LEVEL.error, fingerprint256: one.fingerprint256 });
    expect(failed[0]!["reason"]).toMatch(reason);
    expect(failed[0]!.msg).toMatch(/NOT reloaded, still serving the previous one/);
  });

  it("two reloads at once run one after the other and both succeed", async () => {
    open = await startTls(one);
    const results = await Promise.all([open.endpoint.reloadTls(), open.endpoint.reloadTls()]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(open.logs().filter((l) => l["event"] === "tls-reloaded")).toHaveLength(2);
  });

  it("without http.tls there is nothing to reload: ok false, one info line, the server keeps serving plain HTTP", async () => {
    const { lines, logger } = logSink();
    const endpoint = await buildPartnerEndpoint(await optionsFor({}, logger));
    try {
      const listening = await listen(endpoint.app, "127.0.0.1:0", "partner endpoint");
      expect(listening.url).toMatch(/^http:\/\//);
      expect(await endpoint.reloadTls()).toEqual({ ok: false, reason: "TLS is off (http.tls not set): nothing to reload" });
      expect(endpoint.certificate).toBeUndefined();
      const skipped = lines.map((l) => JSON.parse(l) as LogLine).filter((l) => l["event"] === "tls-reload-skipped");
      expect(skipped).toMatchObject([{ level: LEVEL.info }]);
      expect((await fetch(listening.url + "/", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(services) })).status).toBe(200);
    } finally {
      await endpoint.app.close();
    }
  });
});

describe("a pair that cannot be used refuses the start with one line (SimgateError HttpOptionsInvalid)", () => {
  it.each<[string, () => Partial<Config["http"]>, RegExp]>([
    ["missing certificate file", () => ({ tls: { cert: join(dir, "nope.crt"), key: one.keyFile } }), /^http\.tls\.cert: cannot read .*nope\.crt: no such file/],
    ["a directory as the key", () => ({ tls: { cert: one.certFile, key: dir } }), /^http\.tls\.key: cannot read .*: is a directory/],
    ["a key as the certificate", () => ({ tls: { cert: one.keyFile, key: one.keyFile } }), /^http\.tls\.cert: .*one\.key holds no PEM certificate/],
    ["a certificate as the key", () => ({ tls: { cert: one.certFile, key: one.certFile } }), /^http\.tls\.key: .*one\.crt: not a PEM private key/],
    ["the key of another certificate", () => ({ tls: { cert: one.certFile, key: two.keyFile } }), /^http\.tls: the key in .*two\.key does not belong to the certificate in .*one\.crt/],
    [
      "an encrypted key",
      () => {
        const f = join(dir, "encrypted.key");
        encryptKey(one.keyFile, f);
        return { tls: { cert: one.certFile, key: f } };
      },
      /^http\.tls\.key: .*encrypted\.key: the key is encrypted \(simgate needs it without a passphrase\)/,
    ],
    ["only one of the two", () => ({ tls: { cert: one.certFile } }), /^http\.tls: set both cert and key/],
  ])("%s", async (_what, http, message) => {
    const err = await startError(http());
    expect(isSimgateError(err, ErrorCode.HttpOptionsInvalid)).toBe(true);
    expect(isSimgateError(err) && err.plainMessage).toMatch(message);
    expect(err.message).not.toContain("\n");
  });
});

describe("config: http.tls and http.trustProxy", () => {
  const problems = (http: unknown): string[] => {
    const r = ConfigSchema.safeParse({ http });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("defaults: no TLS, no proxy trusted, 600 requests per minute per IP", () => {
    expect(DEFAULTS.http.tls).toEqual({});
    expect(DEFAULTS.http.trustProxy).toBe(false);
    expect(DEFAULTS.http.rateLimit).toEqual({ max: 600, windowMs: 60_000, allowList: [] });
  });

  it("both cert and key or neither, absolute paths", () => {
    expect(problems({ tls: { cert: "/etc/simgate/tls/cert.pem", key: "/etc/simgate/tls/key.pem" } })).toEqual([]);
    expect(problems({ tls: { cert: "/etc/simgate/tls/cert.pem" } })).toEqual(["http.tls: set both cert and key (PEM files) for built-in TLS, or neither for plain HTTP"]);
    expect(problems({ tls: { key: "/etc/simgate/tls/key.pem" } })[0]).toMatch(/set both cert and key/);
    expect(problems({ tls: { cert: "cert.pem", key: "/k.pem" } })).toEqual(["http.tls.cert: expected an absolute path"]);
    expect(problems({ tls: { cert: "/c.pem", key: "/k.pem", passphrase: "x" } })[0]).toMatch(/^http\.tls: Unrecognized key/);
  });

  it("trustProxy: a boolean or a list of addresses, CIDR ranges and proxy-addr's named ranges", () => {
    expect(problems({ trustProxy: true })).toEqual([]);
    expect(problems({ trustProxy: ["127.0.0.1", "::1", "10.0.0.0/8", "fd00::/8", "loopback"] })).toEqual([]);
    expect(problems({ trustProxy: ["nginx.local"] })[0]).toMatch(/^http\.trustProxy\.0: expected an IP address, a CIDR range/);
    expect(problems({ trustProxy: ["10.0.0.0/33"] })[0]).toMatch(/^http\.trustProxy\.0:/);
    expect(problems({ trustProxy: [] })[0]).toMatch(/^http\.trustProxy/);
    expect(problems({ trustProxy: "127.0.0.1" })[0]).toMatch(/^http\.trustProxy/);
  });

  it("rateLimit: exact IPs in allowList, a positive max", () => {
    expect(problems({ rateLimit: { allowList: ["203.0.113.7", "2001:db8::7"] } })).toEqual([]);
    expect(problems({ rateLimit: { allowList: ["203.0.113.0/24"] } })[0]).toMatch(/^http\.rateLimit\.allowList\.0: expected an IP address/);
    expect(problems({ rateLimit: { max: 0 } })[0]).toMatch(/^http\.rateLimit\.max/);
    expect(problems({ rateLimit: { windowMs: 10 } })[0]).toMatch(/^http\.rateLimit\.windowMs/);
  });
});

/** Bounded wait for a condition that follows an event we cannot await directly (a log line). */
async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
