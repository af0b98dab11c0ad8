/**
 * Slow clients on the admin listener (the real daemon, `simgate run --simulate 2`): a
 * connection that dribbles its headers or its body (slowloris) is cut once
 * http.requestTimeoutMs has passed, as on the partner endpoint, so a local program cannot
 * hold the listener's sockets for node's default 60 s / 300 s. The status page's event
 * stream, whose request arrived whole, stays open past that timeout.
 */
import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDaemonProcess, waitSettled, type DaemonProcess } from "../helpers/daemon.js";

const TIMEOUT_MS = 1_000;

/** Opens a socket, writes `head`, then one more byte of `drip` every 200 ms; resolves with how long until the daemon closed it. */
function dribble(port: number, head: string, drip: string): Promise<{ closedAfterMs: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect({ host: "127.0.0.1", port });
    let answer = "";
    let i = 0;
    const timer = setInterval(() => {
      if (i < drip.length && !socket.destroyed) socket.write(drip[i++]!);
    }, 200);
    socket.on("connect", () => socket.write(head));
    socket.on("data", (d) => (answer += d.toString("latin1")));
    socket.on("error", () => undefined); // a reset is a cut too
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, answer });
    });
    setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error("the admin listener kept a slow connection open for 20 s"));
    }, 20_000).unref();
  });
}

describe("admin listener and slow clients (http.requestTimeoutMs 1 s)", () => {
  let d: DaemonProcess;
  let port: number;

  beforeAll(async () => {
    d = await startDaemonProcess({ modems: 2, seed: "7", config: { http: { requestTimeoutMs: TIMEOUT_MS } } });
    port = Number(new URL(d.adminUrl).port);
    await waitSettled(d, 1);
  }, 120_000);

  afterAll(async () => {
    await d?.proc.stop();
    if (d) rmSync(d.stateDir, { recursive: true, force: true });
  });

  it("cuts a client that sends its headers one byte at a time", async () => {
    const r = await dribble(port, "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n", "X-Slow: " + "a".repeat(200));
    // node answers 408 before closing when it can; either way the socket is gone.
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(r.answer === "" || r.answer.startsWith("HTTP/1.1 408")).toBe(true);
  });

  it("cuts a client that sends its body one byte at a time", async () => {
    const head = `POST /api/at HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${d.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n`;
    const r = await dribble(port, head, "{".padEnd(300, " "));
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
    expect(r.answer === "" || r.answer.startsWith("HTTP/1.1 408")).toBe(true);
  });

  it("keeps the status page's event stream open past the request timeout", async () => {
    const got: string[] = [];
    const opened = Date.now();
    const req = request({ host: "127.0.0.1", port, path: "/api/events", headers: { host: "127.0.0.1", authorization: `Bearer ${d.adminToken}` } });
    const closed = new Promise<void>((resolve) => req.on("close", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      req.on("response", (res) => {
        expect(res.statusCode).toBe(200);
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => got.push(chunk));
        resolve();
      });
      req.on("error", reject);
      req.end();
    });
    // Past three timeouts, a change on the pool must still reach the open stream.
    while (Date.now() - opened < 3 * TIMEOUT_MS) await new Promise((r) => setTimeout(r, 100));
    const before = got.length;
    const res = await fetch(`${d.adminUrl}/api/simulator/ports/modem0/pull-sim`, { method: "POST", headers: { authorization: `Bearer ${d.adminToken}`, "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 15_000;
    while (got.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(got.length).toBeGreaterThan(before);
    req.destroy();
    await closed;
  }, 30_000);
});
