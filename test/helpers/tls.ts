/**
 * Self-signed certificates made at test time with the `openssl` CLI (Debian package
 * `openssl`; node can make keys but not X.509 certificates), and a small HTTPS client over
 * node:https that trusts exactly the given certificates and reports which one it was served.
 */
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";

export interface TestCert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
  /** `AB:CD:…`, as TLSSocket.getPeerCertificate().fingerprint256 reports it. */
  fingerprint256: string;
}

/** An EC P-256 self-signed certificate for 127.0.0.1 / localhost (CA:TRUE, so it can be its own trust anchor). */
export function makeCert(dir: string, name: string, cn = `simgate-test-${name}`): TestCert {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30", "-subj", `/CN=${cn}`, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", keyFile, "-out", certFile],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 },
    );
  } catch (err) {
    throw new Error(`openssl could not make a test certificate (install the Debian package "openssl"): ${(err as Error).message}`);
  }
  const cert = readFileSync(certFile, "utf8");
  return { certFile, keyFile, cert, key: readFileSync(keyFile, "utf8"), fingerprint256: new X509Certificate(cert).fingerprint256 };
}

/** The same key, encrypted with a passphrase (what simgate must refuse with a clear line). */
export function encryptKey(keyFile: string, outFile: string): void {
  execFileSync("openssl", ["pkey", "-in", keyFile, "-aes256", "-passout", "pass:secret-pass", "-out", outFile], { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
  /** The certificate the server presented on this request's connection. */
  fingerprint256: string;
  /** The connection it went over (compare to see whether a keep-alive socket was reused). */
  socket: TLSSocket;
}

/** POST JSON over HTTPS, trusting only `ca` (real verification, no rejectUnauthorized: false). */
export function httpsPost(url: string, body: unknown, opts: { ca: string[]; agent?: Agent; headers?: Record<string, string> }): Promise<HttpsAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        ca: opts.ca,
        agent: opts.agent ?? new Agent({ keepAlive: false, ca: opts.ca }),
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...opts.headers },
        timeout: 10_000,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const fingerprint256 = socket.getPeerCertificate().fingerprint256;
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, json: JSON.parse(text) as Record<string, unknown>, fingerprint256, socket });
          } catch {
            reject(new Error(`HTTP ${res.statusCode}: not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("HTTPS request timed out")));
    req.on("error", reject);
    req.end(payload);
  });
}
