/**
 * The bytes of one HTTP exchange with Onlinesim, over node:http / node:https with one
 * keep-alive Agent per scheme for the life of the process.
 *
 * Why not the global fetch: each PUSH_SMS through fetch (undici) built WHATWG Request,
 * Response, Headers and stream objects and cost about 1.7 ms of CPU on the shared 2-core
 * bench machine, a third of the whole per-SMS budget (docs/benchmarks.md#cost-as-released-issue-13);
 * a plain request on a reused socket costs a fraction of that.
 *
 * Behaviour kept from fetch, and what differs:
 *  - the body is sent with its Content-Length; the answer is read whole and decoded as
 *    UTF-8. No Accept-Encoding is sent, so the answer comes uncompressed;
 *  - redirects are NOT followed: the 3xx comes back as the answer (the caller records a
 *    failed attempt naming the Location). fetch followed them, turning a redirected POST
 *    into a GET without its body: a PUSH_SMS redirected by a misconfigured URL
 *    (http → https) was answered by a page and counted delivered without reaching anyone;
 *  - idle sockets are closed after IDLE_SOCKET_MS (or sooner when the server announces a
 *    shorter `Keep-Alive: timeout`), before a typical server closes them itself. A request
 *    that meets a socket the server closed meanwhile (reset before any answer, on a
 *    reused socket) is sent again once on a new connection: the server never read it;
 *  - sockets in the pool do not keep the process alive (the Agent unrefs free sockets);
 *  - node:https (and TLS) is loaded at the first https URL, not at start: about 1 MB the
 *    daemon does not carry until it sends something (fetch loaded undici, 7.6 MB, the same way).
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from "node:http";

export interface TransportRequest {
  url: string;
  method: "POST" | "GET" | "DELETE";
  headers: Record<string, string>;
  body?: string;
  /** Aborts the exchange (deadline or stop): the promise rejects with the signal's reason. */
  signal: AbortSignal;
}

export interface TransportAnswer {
  status: number;
  text: string;
  /** The Location header of a redirect, when the answer is one. */
  location?: string;
}

/** One exchange: resolves with whatever status came back, rejects on a network failure or abort. */
export type HttpTransport = (req: TransportRequest) => Promise<TransportAnswer>;

/** Below the 5 s idle timeout of Node's own server and most proxies (nginx: 75 s). */
const IDLE_SOCKET_MS = 4_000;
/** Errors of a reused socket the server closed while it sat idle. */
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

type Send = (url: URL, options: RequestOptions) => ClientRequest;

interface Scheme {
  send: Send;
  agent: RequestOptions["agent"];
}

const plain: Scheme = { send: httpRequest, agent: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) };
let secure: Promise<Scheme> | undefined;

function schemeOf(url: URL): Scheme | Promise<Scheme> {
  if (url.protocol === "http:") return plain;
  if (url.protocol !== "https:") throw new Error(`unsupported URL scheme ${url.protocol}`);
  secure ??= import("node:https").then((https) => ({ send: https.request, agent: new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) }));
  return secure;
}

export const nodeHttpTransport: HttpTransport = async (req) => {
  const url = new URL(req.url);
  const scheme = await schemeOf(url);
  try {
    return await exchange(req, url, scheme);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    return exchange(req, url, scheme); // once, on a new connection (the pool had only the stale one)
  }
};

class StaleSocketError extends Error {}

function exchange(req: TransportRequest, url: URL, { send, agent }: Scheme): Promise<TransportAnswer> {
  return new Promise((resolve, reject) => {
    if (req.signal.aborted) {
      reject(req.signal.reason);
      return;
    }
    const body = req.body === undefined ? undefined : Buffer.from(req.body, "utf8");
    const headers = body === undefined ? req.headers : { ...req.headers, "content-length": String(body.length) };
    let response: IncomingMessage | undefined;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      req.signal.removeEventListener("abort", onAbort);
      fn();
    };
    const client = send(url, { method: req.method, headers, agent });
    const onAbort = (): void => {
      finish(() => reject(req.signal.reason));
      client.destroy();
      response?.destroy();
    };
    req.signal.addEventListener("abort", onAbort, { once: true });
    client.on("error", (err: NodeJS.ErrnoException) => {
      const stale = client.reusedSocket && response === undefined && STALE_SOCKET_CODES.has(err.code ?? "");
      finish(() => reject(stale ? new StaleSocketError(err.message) : err));
    });
    client.on("response", (res) => {
      response = res;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (err) => finish(() => reject(err)));
      res.on("aborted", () => finish(() => reject(Object.assign(new Error("connection closed before the whole answer arrived"), { code: "ECONNRESET" }))));
      res.on("end", () => {
        const location = res.headers.location;
        const text = Buffer.concat(chunks).toString("utf8");
        finish(() => resolve(location !== undefined && res.statusCode! >= 300 && res.statusCode! < 400 ? { status: res.statusCode!, text, location } : { status: res.statusCode!, text }));
      });
    });
    client.end(body);
  });
}
