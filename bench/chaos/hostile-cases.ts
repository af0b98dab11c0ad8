/**
 * Hostile HTTP input for the partner endpoint (what anyone on the internet can send it)
 * and the admin listener (what any local user or a DNS-rebinding web page can send it).
 * `refuse`: the answer must be a clean JSON error (4xx, or the v1 protocol's HTTP 200
 * `{"status":"ERROR"}`); `tolerate`: odd but harmless input, any JSON answer that is not
 * a 5xx will do.
 */
import { gzipSync } from "node:zlib";
import { buildRequest } from "./raw-http.js";

export interface HostileCase {
  target: "partner" | "admin";
  name: string;
  expect: "refuse" | "tolerate";
  bytes: (port: number) => Buffer;
  /** Connect from this loopback address (the admin listener must not trust it). */
  from?: string;
}

const JSON_CT = { "content-type": "application/json" };

export function hostileCases(key: string, adminToken: string): HostileCase[] {
  const cases: HostileCase[] = [];
  const partnerBody = (name: string, body: string | Buffer, expect: HostileCase["expect"] = "refuse", headers: Record<string, string> = JSON_CT, path = "/"): void => {
    cases.push({ target: "partner", name, expect, bytes: (port) => buildRequest("POST", path, port, headers, body) });
  };
  const partnerJson = (name: string, value: unknown, expect: HostileCase["expect"] = "refuse"): void => partnerBody(name, JSON.stringify(value), expect);
  const partnerRaw = (name: string, raw: string | Buffer): void => {
    cases.push({ target: "partner", name, expect: "refuse", bytes: () => (Buffer.isBuffer(raw) ? raw : Buffer.from(raw, "latin1")) });
  };
  const getNumber = (over: Record<string, unknown>) => ({ action: "GET_NUMBER", key, country: "england", operator: "any", service: "svc000", sum: 10, ...over });
  const finish = (over: Record<string, unknown>) => ({ action: "FINISH_ACTIVATION", key, activationId: 1, status: 5, ...over });

  // Bodies that are not a v1 request.
  partnerBody("invalid JSON", "{");
  partnerBody("empty body", "");
  partnerBody("JSON null", "null");
  partnerBody("JSON array", "[]");
  partnerBody("JSON string", '"GET_SERVICES"');
  partnerBody("JSON number", "42");
  partnerJson("batch of requests", [{ action: "GET_SERVICES", key }]);
  partnerJson("unknown action", { action: "DROP_TABLE", key });
  partnerJson("no action", { key });
  partnerJson("action of the wrong type", { action: ["GET_SERVICES"], key });
  partnerBody("invalid UTF-8", Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]));
  partnerBody("deeply nested JSON (20,000 levels)", `${"[".repeat(20_000)}${"]".repeat(20_000)}`);
  partnerBody("body over the size limit (1 MiB)", JSON.stringify({ action: "GET_SERVICES", key, pad: "x".repeat(1 << 20) }));
  partnerBody("gzip bomb (16 MiB of spaces)", gzipSync(Buffer.alloc(16 << 20, 0x20)), "refuse", { ...JSON_CT, "content-encoding": "gzip" });
  partnerBody("Content-Encoding gzip on a plain body", JSON.stringify({ action: "GET_SERVICES", key }), "refuse", { ...JSON_CT, "content-encoding": "gzip" });
  partnerBody("unknown Content-Encoding", JSON.stringify({ action: "GET_SERVICES", key }), "refuse", { ...JSON_CT, "content-encoding": "br2" });
  partnerBody("form-encoded body", `action=GET_SERVICES&key=${key}`, "tolerate", { "content-type": "application/x-www-form-urlencoded" });
  partnerBody("JSON with a byte-order mark", `\ufeff${JSON.stringify({ action: "GET_SERVICES", key })}`, "tolerate");
  // Keys.
  partnerJson("no key", { action: "GET_SERVICES" });
  partnerJson("wrong key", { action: "GET_SERVICES", key: `${key}x` });
  partnerJson("key of the wrong type", { action: "GET_SERVICES", key: [key] });
  partnerJson("key 30,000 characters long", { action: "GET_SERVICES", key: "k".repeat(30_000) });
  partnerBody("SQL in the apikey parameter", JSON.stringify({ action: "GET_SERVICES" }), "refuse", JSON_CT, "/?apikey=%27%20OR%201%3D1%20--");
  partnerBody("Bearer token 10 KiB long", JSON.stringify({ action: "GET_SERVICES" }), "refuse", { ...JSON_CT, authorization: `Bearer ${"t".repeat(10_000)}` });
  // Prototype pollution and duplicate keys.
  partnerBody("__proto__ in the body", `{"__proto__":{"polluted":true},"action":"GET_SERVICES","key":${JSON.stringify(key)}}`, "tolerate");
  partnerJson("constructor.prototype in the body", { constructor: { prototype: { polluted: true } }, action: "GET_SERVICES", key }, "tolerate");
  partnerBody("duplicate action keys", `{"action":"GET_SERVICES","action":"DROP","key":${JSON.stringify(key)}}`);
  // GET_NUMBER with bad fields.
  partnerJson("GET_NUMBER sum 1e300", getNumber({ sum: 1e300 }));
  partnerBody("GET_NUMBER sum 1e999 (Infinity)", JSON.stringify(getNumber({})).replace('"sum":10', '"sum":1e999'));
  partnerJson("GET_NUMBER negative sum", getNumber({ sum: -5 }));
  partnerJson("GET_NUMBER sum as a string", getNumber({ sum: "10; DROP TABLE" }));
  partnerJson("GET_NUMBER country 10 KiB long", getNumber({ country: "a".repeat(10_000) }), "tolerate");
  partnerJson("GET_NUMBER path traversal in country", getNumber({ country: "../../../etc/passwd" }), "tolerate");
  partnerJson("GET_NUMBER NUL and RTL characters", getNumber({ service: "svc\u0000\u202e000" }), "tolerate");
  partnerJson("GET_NUMBER 50,000 exception prefixes", getNumber({ exceptionPhoneSet: Array.from({ length: 50_000 }, (_, i) => 1000 + i) }), "tolerate");
  partnerJson("GET_NUMBER exceptionPhoneSet of objects", getNumber({ exceptionPhoneSet: [{ $gt: 0 }] }));
  partnerJson("GET_NUMBER missing service", getNumber({ service: undefined }));
  // FINISH_ACTIVATION with bad fields.
  partnerJson("FINISH activationId -1", finish({ activationId: -1 }));
  partnerJson("FINISH activationId 1.5", finish({ activationId: 1.5 }));
  partnerJson("FINISH activationId as a string", finish({ activationId: "1 OR 1=1" }));
  partnerBody("FINISH activationId 2^70", JSON.stringify(finish({})).replace('"activationId":1', '"activationId":1180591620717411303424'));
  // An undocumented status still closes the activation, by design (src/http/partner/dispatch.ts):
  // refusing it would keep the number busy while Onlinesim re-sends the FINISH.
  partnerJson("FINISH status 2", finish({ status: 2 }), "tolerate");
  partnerJson("FINISH status as a string", finish({ status: "3" }));
  partnerJson("FINISH of an id never issued", finish({ activationId: 987_654_321 }), "tolerate");
  // Methods, paths, HTTP itself.
  for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]) cases.push({ target: "partner", name: `${method} /`, expect: "refuse", bytes: (port) => buildRequest(method, "/", port) });
  cases.push({ target: "partner", name: "path traversal", expect: "refuse", bytes: (port) => buildRequest("POST", "/../../etc/passwd", port, JSON_CT, "{}") });
  cases.push({ target: "partner", name: "undecodable URL (%zz)", expect: "refuse", bytes: (port) => buildRequest("POST", "/%zz", port, JSON_CT, "{}") });
  cases.push({ target: "partner", name: "URL 100 KiB long", expect: "refuse", bytes: (port) => buildRequest("POST", `/?q=${"a".repeat(100_000)}`, port, JSON_CT, "{}") });
  cases.push({ target: "partner", name: "header 32 KiB long", expect: "refuse", bytes: (port) => buildRequest("POST", "/", port, { ...JSON_CT, "x-junk": "j".repeat(32_000) }, "{}") });
  partnerRaw("conflicting Content-Length headers", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}");
  partnerRaw("Transfer-Encoding and Content-Length (smuggling)", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  partnerRaw("malformed chunk size", "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
  partnerRaw("invalid method token", "G@T / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  partnerRaw("HTTP/1.1 without Host", "POST / HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  partnerRaw("bare LF line ends", "POST / HTTP/1.1\nHost: x\nContent-Length: 2\nConnection: close\n\n{}");
  partnerRaw("TLS ClientHello on the plain port", Buffer.from("16030100a5010000a10303" + "00".repeat(64), "hex"));
  partnerRaw("random bytes", Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) & 0xff)));

  // Admin listener: no token, wrong token, a forged Host, a foreign loopback source, bad bodies.
  const admin = (name: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer, from?: string): void => {
    cases.push({ target: "admin", name, expect: "refuse", bytes: (port) => buildRequest(method, path, port, headers, body), ...(from ? { from } : {}) });
  };
  const auth = { authorization: `Bearer ${adminToken}` };
  admin("status without a token", "GET", "/api/status");
  admin("status with a wrong token", "GET", "/api/status", { authorization: `Bearer ${adminToken}x` });
  admin("status with the token from 127.0.0.2 and a forged Host", "GET", "/api/status", { ...auth, host: "attacker.example" }, undefined, "127.0.0.2");
  admin("status with a forged Host (DNS rebinding)", "GET", "/api/status", { ...auth, host: "attacker.example" });
  admin("AT command without a token from 127.0.0.9", "POST", "/api/at", JSON_CT, JSON.stringify({ port: "modem0", command: "AT+CMGD=1,4", force: true }), "127.0.0.9");
  admin("AT command with a bad body", "POST", "/api/at", { ...auth, ...JSON_CT }, "{not json");
  admin("AT command with a body of the wrong shape", "POST", "/api/at", { ...auth, ...JSON_CT }, JSON.stringify({ port: ["x"], command: 5 }));
  admin("AT command body over the limit", "POST", "/api/at", { ...auth, ...JSON_CT }, JSON.stringify({ port: "modem0", command: `AT${"Z".repeat(200_000)}` }));
  admin("SMS list with a garbage 'since'", "GET", "/api/sms?since=yesterday%27--", auth);
  admin("simulator route on a daemon that is not simulating", "POST", "/api/simulator/sms", { ...auth, ...JSON_CT }, JSON.stringify({ number: "+441234567", sender: "x", text: "y" }));
  admin("path traversal", "GET", "/../../etc/passwd", auth);
  admin("PUT on a GET route", "PUT", "/api/status", { ...auth, ...JSON_CT }, "{}");
  admin("garbage session cookie", "GET", "/api/status", { cookie: "simgate_session=../../etc; simgate_session_0=\u0000" });
  admin("store backup naming its own target file", "POST", "/api/store/backup", { ...auth, ...JSON_CT }, JSON.stringify({ file: "/etc/passwd" }));
  cases.push({ target: "admin", name: "conflicting Content-Length headers", expect: "refuse", bytes: () => Buffer.from(`POST /api/at HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${adminToken}\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}`, "latin1") });
  cases.push({ target: "admin", name: "invalid method token", expect: "refuse", bytes: () => Buffer.from("G@T /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", "latin1") });
  cases.push({ target: "admin", name: "header 32 KiB long", expect: "refuse", bytes: (port) => buildRequest("GET", "/api/status", port, { ...auth, "x-junk": "j".repeat(32_000) }) });
  return cases;
}
