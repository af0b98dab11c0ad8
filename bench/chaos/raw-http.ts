/**
 * HTTP/1.1 written by hand on a TCP socket: the requests a real client library refuses to
 * send (conflicting lengths, broken chunks, bad methods, no Host) and a reading of whatever
 * comes back — status, headers, body — or the fact that nothing did.
 */
import { connect } from "node:net";

export interface RawAnswer {
  /** 0 when no status line came back. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The connection closed (or was reset) without an answer. */
  noAnswer: boolean;
  /** Nothing at all within the deadline. */
  timedOut: boolean;
  ms: number;
}

/** Send `bytes` to 127.0.0.1:`port` and read until the server closes or `timeoutMs` passes. */
export function rawExchange(port: number, bytes: Buffer | string, timeoutMs = 10_000, localAddress?: string): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) });
    let settled = false;
    const done = (timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseAnswer(Buffer.concat(chunks)), timedOut: timedOut && chunks.length === 0, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => done(true), timeoutMs);
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      // A complete answer with a length: no need to wait for the close.
      const parsed = parseAnswer(Buffer.concat(chunks));
      if (parsed.status && parsed.complete) done(false);
    });
    socket.on("end", () => done(false));
    socket.on("close", () => done(false));
    socket.on("error", () => done(false));
  });
}

function parseAnswer(buf: Buffer): Omit<RawAnswer, "timedOut" | "ms"> & { complete: boolean } {
  const text = buf.toString("latin1");
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return { status: 0, headers: {}, body: "", noAnswer: true, complete: false };
  const [statusLine = "", ...lines] = text.slice(0, headEnd).split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let rawBody = buf.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), "latin1"));
  let complete = false;
  if (headers["transfer-encoding"]?.includes("chunked")) {
    const out: Buffer[] = [];
    let rest = rawBody;
    for (;;) {
      const eol = rest.indexOf("\r\n");
      if (eol < 0) break;
      const size = parseInt(rest.subarray(0, eol).toString("latin1"), 16);
      if (!Number.isFinite(size)) break;
      if (size === 0) {
        complete = true;
        break;
      }
      if (rest.length < eol + 2 + size) break;
      out.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    rawBody = Buffer.concat(out);
  } else if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    complete = rawBody.length >= length;
    rawBody = rawBody.subarray(0, length);
  }
  return { status, headers, body: rawBody.toString("utf8"), noAnswer: status === 0, complete };
}

/** A request with `Connection: close`, a Host header and a Content-Length unless `headers` sets its own. */
export function buildRequest(method: string, path: string, port: number, headers: Record<string, string> = {}, body?: Buffer | string): Buffer {
  const b = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const h: Record<string, string> = { host: `127.0.0.1:${port}`, connection: "close", ...(body !== undefined ? { "content-length": String(b.length) } : {}), ...headers };
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(h)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), b]);
}
