/**
 * One HTTP request with the parts fetch() will not let a test choose: the client's own
 * source address (Linux routes all of 127.0.0.0/8 to lo, so a client bound to 127.0.0.2
 * reaches a listener on 127.0.0.1 and the server sees 127.0.0.2) and a forged Host header.
 */
import { request } from "node:http";

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The Set-Cookie lines, if any. */
  cookies: string[];
}

export interface RawRequest {
  method?: string;
  /** Source address of the client socket (e.g. 127.0.0.2). */
  from?: string;
  headers?: Record<string, string>;
  body?: string;
  /** For a stream (SSE): resolve once the headers are in and close the connection. */
  headersOnly?: boolean;
}

export function rawRequest(url: string, o: RawRequest = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: u.port,
        path: u.pathname + u.search,
        method: o.method ?? "GET",
        headers: { ...(o.body !== undefined ? { "content-length": String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
        ...(o.from !== undefined ? { localAddress: o.from } : {}),
        timeout: 20_000,
      },
      (res) => {
        const done = (body: string): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cookies: res.headers["set-cookie"] ?? [] });
        if (o.headersOnly) {
          res.destroy();
          done("");
          return;
        }
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => done(body));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${o.method ?? "GET"} ${url}: no answer within 20 s`)));
    req.on("error", reject);
    req.end(o.body);
  });
}

/** `name=value` of a Set-Cookie line and its attributes, lower-cased names (`httponly`, `samesite`, …). */
export function parseSetCookie(line: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair = "", ...attrs] = line.split(";").map((s) => s.trim());
  const eq = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const a of attrs) {
    const i = a.indexOf("=");
    attributes.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? "" : a.slice(i + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}
