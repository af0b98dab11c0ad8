/**
 * Built-in TLS of a listener (the partner endpoint's http.tls): the certificate and key files are read
 * and checked before the server is built (a bad pair refuses the start with one line), and
 * re-read on demand (SIGHUP → reloadTls) and swapped in with `server.setSecureContext`:
 * connections already open keep the certificate they shook hands with, new ones get the
 * new one, nothing is dropped. A new pair that does not load leaves the old one in place.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext, type Server as TlsServer } from "node:tls";
import { ErrorCode, SimgateError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";

export interface TlsFiles {
  cert: string;
  key: string;
}

/** What the logs and the caller learn about a loaded certificate (the first of the chain). */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-256 fingerprint, `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints). */
  fingerprint256: string;
  /** Whole days until validTo; negative once expired. */
  daysLeft: number;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  info: CertificateInfo;
}

export type TlsReloadResult = { ok: true; certificate: CertificateInfo } | { ok: false; reason: string };

/** Warn in the logs when the served certificate is this close to expiry. */
const EXPIRY_WARN_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

const invalid = (message: string, files: TlsFiles): SimgateError => new SimgateError(message, ErrorCode.HttpOptionsInvalid, { cert: files.cert, keyFile: files.key });

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied (the simgate user must be able to read it)";
  if (code === "EISDIR") return "is a directory";
  return (err as Error).message;
}

/** OpenSSL's reason without its `error:0480006C:PEM routines::` prefix. */
const opensslReason = (err: unknown): string => ((err as Error).message ?? String(err)).replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, "");

async function readOne(path: string, what: "cert" | "key", files: TlsFiles): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw invalid(`http.tls.${what}: cannot read ${path}: ${readProblem(err)}`, files);
  }
}

/** The pair as a TLS server would use it; every problem is one line naming the file. */
export function checkTlsMaterial(files: TlsFiles, cert: Buffer, key: Buffer, now = Date.now()): TlsMaterial {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw invalid(`http.tls.cert: ${files.cert} holds no PEM certificate`, files);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // PKCS#8 `ENCRYPTED PRIVATE KEY`, or a traditional key with `Proc-Type: 4,ENCRYPTED`.
    const encrypted = code === "ERR_MISSING_PASSPHRASE" || /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(key.toString("latin1"));
    const why = encrypted ? "the key is encrypted (simgate needs it without a passphrase)" : "not a PEM private key";
    throw invalid(`http.tls.key: ${files.key}: ${why}`, files);
  }
  if (!x509.checkPrivateKey(privateKey)) throw invalid(`http.tls: the key in ${files.key} does not belong to the certificate in ${files.cert}`, files);
  try {
    // What the server will do with them (a chain file with garbage after the leaf, an unsupported key).
    createSecureContext({ cert, key });
  } catch (err) {
    throw invalid(`http.tls: ${files.cert} and ${files.key} cannot be used for TLS: ${opensslReason(err)}`, files);
  }
  return {
    cert,
    key,
    info: {
      subject: x509.subject.replace(/\n/g, ", "),
      issuer: x509.issuer.replace(/\n/g, ", "),
      validFrom: new Date(x509.validFrom).toISOString(),
      validTo: new Date(x509.validTo).toISOString(),
      fingerprint256: x509.fingerprint256,
      daysLeft: Math.floor((Date.parse(x509.validTo) - now) / DAY_MS),
    },
  };
}

/** Read and check both files (SimgateError HttpOptionsInvalid with a one-line message). */
export async function loadTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  // One after the other: with both files unreadable, the error always names the certificate (stable message).
  const cert = await readOne(files.cert, "cert", files);
  const key = await readOne(files.key, "key", files);
  return checkTlsMaterial(files, cert, key);
}

/** Log the certificate now served: info, or warn when it expires within EXPIRY_WARN_DAYS (or has). */
export function logCertificate(log: Logger, event: string, files: TlsFiles, info: CertificateInfo, msg: string): void {
  const fields = { event, cert: files.cert, subject: info.subject, validTo: info.validTo, daysLeft: info.daysLeft, fingerprint256: info.fingerprint256 };
  if (info.daysLeft < 0) log.warn({ ...fields, expired: true }, `${msg}; it has EXPIRED: clients will refuse it`);
  else if (info.daysLeft < EXPIRY_WARN_DAYS) log.warn(fields, `${msg}; it expires in ${info.daysLeft} days`);
  else log.info(fields, msg);
}

/**
 * reloadTls: one reload at a time (two quick SIGHUPs run one after the other), one log line
 * per reload saying what is served now or why the old certificate stays.
 */
export class TlsReloader {
  #current: CertificateInfo | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly files: TlsFiles | undefined,
    private readonly server: () => TlsServer | undefined,
    private readonly log: Logger,
    initial: CertificateInfo | undefined,
  ) {
    this.#current = initial;
  }

  get current(): CertificateInfo | undefined {
    return this.#current;
  }

  reload(): Promise<TlsReloadResult> {
    const run = this.#queue.then(() => this.#reloadNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reloadNow(): Promise<TlsReloadResult> {
    const files = this.files;
    const server = this.server();
    if (files === undefined || server === undefined) {
      const reason = "TLS is off (http.tls not set): nothing to reload";
      this.log.info({ event: "tls-reload-skipped" }, reason);
      return { ok: false, reason };
    }
    let material: TlsMaterial;
    try {
      material = await loadTlsMaterial(files);
      server.setSecureContext({ cert: material.cert, key: material.key });
    } catch (err) {
      const reason = err instanceof SimgateError ? err.plainMessage : opensslReason(err);
      this.log.error(
        { event: "tls-reload-failed", reason, fingerprint256: this.#current?.fingerprint256 },
        `TLS certificate NOT reloaded, still serving the previous one: ${reason}`,
      );
      return { ok: false, reason };
    }
    const same = material.info.fingerprint256 === this.#current?.fingerprint256;
    this.#current = material.info;
    logCertificate(this.log, "tls-reloaded", files, material.info, same ? "TLS certificate reloaded (the same certificate as before)" : "TLS certificate reloaded: new connections get the new certificate");
    return { ok: true, certificate: material.info };
  }
}
