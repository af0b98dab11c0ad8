/**
 * How a PUSH_SMS travels (src/outbound/http-transport.ts), over real loopback HTTP to
 * small node:http servers that misbehave on purpose: a redirect is not followed (the SMS
 * stays queued, the redirect is named), sequential requests share one kept-alive
 * connection, and a connection the server dropped while it sat idle costs no failed
 * attempt (no back-off).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PushSmsSender } from "../../src/outbound/index.js";
import { nodeHttpTransport, requestJson, USER_AGENT } from "../../src/outbound/http.js";
import type { Store } from "../../src/store/index.js";
import { activation, captureLogger, KEY, pushConfig, queueSms, tempStore, until } from "./helpers.js";
import { makeCert } from "../helpers/tls.js";

const cleanups: Array<() => void | Promise<void>> = [];
let store: Store;

beforeEach(() => {
  const sync: Array<() => void> = [];
  store = tempStore(sync).store();
  cleanups.push(...sync);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: IncomingMessage["headers"];
  /** Which TCP connection (1, 2, …) carried it. */
  connection: number;
}

/** A loopback server answering with `answer`; records every request and the connection it came on. */
async function server(answer: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<{ url: string; seen: Seen[]; connections: () => number }> {
  const seen: Seen[] = [];
  let connections = 0;
  const ids = new WeakMap<object, number>();
  const srv: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const s: Seen = { method: req.method ?? "", url: req.url ?? "", body, headers: req.headers, connection: ids.get(req.socket) ?? 0 };
      seen.push(s);
      answer(req, res, s);
    });
  });
  srv.on("connection", (socket) => ids.set(socket, ++connections));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise<void>((r) => srv.close(() => r())) as Promise<void>);
  cleanups.push(() => srv.closeAllConnections());
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, connections: () => connections };
}

const ok = (res: ServerResponse) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ response: 1 }));
};

describe("PUSH_SMS transport", () => {
  it("does not follow a redirect: the SMS stays queued with the redirect named, and is delivered once the URL is the final one", async () => {
    // Before: fetch followed the 302 as a GET without the body, the page answered 200 "OK", and the SMS counted delivered.
    const srv = await server((req, res, seen) => {
      if (seen.url === "/old") {
        res.writeHead(302, { location: `/new?key=${KEY}` }).end();
        return;
      }
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/plain" }).end("OK");
        return;
      }
      ok(res);
    });
    const a = await activation(store, 1);
    const { outboxId } = queueSms(store, a, "Your code is 800142");
    const log = captureLogger();
    const sender = new PushSmsSender({ outbox: store.outbox, key: KEY, push: pushConfig({ url: `${srv.url}/old` }), logger: log.logger, scrub: (t) => t.replaceAll(KEY, "***") });
    cleanups.push(() => sender.stop());
    sender.start();
    await until(() => (store.outbox.get(outboxId)?.attempts ?? 0) >= 1 && store.outbox.get(outboxId)?.sendingSince === null, 5000, "the first attempt recorded");
    await sender.stop();
    const row = store.outbox.get(outboxId)!;
    expect(row.deliveredAt).toBeNull();
    expect(row.gaveUpAt).toBeNull();
    expect(row.lastError).toMatch(/^HTTP 302: redirect to \/new\?key=\*\*\* not followed/);
    expect(srv.seen.map((s) => `${s.method} ${s.url}`)).toEqual(["POST /old"]);

    const fixed = new PushSmsSender({ outbox: store.outbox, key: KEY, push: pushConfig({ url: `${srv.url}/new`, retryMs: 10 }), logger: log.logger });
    cleanups.push(() => fixed.stop());
    fixed.start();
    await until(() => store.outbox.get(outboxId)?.deliveredAt != null, 5000, "delivery to the final URL");
    expect(srv.seen.filter((s) => s.url === "/new")).toHaveLength(1);
    expect(JSON.parse(srv.seen.at(-1)!.body)).toMatchObject({ action: "PUSH_SMS", text: "Your code is 800142" });
  });

  it("sends the JSON body with its length, the User-Agent with the version, and reuses one connection for sequential requests", async () => {
    const srv = await server((_req, res) => ok(res));
    for (let i = 0; i < 5; i++) {
      const r = await requestJson(nodeHttpTransport, { url: `${srv.url}/push`, body: { i, text: "код 1234" }, headers: { authorization: "Bearer x" }, timeoutMs: 30_000 });
      expect(r).toEqual({ ok: true, answer: { status: 200, text: '{"response":1}', json: { response: 1 } } });
    }
    expect(srv.seen.map((s) => JSON.parse(s.body).i)).toEqual([0, 1, 2, 3, 4]);
    const h = srv.seen[0]!.headers;
    expect(h["user-agent"]).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^simgate\/\d+\.\d+\.\d+/);
    expect(h["content-type"]).toBe("application/json; charset=utf-8");
    expect(h["content-length"]).toBe(String(Buffer.byteLength(srv.seen[0]!.body)));
    expect(h["authorization"]).toBe("Bearer x");
    expect(srv.connections()).toBe(1);
  });

  it("a kept-alive connection the server dropped is not a failure: the request goes once more on a new connection", async () => {
    let dropNextReuse = true;
    const srv = await server((req, res, seen) => {
      // The server closing an idle connection just as we reuse it: the request never gets an answer.
      if (seen.connection === 1 && srv.seen.filter((s) => s.connection === 1).length === 2 && dropNextReuse) {
        dropNextReuse = false;
        req.socket.destroy();
        return;
      }
      ok(res);
    });
    const first = await requestJson(nodeHttpTransport, { url: srv.url, body: { n: 1 }, timeoutMs: 30_000 });
    expect(first.ok).toBe(true);
    const second = await requestJson(nodeHttpTransport, { url: srv.url, body: { n: 2 }, timeoutMs: 30_000 });
    expect(second).toMatchObject({ ok: true, answer: { status: 200 } });
    expect(srv.seen.map((s) => [JSON.parse(s.body).n, s.connection])).toEqual([
      [1, 1],
      [2, 1],
      [2, 2],
    ]);
  });

  it("a connection dropped on a new connection is reported, not retried", async () => {
    const srv = await server((req) => req.socket.destroy());
    const r = await requestJson(nodeHttpTransport, { url: srv.url, body: {}, timeoutMs: 30_000 });
    expect(r).toMatchObject({ ok: false, aborted: false, timedOut: false });
    expect(r.ok ? "" : r.error).toMatch(/ECONNRESET|socket hang up/);
    expect(srv.seen).toHaveLength(1);
  });

  it("an https URL goes over TLS and checks the certificate: a self-signed one is refused with a clear error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "simgate-push-tls-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cert = makeCert(dir, "push");
    let requests = 0;
    const srv = createTlsServer({ key: readFileSync(cert.keyFile), cert: readFileSync(cert.certFile) }, (_req, res) => {
      requests++;
      ok(res);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
    const r = await requestJson(nodeHttpTransport, { url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}/push`, body: {}, timeoutMs: 30_000 });
    expect(r).toMatchObject({ ok: false, aborted: false, timedOut: false });
    expect(r.ok ? "" : r.error).toMatch(/SELF_SIGNED_CERT|self[- ]signed/i);
    expect(requests).toBe(0);
  });

  it("the deadline cuts a request that gets no answer", async () => {
    const srv = await server(() => undefined); // never answers
    const r = await requestJson(nodeHttpTransport, { url: srv.url, body: {}, timeoutMs: 200 });
    expect(r).toEqual({ ok: false, error: "timeout after 200 ms", aborted: false, timedOut: true });
  });
});
