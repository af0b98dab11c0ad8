/**
 * The control listeners of the chaos helper processes: a tiny JSON-over-HTTP router on
 * loopback (node:http, nothing else), so a helper is driven from the runner the same way
 * whatever it hosts.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

export type Route = (body: any, query: URLSearchParams) => Promise<unknown> | unknown;

/** A handler that throws this answers with its status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 1_000_000) throw new HttpError(413, "body too large");
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}

/** Listen on 127.0.0.1 (a free port unless `port` is given); routes are keyed "METHOD /path". */
export async function serveJson(routes: Record<string, Route>, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    const route = routes[`${req.method} ${url.pathname}`];
    const send = (status: number, value: unknown): void => {
      const body = JSON.stringify(value ?? null);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    if (!route) return send(404, { error: `no route ${req.method} ${url.pathname}` });
    readBody(req)
      .then((body) => route(body, url.searchParams))
      .then(
        (value) => send(200, value),
        (err: unknown) => send(err instanceof HttpError ? err.status : 500, { error: err instanceof Error ? err.message : String(err) }),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("control listener has no TCP address");
  return { server, url: `http://127.0.0.1:${addr.port}` };
}

/** POST/GET JSON to a control listener; throws with the answer's error on a non-2xx. */
export async function callJson<T = any>(url: string, body?: unknown, timeoutMs = 30_000): Promise<T> {
  const res = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const value = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(value)}`);
  return value as T;
}
