/**
 * Who may call the v1 endpoint: the partner key (docs/protocols/onlinesim.md#authentication, Q10) and an optional source-IP
 * allow-list. The key is Onlinesim's key of *our* partner profile; Onlinesim sends it in the
 * body `key` [C]; the pages also list `Authorization: Bearer` [C, sent or not: U] and the
 * `apikey` query parameter [C]. Each source counts only if `auth.accept` lists it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { ErrorCode, SimgateError } from "../../errors.js";

export type KeySource = "body" | "bearer" | "apikey";

const digest = (s: string): Buffer => createHash("sha256").update(s, "utf8").digest();

/**
 * Constant-time key comparison: both sides are hashed first, so timingSafeEqual always
 * compares two 32-byte digests and neither the key's length nor its prefix leaks through timing.
 */
export class KeyCheck {
  readonly #digest: Buffer;

  constructor(key: string) {
    if (key.length === 0) throw new SimgateError("the partner key must not be empty", ErrorCode.HttpOptionsInvalid);
    this.#digest = digest(key);
  }

  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.#digest);
  }
}

export interface KeyCarrier {
  body: unknown;
  headers: { authorization?: string | undefined };
  query: unknown;
}

/** The keys a request presents, per accepted source (non-strings are not keys). */
export function presentedKeys(req: KeyCarrier, accept: readonly KeySource[]): { source: KeySource; value: string }[] {
  const out: { source: KeySource; value: string }[] = [];
  if (accept.includes("body") && isRecord(req.body) && typeof req.body["key"] === "string") out.push({ source: "body", value: req.body["key"] });
  if (accept.includes("bearer")) {
    // RFC 7235: the scheme is case-insensitive.
    const m = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
    if (m?.[1] !== undefined) out.push({ source: "bearer", value: m[1] });
  }
  if (accept.includes("apikey") && isRecord(req.query)) {
    const q = req.query["apikey"];
    for (const v of Array.isArray(q) ? q : [q]) if (typeof v === "string") out.push({ source: "apikey", value: v });
  }
  return out;
}

export type AuthResult = { ok: true; source: KeySource } | { ok: false; reason: "missing" | "wrong" };

/** Authenticated when any accepted source carries the key; every candidate is compared (no early exit). */
export function authenticate(check: KeyCheck, accept: readonly KeySource[], req: KeyCarrier): AuthResult {
  const keys = presentedKeys(req, accept);
  let good: KeySource | undefined;
  for (const k of keys) if (check.matches(k.value) && good === undefined) good = k.source;
  if (good !== undefined) return { ok: true, source: good };
  return { ok: false, reason: keys.length === 0 ? "missing" : "wrong" };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * One spelling per address: IPv4 as dotted quad, IPv6 in the WHATWG canonical form
 * (lower case, zeros compressed), IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack
 * socket reports for IPv4 peers) as the plain IPv4 address. Zone ids are dropped.
 * Undefined when `raw` is not an IP address.
 */
export function normaliseIp(raw: string): string | undefined {
  const ip = raw.trim().replace(/^\[(.*)\]$/, "$1").split("%")[0] ?? "";
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return undefined;
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** `auth.allowIps`: exact addresses; empty = everyone. A config entry that is not an IP is refused at build time. */
export class IpAllowList {
  readonly #allowed: ReadonlySet<string> | undefined;

  constructor(entries: readonly string[]) {
    if (entries.length === 0) {
      this.#allowed = undefined;
      return;
    }
    const set = new Set<string>();
    for (const entry of entries) {
      const ip = normaliseIp(entry);
      if (ip === undefined) throw new SimgateError(`onlinesim.auth.allowIps: "${entry}" is not an IP address (exact addresses only, no ranges)`, ErrorCode.HttpOptionsInvalid, { entry });
      set.add(ip);
    }
    this.#allowed = set;
  }

  allows(remote: string | undefined): boolean {
    if (this.#allowed === undefined) return true;
    const ip = remote === undefined ? undefined : normaliseIp(remote);
    return ip !== undefined && this.#allowed.has(ip);
  }
}
